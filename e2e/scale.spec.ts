import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, type Started } from './support';

// Issue 4, point 5: 10,000 selected users generate, preview and save with a progress bar and
// Cancel; a cancelled save writes nothing and the same job can then be saved in full.
const USERS = 10_000;
const adminPassword = 'Admin-Pass-2026!';

let work: string;
let server: Started;
let consoleHost: Started;

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatepass-e2e-scale-'));
  server = await startCli(
    ['server', '--db', join(work, 'scale.sqlite'), '--port', '0', '--seed-demo', String(USERS), '--name', 'Depot'],
    { GATEPASS_ADMIN_PASSWORD: adminPassword },
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  consoleHost = await startCli(['console', '--port', '0', '--no-embedded'], { GATEPASS_USER_DATA: join(work, 'console') }, /Gatepass console: (http:\/\/\S+)/);
});

test.afterAll(async () => {
  await consoleHost?.stop();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('10,000 users get codes, the save shows progress, a cancel writes nothing, and a full save holds every user', async ({ page }, testInfo) => {
  test.setTimeout(360_000);
  await page.goto(consoleHost.match[1]!);
  await page.getByRole('button', { name: 'Add server' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add server' });
  await dialog.getByLabel('Name').fill('Depot');
  await dialog.getByLabel('Server URL').fill(server.match[1]!);
  await dialog.getByLabel('Login').fill('admin');
  await dialog.getByLabel('Password', { exact: true }).fill(adminPassword);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('tree').getByRole('treeitem', { name: 'Users' }).first().click();

  const grid = page.getByRole('grid');
  await expect(grid).toHaveAttribute('aria-rowcount', String(USERS + 1));
  await grid.locator('[role="row"][aria-rowindex="2"]').click();
  await page.keyboard.press('ControlOrMeta+a');
  await expect(page.getByText(/10,000 selected/).first()).toBeVisible();

  await page.getByRole('button', { name: 'Generate QR Code' }).click();
  const gen = page.getByRole('dialog', { name: 'Generate QR Code' });
  await gen.getByLabel('New password').fill('Harbour-Lights-42');
  await gen.getByLabel('Confirm password').fill('Harbour-Lights-42');
  await gen.getByRole('button', { name: 'OK', exact: true }).click();
  await page.getByRole('button', { name: 'Generate', exact: true }).click();

  const popup = page.getByRole('dialog', { name: 'Generated QR codes' });
  await expect(popup).toBeVisible({ timeout: 240_000 });
  await expect(popup.getByText(/10,000 generated/)).toBeVisible();
  // The preview is virtualised: a screenful of cards in the DOM, not 10,000.
  expect(await popup.getByRole('listitem').count()).toBeLessThan(200);

  await popup.getByRole('button', { name: 'Choose file type and layout…' }).click();
  const save = page.getByRole('dialog', { name: 'Save QR codes' });
  await save.getByText('Each QR code as a separate file').click();
  await save.getByText('Include configuration files with connection parameters').click();
  await save.getByRole('button', { name: 'Save', exact: true }).click();
  const progress = save.getByRole('progressbar');
  await expect(progress).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('saving-10000.png') });
  await save.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(save.getByText('Save cancelled: nothing was written.')).toBeVisible();

  const downloadPromise = page.waitForEvent('download', { timeout: 120_000 });
  await save.getByRole('button', { name: 'Save', exact: true }).click();
  const download = await downloadPromise;
  const zip = join(work, 'codes.zip');
  await download.saveAs(zip);

  execFileSync('unzip', ['-tq', zip]);
  const names = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim().split('\n');
  expect(names.filter((n) => n.endsWith('.pdf'))).toHaveLength(USERS);
  expect(names.filter((n) => n.endsWith('.usr'))).toHaveLength(USERS);
  expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
});

import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { addServerInUi, startStack, type Stack } from './support';

// Issue 4, point 5: 10,000 selected users generate, preview and save with a progress bar and
// Cancel; a cancelled save writes nothing and the same job can then be saved in full.
const USERS = 10_000;
let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack('Depot', USERS);
});

test.afterAll(async () => {
  await stack?.stop();
});

test('10,000 users get codes, the save shows progress, a cancel writes nothing, and a full save holds every user', async ({ page }, testInfo) => {
  test.setTimeout(360_000);
  await page.goto(stack.consoleUrl);
  await addServerInUi(page, 'Depot', stack.serverUrl);

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
  const zip = join(stack.work, 'codes.zip');
  await download.saveAs(zip);

  execFileSync('unzip', ['-tq', zip]);
  const names = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim().split('\n');
  expect(names.filter((n) => n.endsWith('.pdf'))).toHaveLength(USERS);
  expect(names.filter((n) => n.endsWith('.usr'))).toHaveLength(USERS);
  expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
});

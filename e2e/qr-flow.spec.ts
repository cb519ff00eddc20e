import { test, expect } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { addServerInUi, cli, root, startStack, type Stack } from './support';
import { zbarRead } from '../src/test-support/zbar';

const userPassword = 'Harbour-Lights-42';

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack('Plant 1', 25);
});

test.afterAll(async () => {
  await stack?.stop();
});

test('an administrator adds a server, issues QR codes for three users, and every saved code signs in', async ({ page }, testInfo) => {
  await page.goto(stack.consoleUrl);
  // The one-time launch token is swapped for a cookie and leaves the address bar.
  await expect(page).toHaveURL(/\/$/);

  await addServerInUi(page, 'Plant 1', stack.serverUrl);

  const grid = page.getByRole('grid');
  // Data rows, not the header row; wait until the first page has loaded.
  const dataRows = grid.locator('[role="row"][aria-rowindex]').filter({ hasNot: page.locator('[role="columnheader"]') });
  await expect(dataRows.nth(3)).toContainText(/\w/);
  // Pick three users: click, then Shift-click two rows further.
  await dataRows.nth(0).click();
  await dataRows.nth(2).click({ modifiers: ['Shift'] });
  await expect(grid.locator('[role="row"][aria-selected="true"]')).toHaveCount(3);
  const logins = (await grid.locator('[role="row"][aria-selected="true"]').allInnerTexts()).map((t) => t.trim().split(/\s+/)[0]!);

  await page.screenshot({ path: testInfo.outputPath('main-window.png') });
  await testInfo.attach('main-window', { path: testInfo.outputPath('main-window.png'), contentType: 'image/png' });

  await page.getByRole('button', { name: 'Generate QR Code' }).click();
  const gen = page.getByRole('dialog', { name: 'Generate QR Code' });
  await gen.getByLabel('New password').fill(userPassword);
  await gen.getByLabel('Confirm password').fill(userPassword);
  await gen.getByRole('button', { name: 'OK' }).click();
  await page.getByRole('button', { name: 'Generate' }).click();

  const popup = page.getByRole('dialog', { name: 'Generated QR codes' });
  await expect(popup).toBeVisible();
  for (const login of logins) await expect(popup.getByText(login, { exact: true }).first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('generated-codes.png') });
  await testInfo.attach('generated-codes', { path: testInfo.outputPath('generated-codes.png'), contentType: 'image/png' });

  const downloadPromise = page.waitForEvent('download');
  await popup.getByRole('button', { name: 'Save' }).click();
  const download = await downloadPromise;
  const pdf = join(stack.work, 'codes.pdf');
  await download.saveAs(pdf);
  expect(statSync(pdf).size).toBeGreaterThan(1000);

  // Real peers read what we wrote: qpdf checks the PDF, pdftoppm rasterises it, zbarimg decodes.
  execFileSync('qpdf', ['--check', pdf]);
  execFileSync('pdftoppm', ['-r', '150', '-png', pdf, join(stack.work, 'page')]);
  const pages = readdirSync(stack.work).filter((f) => /^page-\d+\.png$/.test(f)).sort();
  expect(pages).toHaveLength(3);

  const decodedLogins: string[] = [];
  for (const png of pages) {
    const text = zbarRead(join(stack.work, png)) ?? '';
    const payload = JSON.parse(text) as { l: string; s: string };
    expect(payload.s).toBe(stack.serverUrl);
    decodedLogins.push(payload.l);
    // The device side: sign in to the server with exactly what the camera read.
    const signin = spawnSync(process.execPath, [cli, 'device', 'signin', '--qr-text', text], { cwd: root, encoding: 'utf8' });
    expect(signin.stderr).toBe('');
    expect(signin.status).toBe(0);
    expect(signin.stdout).toContain(`as ${payload.l}`);
  }
  expect(decodedLogins.sort()).toEqual([...logins].sort());
});

import { test, expect } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, root, startCli, type Started } from './support';

const adminPassword = 'Admin-Pass-2026!';
const userPassword = 'Harbour-Lights-42';

let work: string;
let server: Started;
let consoleHost: Started;
let serverUrl: string;
let consoleUrl: string;

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatepass-e2e-'));
  server = await startCli(
    ['server', '--db', join(work, 'server.sqlite'), '--port', '0', '--seed-demo', '25', '--name', 'Plant 1'],
    { GATEPASS_ADMIN_PASSWORD: adminPassword },
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  serverUrl = server.match[1]!;
  consoleHost = await startCli(
    ['console', '--port', '0', '--no-embedded'],
    { GATEPASS_USER_DATA: join(work, 'console-data') },
    /Gatepass console: (http:\/\/127\.0\.0\.1:\d+\/\S*)/,
  );
  consoleUrl = consoleHost.match[1]!;
});

test.afterAll(async () => {
  await consoleHost?.stop();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('an administrator adds a server, issues QR codes for three users, and every saved code signs in', async ({ page }, testInfo) => {
  await page.goto(consoleUrl);
  // The one-time launch token is swapped for a cookie and leaves the address bar.
  await expect(page).toHaveURL(/\/$/);

  await page.getByRole('button', { name: 'Add server' }).click();
  const addDialog = page.getByRole('dialog', { name: 'Add server' });
  await addDialog.getByLabel('Name').fill('Plant 1');
  await addDialog.getByLabel('Server URL').fill(serverUrl);
  await addDialog.getByLabel('Login').fill('admin');
  await addDialog.getByLabel('Password', { exact: true }).fill(adminPassword);
  await addDialog.getByRole('button', { name: 'Add' }).click();
  await expect(addDialog).toBeHidden();

  const tree = page.getByRole('tree');
  await expect(tree.getByRole('treeitem', { name: /Plant 1/ }).first()).toBeVisible();
  const usersNode = tree.getByRole('treeitem', { name: 'Users' }).first();
  if (!(await usersNode.isVisible())) await tree.getByRole('treeitem', { name: /Plant 1/ }).first().press('ArrowRight');
  await usersNode.click();

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
  const pdf = join(work, 'codes.pdf');
  await download.saveAs(pdf);
  expect(statSync(pdf).size).toBeGreaterThan(1000);

  // Real peers read what we wrote: qpdf checks the PDF, pdftoppm rasterises it, zbarimg decodes.
  execFileSync('qpdf', ['--check', pdf]);
  execFileSync('pdftoppm', ['-r', '150', '-png', pdf, join(work, 'page')]);
  const pages = readdirSync(work).filter((f) => /^page-\d+\.png$/.test(f)).sort();
  expect(pages).toHaveLength(3);

  const decodedLogins: string[] = [];
  for (const png of pages) {
    const text = execFileSync('zbarimg', ['--nodbus', '-q', '--raw', join(work, png)], { encoding: 'utf8' }).trim();
    const payload = JSON.parse(text) as { l: string; s: string };
    expect(payload.s).toBe(serverUrl);
    decodedLogins.push(payload.l);
    // The device side: sign in to the server with exactly what the camera read.
    const signin = spawnSync(process.execPath, [cli, 'device', 'signin', '--qr-text', text], { cwd: root, encoding: 'utf8' });
    expect(signin.stderr).toBe('');
    expect(signin.status).toBe(0);
    expect(signin.stdout).toContain(`as ${payload.l}`);
  }
  expect(decodedLogins.sort()).toEqual([...logins].sort());
});

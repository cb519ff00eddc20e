import { test, expect, type Download, type Locator, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../src/shared/csv';
import { deviceSignin, gatepass, issueCodes, samePassword } from './cli-tools';
import { addServerInUi, startStack, type Stack } from './support';

/**
 * Issue 8, points 6 and 8, as an administrator uses them: the user list sorts by 2FA, QR issued
 * and Sessions, filters by QR code, creation day and who is signed in, hides columns (kept across
 * reloads) and exports what it shows as CSV; the audit log records device sign-ins, failed ones,
 * refused codes and imports, filters by action, user, administrator, time and text, and exports.
 */

const USERS = 40;
let stack: Stack;

test.afterEach(async () => {
  await stack?.stop();
});

/** A day as the date inputs take it (YYYY-MM-DD), `offset` days from today, local time. */
function day(offset: number): string {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function dataRows(page: Page): Locator {
  return page.getByRole('grid').locator('[role="row"][aria-rowindex]').filter({ hasNot: page.locator('[role="columnheader"]') });
}

/** The first `n` logins as the grid shows them now. */
async function shownLogins(page: Page, n: number): Promise<string[]> {
  const rows = dataRows(page);
  await expect(rows.nth(Math.min(n, 3) - 1)).toContainText(/\w/);
  const texts = await rows.evaluateAll((els, count) => els.slice(0, count).map((e) => e.querySelector('[role="gridcell"]:nth-child(2)')?.textContent ?? ''), n);
  return texts;
}

/** The cells of one row by column header name. */
async function rowByLogin(page: Page, login: string): Promise<Record<string, string>> {
  const headers = await page.getByRole('grid').getByRole('columnheader').allInnerTexts();
  const row = dataRows(page).filter({ has: page.getByRole('gridcell', { name: login, exact: true }) });
  const cells = await row.getByRole('gridcell').allInnerTexts();
  return Object.fromEntries(headers.map((h, i) => [h.replace(/[▲▼]/g, '').trim(), (cells[i] ?? '').trim()]));
}

async function csvOf(download: Download, path: string): Promise<string[][]> {
  await download.saveAs(path);
  const text = readFileSync(path, 'utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff); // UTF-8 with a BOM, as spreadsheets expect
  return parseCsv(text).map((r) => r.fields);
}

test('the user list sorts by 2FA, QR issued and Sessions, filters, hides a column across reloads, and exports the filtered list as CSV', async ({ page }, testInfo) => {
  stack = await startStack('Plant 9', USERS);
  const db = join(stack.work, 'server.sqlite');
  await page.goto(stack.consoleUrl);
  await addServerInUi(page, 'Plant 9', stack.serverUrl);
  await expect(page.getByText(`${USERS} users`, { exact: true })).toBeVisible();
  const [a, b, c, d, e] = await shownLogins(page, 5);
  if (!a || !b || !c || !d || !e) throw new Error('the list did not load');

  // Three users get codes, one after the other; c signs in on two devices and b on one.
  const password = samePassword(stack, 'Harbour-Lights-42');
  const codes = new Map<string, string>();
  for (const login of [a, b, c]) for (const [l, t] of issueCodes(stack, [login], password, `codes-${login}`)) codes.set(l, t);
  for (const login of [c, c, b]) expect(deviceSignin(codes.get(login)!).status).toBe(0);
  // Fixtures for what this version cannot set yet: d and e use two-step verification, and
  // everyone but a..e was created last year (an older directory).
  const sql = new Database(db);
  sql.prepare('UPDATE users SET totp_enabled = 1 WHERE login IN (?, ?)').run(d, e);
  sql.prepare(`UPDATE users SET created_at = '2024-03-01T10:00:00.000Z' WHERE login NOT IN (?, ?, ?, ?, ?)`).run(a, b, c, d, e);
  sql.close();
  await page.keyboard.press('F5');
  await expect(page.getByText(`${USERS} users`, { exact: true })).toBeVisible();

  const grid = page.getByRole('grid');
  const header = (name: string) => grid.getByRole('columnheader', { name });
  const sortBy = async (name: string, order: 'ascending' | 'descending') => {
    for (let i = 0; i < 2 && (await header(name).getAttribute('aria-sort')) !== order; i++) await header(name).getByRole('button').click();
    await expect(header(name)).toHaveAttribute('aria-sort', order);
    await expect(header('Login')).toHaveAttribute('aria-sort', 'none');
  };

  // 2FA: on after off when ascending; descending puts the two with it first.
  await sortBy('2FA', 'descending');
  expect((await shownLogins(page, 2)).sort()).toEqual([d, e].sort());
  expect((await rowByLogin(page, d))['2FA']).toBe('on');
  await sortBy('2FA', 'ascending');
  expect((await rowByLogin(page, (await shownLogins(page, 1))[0]!))['2FA']).toBe('off');

  // QR issued: newest first descending; ascending starts with those who never had one.
  await sortBy('QR issued', 'descending');
  expect(await shownLogins(page, 3)).toEqual([c, b, a]);
  expect((await rowByLogin(page, c))['QR issued']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  await sortBy('QR issued', 'ascending');
  expect((await rowByLogin(page, (await shownLogins(page, 1))[0]!))['QR issued']).toBe('—');

  // Sessions: c (2), b (1), then everyone else.
  await sortBy('Sessions', 'descending');
  expect(await shownLogins(page, 2)).toEqual([c, b]);
  expect((await rowByLogin(page, c)).Sessions).toBe('2');
  expect((await rowByLogin(page, b)).Sessions).toBe('1');
  await page.screenshot({ path: testInfo.outputPath('sorted-by-sessions.png') });

  // Filters, each counted by the server.
  const count = page.locator('.table-pane .count');
  const qr = page.getByRole('combobox', { name: 'QR code' });
  await qr.selectOption('never');
  await expect(count).toHaveText(`${USERS - 3} users match`);
  await qr.selectOption('issued');
  await expect(count).toHaveText('3 users match');
  await qr.selectOption('issuedBefore');
  // No day yet: nothing narrows the list.
  await expect(count).toHaveText(`${USERS} users`);
  await page.getByLabel('QR issued before').fill(day(1));
  await expect(count).toHaveText('3 users match');
  await page.getByLabel('QR issued before').fill(day(-1));
  await expect(count).toHaveText('0 users match');
  await expect(grid).toContainText('No users match the search and filters.');
  await qr.selectOption('any');
  await expect(count).toHaveText(`${USERS} users`);

  await page.getByLabel('Created since').fill('2024-06-01');
  await expect(count).toHaveText('5 users match');
  await page.getByLabel('Created since').fill('2024-01-01');
  await expect(count).toHaveText(`${USERS} users match`);
  await page.getByLabel('Created since').fill('');

  await page.getByText('Signed in now').click();
  await expect(count).toHaveText('2 users match');
  expect(await shownLogins(page, 2)).toEqual([c, b]);
  await page.screenshot({ path: testInfo.outputPath('signed-in-now.png') });
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(count).toHaveText(`${USERS} users`);

  // The column chooser: Email hidden, and still hidden after a reload (main keeps the choice).
  // (Counted from what the grid shows now: issue 10 added the Provisioning column.)
  const columnsBefore = Number(await grid.getAttribute('aria-colcount'));
  expect(columnsBefore).toBe(9);
  await page.getByRole('button', { name: 'Columns' }).click();
  const menu = page.getByRole('menu', { name: 'Columns' });
  await expect(menu.getByRole('menuitemcheckbox', { name: 'Login' })).toBeDisabled();
  await menu.getByRole('menuitemcheckbox', { name: 'Email' }).click();
  await page.keyboard.press('Escape');
  await expect(header('Email')).toHaveCount(0);
  // The check box column and eight columns: all nine but Email (Source from issue 11, Provisioning from issue 10).
  await expect(grid).toHaveAttribute('aria-colcount', String(columnsBefore - 1));
  await page.reload();
  await expect(page.getByText(`${USERS} users`, { exact: true })).toBeVisible();
  await expect(header('Display name')).toBeVisible();
  await expect(header('Email')).toHaveCount(0);
  expect(await dataRows(page).first().getByRole('gridcell').allInnerTexts()).not.toContainEqual(expect.stringContaining('@example.com'));

  // Export the filtered, sorted list: every matching user, every field, in the table's order.
  await qr.selectOption('issued');
  await sortBy('QR issued', 'descending');
  await expect(count).toHaveText('3 users match');
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export list as CSV' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^gatepass-users-plant-9-\d{4}-\d{2}-\d{2}\.csv$/);
  const rows = await csvOf(download, join(stack.work, 'users.csv'));
  expect(rows[0]).toEqual(['Login', 'Display name', 'Email', '2FA', 'QR issued', 'Sessions', 'Disabled', 'Created', 'Source']);
  expect(rows.slice(1).map((r) => r[0])).toEqual([c, b, a]);
  expect(rows.slice(1).map((r) => r[5])).toEqual(['2', '1', '0']);
  expect(rows[1]![2]).toBe(`${c}@example.com`);
  expect(rows.slice(1).map((r) => r[8])).toEqual(['internal', 'internal', 'internal']);
  for (const r of rows.slice(1)) expect(Date.parse(r[4]!)).toBeGreaterThan(Date.now() - 10 * 60_000);
  await expect(page.getByRole('status').filter({ hasText: 'Exported 3 users' })).toBeVisible();
});

test('the audit log shows device sign-ins, failed ones, refused codes and an import, filters them and exports them as CSV', async ({ page }, testInfo) => {
  stack = await startStack('Plant 10', 10);
  await page.goto(stack.consoleUrl);
  await addServerInUi(page, 'Plant 10', stack.serverUrl);
  const [first, second] = await shownLogins(page, 2);
  if (!first || !second) throw new Error('the list did not load');

  // Template "<First>-Key-<n>": the first user's password contains the login, so that code is refused.
  const prefix = `${first.charAt(0).toUpperCase()}${first.slice(1)}-Key-`;
  const codes = issueCodes(stack, [first, second], ['--mode', 'template', '--prefix', prefix, '--start', '1'], 'template');
  expect([...codes.keys()]).toEqual([second]);
  expect(deviceSignin(codes.get(second)!).status).toBe(0);
  // The same code with one character of its secret changed: refused, and recorded.
  const payload = JSON.parse(codes.get(second)!) as Record<string, string>;
  const [id, secret] = (payload.c ?? '').split('.') as [string, string];
  const forged = JSON.stringify({ ...payload, c: `${id}.${secret.slice(0, 5)}${secret[5] === 'A' ? 'B' : 'A'}${secret.slice(6)}` });
  expect(deviceSignin(forged).status).not.toBe(0);
  // An import of three rows, one of them a login that exists: one event with the counts.
  const csv = join(stack.work, 'import.csv');
  writeFileSync(csv, `login,display name,email\nnew.one,New One,\nnew.two,New Two,\n${second},Duplicate,\n`);
  expect(gatepass(['users', 'import', csv, '--server', stack.serverUrl, '--login', 'admin', '--password-stdin']).status).toBe(3);

  await page.getByRole('tree').getByRole('treeitem', { name: 'Audit' }).first().click();
  const log = page.getByRole('table', { name: 'Audit log' });
  const count = page.locator('.table-pane .count');
  const rows = log.locator('tbody tr');
  const action = page.getByRole('combobox', { name: 'Action', exact: true });

  // Device sign-ins, successful and failed, with the reason and never the secret.
  await action.selectOption('device.');
  await expect(count).toHaveText('2 entries match');
  await expect(rows.filter({ hasText: 'device.signin_failed' })).toContainText(second);
  await expect(rows.filter({ has: page.getByRole('cell', { name: 'device.signin', exact: true }) })).toContainText(second);
  await expect(log).not.toContainText(secret);
  await page.screenshot({ path: testInfo.outputPath('audit-device.png') });

  // The refused code: who, and why.
  await action.selectOption('qr.issue_failed');
  await expect(count).toHaveText('1 entry matches');
  await expect(rows.first()).toContainText(first);
  await expect(rows.first()).toContainText('must not contain the login');

  // The import: one event with its counts, and no event per created user.
  await action.selectOption('user.import');
  await expect(count).toHaveText('1 entry matches');
  await expect(rows.first()).toContainText('2 user(s) created, 1 row(s) refused, of 3');
  await action.selectOption('user.create');
  await expect(count).toHaveText('0 entries match');
  await expect(page.getByText('No entries match the filters.')).toBeVisible();
  await action.selectOption('');

  // User, administrator, time and search.
  await page.getByRole('textbox', { name: 'User', exact: true }).fill(second);
  await expect(count).toHaveText('3 entries match');
  for (const a of ['qr.issue', 'device.signin', 'device.signin_failed']) await expect(rows.filter({ has: page.getByRole('cell', { name: a, exact: true }) })).toHaveCount(1);
  await page.getByRole('textbox', { name: 'User', exact: true }).fill('');
  await page.getByLabel('Administrator').fill('admin');
  await action.selectOption('qr.');
  await expect(count).toHaveText('2 entries match');
  await action.selectOption('');
  await page.getByLabel('Administrator').fill('');
  await page.getByLabel('From', { exact: true }).fill(day(1));
  await expect(count).toHaveText('0 entries match');
  await page.getByLabel('From', { exact: true }).fill(day(-1));
  await page.getByLabel('To', { exact: true }).fill(day(0));
  await expect(count).not.toHaveText('0 entries match');
  expect(Number((await count.innerText()).replace(/\D+.*$/, ''))).toBeGreaterThanOrEqual(6);
  await page.getByLabel('To', { exact: true }).fill(day(-1));
  await expect(count).toHaveText('0 entries match');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByLabel('Search the audit log').fill('refused');
  await expect(count).toHaveText(/^\d+ entr(y matches|ies match)$/);
  await expect(rows.filter({ hasText: 'user.import' })).toHaveCount(1);
  for (const text of await rows.allInnerTexts()) expect(text.toLowerCase()).toContain('refused');
  await page.getByLabel('Search the audit log').fill('');

  // Export the filtered log: the device sign-ins, newest first.
  await action.selectOption('device.');
  await expect(count).toHaveText('2 entries match');
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export as CSV' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^gatepass-audit-plant-10-\d{4}-\d{2}-\d{2}\.csv$/);
  const exported = await csvOf(download, join(stack.work, 'audit.csv'));
  expect(exported[0]).toEqual(['When', 'Actor', 'Action', 'Target', 'Detail', 'Address']);
  // The device signed in from this machine: the server kept its address on both entries.
  expect(exported.slice(1).map((r) => r[5])).toEqual(['127.0.0.1', '127.0.0.1']);
  expect(exported.slice(1).map((r) => r[2])).toEqual(['device.signin_failed', 'device.signin']);
  expect(exported.slice(1).map((r) => r[3])).toEqual([second, second]);
  await expect(page.getByRole('status').filter({ hasText: 'Exported 2 entries' })).toBeVisible();
});

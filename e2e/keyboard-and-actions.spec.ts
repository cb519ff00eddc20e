import { test, expect, type Locator, type Page } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { naturalCompare } from '../src/shared/natural-sort';
import { gatepass } from './cli-tools';
import { ADMIN_PASSWORD, cli, openConsole, root, startStack, type Stack } from './support';

// Issue 8, points 5 and 7, as an administrator works: focus starts on each step's primary
// button and comes back to what opened a dialog; Ctrl+Arrow moves focus only and Ctrl+Space
// toggles; a disabled toolbar button says why; a context menu (right click, Shift+F10) and an
// Actions menu offer disable, enable, revoke QR code, end sessions and set password, each
// confirmed with the users' names, checked here with the real `gatepass device signin`, and
// each in the audit log; a new user is selected and shown; information notices fade.

/** More users than fit on the screen, so showing a new user means scrolling to it. */
const USERS = 60;
const SERVER = 'Plant 9';
const OLD_PASSWORD = 'Old-Harbour-Lights-41';

let stack: Stack;
/** One page for every test: the console's launch link works once. */
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  stack = await startStack(SERVER, USERS);
  page = await openConsole(browser, stack, SERVER);
});

test.afterAll(async () => {
  await page?.context().close();
  await stack?.stop();
});

function grid(): Locator {
  return page.getByRole('grid', { name: 'Users' });
}

/** Data row n (0-based) of the list as it is loaded now. */
function row(n: number): Locator {
  return grid().locator(`[role="row"][aria-rowindex="${n + 2}"]`);
}

/** A row's cell under the column with this title (the header row says which). */
async function cell(r: Locator, title: string): Promise<Locator> {
  const titles = (await grid().getByRole('columnheader').allInnerTexts()).map((t) => t.replace(/[▲▼]/g, '').trim());
  const i = titles.indexOf(title);
  expect(i, `column ${title} in ${titles.join('|')}`).toBeGreaterThan(0);
  return r.getByRole('gridcell').nth(i);
}

function selectedRows(): Locator {
  return grid().locator('[role="row"][aria-selected="true"]');
}

async function loginOf(r: Locator): Promise<string> {
  await expect(r).not.toContainText('Loading');
  return (await r.innerText()).trim().split(/\s+/)[0]!;
}

/** The loaded row of a login (its login cell carries the login as its title). */
function rowOf(login: string): Locator {
  return grid().locator('[role="row"][aria-rowindex]').filter({ has: page.locator(`[role="gridcell"][title="${login}"]`) });
}

/** Codes issued for these users the way a previous campaign did (the CLI), unpacked to their .usr files. */
function issueWithCli(logins: string[], name: string): Record<string, string> {
  const pwFile = join(stack.work, `${name}-password.txt`);
  writeFileSync(pwFile, `${OLD_PASSWORD}\n`);
  const zip = join(stack.work, `${name}.zip`);
  const exported = spawnSync(
    process.execPath,
    [cli, 'export', '--server', stack.serverUrl, '--login', 'admin', '--password-stdin', '--users', logins.join(','), '--mode', 'same', '--password-file', pwFile, '--format', 'zip', '--config-files', '--out', zip],
    { cwd: root, encoding: 'utf8', input: `${ADMIN_PASSWORD}\n` },
  );
  expect(exported.status, exported.stderr).toBe(0);
  const dir = join(stack.work, name);
  mkdirSync(dir);
  execFileSync('unzip', ['-q', zip, '-d', dir]);
  return Object.fromEntries(logins.map((l) => [l, join(dir, `${l}.usr`)]));
}

/** `gatepass device signin --config <login>.usr`, as a device would sign in. */
function deviceSignin(usr: string) {
  return spawnSync(process.execPath, [cli, 'device', 'signin', '--config', usr], { cwd: root, encoding: 'utf8' });
}

async function expectSignsIn(usr: string, login: string) {
  const r = deviceSignin(usr);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(`as ${login}`);
}

async function expectRefused(usr: string) {
  const r = deviceSignin(usr);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('QR_CREDENTIAL_INVALID');
}

/** The status bar's notice region for information. */
function infoNotice(): Locator {
  return page.getByRole('contentinfo').getByRole('status').filter({ hasText: /\w/ }).last();
}

test('a click on a row of a list that never had focus selects that row only, never the first one on the way', async () => {
  await expect(row(3)).not.toContainText('Loading');
  const clicked = await loginOf(row(3));
  // Every row that is ever marked selected, from before the click on.
  await grid().evaluate((el) => {
    // This runs in the page; the e2e type-check has no DOM library, so what it needs is typed here.
    interface Row {
      getAttribute(name: string): string | null;
    }
    const g = globalThis as unknown as {
      seenSelected: string[];
      MutationObserver: new (cb: (changes: Array<{ target: Row }>) => void) => { observe(target: unknown, options: object): void };
    };
    g.seenSelected = [];
    new g.MutationObserver((changes) => {
      for (const c of changes) if (c.target.getAttribute('aria-selected') === 'true') g.seenSelected.push(c.target.getAttribute('aria-rowindex') ?? '?');
    }).observe(el, { subtree: true, attributes: true, attributeFilter: ['aria-selected'] });
  });
  await expect(selectedRows()).toHaveCount(0);
  await row(3).click();
  await expect(selectedRows()).toHaveCount(1);
  await expect(selectedRows()).toContainText(clicked);
  await expect(grid()).toHaveAttribute('aria-activedescendant', 'user-row-3');
  expect(await page.evaluate(() => (globalThis as unknown as { seenSelected: string[] }).seenSelected)).toEqual(['5']);

  // Keyboard focus entering a list that never had focus still lands on (and selects) the first row.
  await page.reload();
  await expect(row(0)).not.toContainText('Loading');
  await expect(selectedRows()).toHaveCount(0);
  await grid().focus();
  await expect(grid()).toHaveAttribute('aria-activedescendant', 'user-row-0');
  await expect(selectedRows()).toHaveCount(1);
  await expect(row(0)).toHaveAttribute('aria-selected', 'true');
});

test('focus starts on the primary button of each step, Enter takes it, and focus returns to the opener after Esc and after a mouse Delete', async () => {
  const testInfo = test.info();
  await row(0).click();
  const generateButton = page.getByRole('button', { name: 'Generate QR Code' });

  // Opened with the mouse: the form step starts in its first field; Enter goes on to the confirmation.
  await generateButton.click();
  const form = page.getByRole('dialog', { name: 'Generate QR Code' });
  await expect(form.getByLabel('New password')).toBeFocused();
  await form.getByLabel('New password').fill('Harbour-Lights-42');
  await form.getByLabel('Confirm password').fill('Harbour-Lights-42');
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('alertdialog', { name: 'Generate QR Code' });
  await expect(confirm.getByRole('button', { name: 'Generate', exact: true })).toBeFocused();
  await page.screenshot({ path: testInfo.outputPath('confirm-step-focus.png') });
  // Back returns to the form with focus in its first field, Enter comes back here.
  await confirm.getByRole('button', { name: 'Back' }).click();
  await expect(form.getByLabel('New password')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(confirm.getByRole('button', { name: 'Generate', exact: true })).toBeFocused();

  // Esc closes, and focus is back on the toolbar button that opened the dialog.
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(generateButton).toBeFocused();

  // From there, the keyboard alone: Enter opens, the fields, Enter, Enter issues; the popup's
  // Save has focus and Enter saves; closing the popup brings focus back to the same button.
  await page.keyboard.press('Enter');
  await form.getByLabel('New password').fill('Harbour-Lights-42');
  await form.getByLabel('Confirm password').fill('Harbour-Lights-42');
  await page.keyboard.press('Enter');
  await expect(confirm.getByRole('button', { name: 'Generate', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  const popup = page.getByRole('dialog', { name: 'Generated QR codes' });
  await expect(popup).toBeVisible();
  await expect(popup.getByRole('button', { name: 'Save', exact: true })).toBeFocused();
  const download = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  await download;
  await expect(popup).toContainText('Download started');
  await popup.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(popup).toBeHidden();
  await expect(generateButton).toBeFocused();

  // Delete from the grid's keyboard: the dialog's Delete has focus; Esc returns to the grid.
  await row(1).click();
  await page.keyboard.press('Delete');
  const del = page.getByRole('alertdialog', { name: 'Delete users' });
  await expect(del.getByRole('button', { name: 'Delete', exact: true })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(del).toBeHidden();
  await expect(grid()).toBeFocused();

  // Opened from the toolbar with the mouse and closed with Esc: back on the toolbar's Delete.
  const deleteButton = page.getByRole('button', { name: 'Delete', exact: true });
  await deleteButton.click();
  await expect(del).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(del).toBeHidden();
  await expect(deleteButton).toBeFocused();

  // Delete opened with the key and done with the mouse: focus is back on the grid that opened it.
  const doomed = await loginOf(row(1));
  await row(1).click();
  await page.keyboard.press('Delete');
  await del.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(del).toBeHidden();
  await expect(grid()).toBeFocused();
  await expect(grid()).not.toContainText(doomed);

  // Opened and done with the mouse: the toolbar's Delete is disabled now (nothing is selected),
  // so focus goes to the grid, where the work goes on.
  await row(1).click();
  await deleteButton.click();
  await del.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(del).toBeHidden();
  await expect(deleteButton).toHaveAttribute('aria-disabled', 'true');
  await expect(grid()).toBeFocused();
});

test('Ctrl+Arrow moves focus without changing the selection, Ctrl+Space toggles the focused row, Space selects only it', async () => {
  await row(0).click();
  const first = await loginOf(row(0));
  await expect(selectedRows()).toHaveCount(1);

  await page.keyboard.press('Control+ArrowDown');
  await page.keyboard.press('Control+ArrowDown');
  // Focus is on the third row (the grid's active descendant), the selection is still the first row only.
  await expect(grid()).toHaveAttribute('aria-activedescendant', 'user-row-2');
  await expect(row(2)).toHaveAttribute('aria-selected', 'false');
  await expect(row(0)).toHaveAttribute('aria-selected', 'true');
  await expect(selectedRows()).toHaveCount(1);

  await page.keyboard.press('Control+Space');
  await expect(row(2)).toHaveAttribute('aria-selected', 'true');
  await expect(row(0)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('2 selected').first()).toBeVisible();

  await page.keyboard.press('Control+ArrowUp');
  await page.keyboard.press('Control+Space');
  await expect(row(1)).toHaveAttribute('aria-selected', 'true');
  await expect(selectedRows()).toHaveCount(3);
  // Ctrl+Space again takes the focused row out.
  await page.keyboard.press('Control+Space');
  await expect(row(1)).toHaveAttribute('aria-selected', 'false');
  await expect(selectedRows()).toHaveCount(2);

  // Space selects the focused row alone; a plain arrow moves and selects.
  await page.keyboard.press('Space');
  await expect(selectedRows()).toHaveCount(1);
  await expect(row(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowUp');
  await expect(selectedRows()).toHaveCount(1);
  await expect(selectedRows()).toContainText(first);
});

/** The login of the row that has keyboard focus (the grid's active descendant). */
async function focusedLogin(): Promise<string> {
  const id = await grid().getAttribute('aria-activedescendant');
  expect(id).toMatch(/^user-row-\d+$/);
  return loginOf(page.locator(`#${id}`));
}

test('type-ahead: letters typed in the grid go to the first login they begin after the focused row, the same letter again to the next, wrapping', async () => {
  // What the server lists now, in the list's order (login, ascending), as a script reads it.
  const listed = gatepass(['users', 'list', '--server', stack.serverUrl, '--login', 'admin', '--password-stdin', '--json']);
  expect(listed.status, listed.stderr).toBe(0);
  const logins = (JSON.parse(listed.stdout.trim().split('\n').at(-1)!) as { items: Array<{ login: string }> }).items.map((u) => u.login).sort(naturalCompare);
  const cs = logins.filter((l) => l.startsWith('c'));
  expect(cs.length).toBeGreaterThanOrEqual(2);
  expect(logins[0]!.startsWith('c')).toBe(false);

  await row(0).click();
  await page.keyboard.press('c');
  await expect.poll(focusedLogin).toBe(cs[0]);
  // The row it went to is selected alone, as an arrow key would.
  await expect(selectedRows()).toHaveCount(1);
  await expect(selectedRows()).toContainText(cs[0]!);
  await page.keyboard.press('c');
  await expect.poll(focusedLogin).toBe(cs[1]);
  for (let i = 2; i < cs.length; i++) await page.keyboard.press('c');
  await expect.poll(focusedLogin).toBe(cs.at(-1));
  // Past the last one, back to the first.
  await page.keyboard.press('c');
  await expect.poll(focusedLogin).toBe(cs[0]);

  // After a pause, a whole login typed quickly lands on it, and nothing else happened on the way.
  await page.waitForTimeout(1_100);
  const target = cs.at(-1)!;
  await page.keyboard.type(target, { delay: 40 });
  await expect.poll(focusedLogin).toBe(target);
  await expect(page.getByRole('dialog')).toHaveCount(0);
  // Typing on past what any login begins with leaves focus where the last match put it.
  await page.waitForTimeout(1_100);
  await page.keyboard.type(`${cs[0]}~~`, { delay: 40 });
  await expect.poll(focusedLogin).toBe(cs[0]);
  await page.waitForTimeout(300);
  expect(await focusedLogin()).toBe(cs[0]);
});

test('a toolbar button names its shortcut in its tooltip, and a disabled one says why, also to assistive tech', async () => {
  const testInfo = test.info();
  await row(0).click();
  await page.keyboard.press('Escape'); // clears the selection
  await expect(selectedRows()).toHaveCount(0);

  const deleteButton = page.getByRole('button', { name: 'Delete', exact: true });
  await expect(deleteButton).toHaveAttribute('aria-disabled', 'true');
  await expect(deleteButton).toHaveAccessibleDescription('Select users first');
  await deleteButton.hover();
  const tooltip = page.getByRole('tooltip').filter({ hasText: 'Delete the selected users' });
  await expect(tooltip).toContainText('Delete the selected users (Delete)');
  await expect(tooltip).toContainText('Select users first');
  await page.screenshot({ path: testInfo.outputPath('disabled-tooltip.png') });
  // Pressing it does nothing (force: Playwright itself will not click an aria-disabled button).
  await deleteButton.click({ force: true });
  await expect(page.getByRole('alertdialog')).toHaveCount(0);

  const actions = page.getByRole('button', { name: 'Actions' });
  await expect(actions).toHaveAccessibleDescription('Select users first');
  await actions.click({ force: true });
  await expect(page.getByRole('menu')).toHaveCount(0);

  await page.getByRole('button', { name: 'Refresh' }).hover();
  await expect(page.getByRole('tooltip').filter({ hasText: 'Reload' })).toHaveText('Reload servers and users (F5)');
  await page.getByRole('button', { name: 'Add user' }).hover();
  await expect(page.getByRole('tooltip').filter({ hasText: 'Create a user' })).toHaveText('Create a user on this server (Insert)');

  // Elsewhere than the Users list, the reason is to go there.
  await page.getByRole('tree').getByRole('treeitem', { name: 'Audit' }).first().click();
  await expect(page.getByRole('button', { name: 'Add user' })).toHaveAccessibleDescription("Open the server's Users first");
  await page.getByRole('tree').getByRole('treeitem', { name: 'Users' }).first().click();
  await expect(page.getByRole('button', { name: 'Add user' })).not.toHaveAttribute('aria-disabled', 'true');
});

test('the context menu opens by right click and by Shift+F10; disable keeps a user out by any path until enabled', async () => {
  const testInfo = test.info();
  const target = await loginOf(row(4));
  const usr = issueWithCli([target], 'disable')[target]!;
  await expectSignsIn(usr, target);

  // Right click on a row outside the selection selects it and opens the menu there.
  await row(4).click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Selected users' });
  await expect(menu).toBeVisible();
  await expect(row(4)).toHaveAttribute('aria-selected', 'true');
  for (const item of ['Edit…', 'Delete…', 'Generate QR Code…', 'Disable…', 'Enable…', 'Revoke QR code…', 'End sessions…', 'Set password…']) {
    await expect(menu.getByRole('menuitem', { name: item })).toBeVisible();
  }
  await page.screenshot({ path: testInfo.outputPath('context-menu.png') });
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(grid()).toBeFocused();

  // The ContextMenu key opens it too.
  await page.keyboard.press('ContextMenu');
  await expect(menu).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();

  // With nothing selected (Esc in the list), Shift+F10 selects the focused row and opens the menu
  // there, focus on its first item; the keyboard runs Disable.
  await page.keyboard.press('Escape');
  await expect(selectedRows()).toHaveCount(0);
  await page.keyboard.press('Shift+F10');
  await expect(menu).toBeVisible();
  await expect(row(4)).toHaveAttribute('aria-selected', 'true');
  await expect(menu.getByRole('menuitem', { name: 'Edit…' })).toBeFocused();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Disable…' })).toBeFocused();
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('alertdialog', { name: 'Disable users' });
  await expect(confirm).toContainText(`Disable ${target}?`);
  await expect(confirm).toContainText('cannot sign in by any path');
  await expect(confirm.getByRole('button', { name: 'Disable', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(confirm).toBeHidden();
  await expect(grid()).toBeFocused();
  await expect(infoNotice()).toHaveText('Disabled 1 user');
  await expect(row(4)).toContainText('disabled');

  // The server agrees: the code issued before no longer signs in.
  await expectRefused(usr);

  // Enable from the toolbar's Actions menu, with the mouse.
  await page.getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menu', { name: 'Actions' }).getByRole('menuitem', { name: 'Enable…' }).click();
  const enable = page.getByRole('dialog', { name: 'Enable users' });
  await expect(enable).toContainText(`Enable ${target}?`);
  await enable.getByRole('button', { name: 'Enable', exact: true }).click();
  await expect(enable).toBeHidden();
  await expect(page.getByRole('button', { name: 'Actions' })).toBeFocused();
  await expect(infoNotice()).toHaveText('Enabled 1 user');
  await expect(row(4)).not.toContainText('disabled');
  await expectSignsIn(usr, target);

  // The information notice goes on its own after a few seconds.
  await expect(infoNotice()).toBeHidden({ timeout: 10_000 });
  await expect(page.getByRole('contentinfo')).not.toContainText('Enabled 1 user');
});

test('end sessions signs a device out and leaves its code; revoke QR voids the code without issuing a new one', async () => {
  const target = await loginOf(row(6));
  const usr = issueWithCli([target], 'revoke')[target]!;
  await expectSignsIn(usr, target); // a session now
  await page.keyboard.press('F5');
  const sessions = await cell(row(6), 'Sessions');
  const qrIssued = await cell(row(6), 'QR issued');
  await expect(sessions).toHaveText('1');
  await expect(qrIssued).not.toHaveText('—');

  await row(6).click({ button: 'right' });
  await page.getByRole('menu', { name: 'Selected users' }).getByRole('menuitem', { name: 'End sessions…' }).click();
  const end = page.getByRole('alertdialog', { name: 'End sessions' });
  await expect(end).toContainText(`End every session of ${target}?`);
  await expect(end).toContainText('Their QR codes keep working');
  await end.getByRole('button', { name: 'End sessions', exact: true }).click();
  await expect(end).toBeHidden();
  await expect(sessions).toHaveText('0');
  // The code still works: the device can sign in again.
  await expectSignsIn(usr, target);

  await row(6).click();
  await page.getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menu', { name: 'Actions' }).getByRole('menuitem', { name: 'Revoke QR code…' }).click();
  const revoke = page.getByRole('alertdialog', { name: 'Revoke QR codes' });
  await expect(revoke).toContainText(`Revoke the QR codes of ${target}?`);
  await expect(revoke).toContainText('No new code is issued');
  await page.keyboard.press('Enter');
  await expect(revoke).toBeHidden();
  await expect(infoNotice()).toHaveText(`Revoked the QR codes of 1 user`);
  await expectRefused(usr);
  // QR issued shows none, and the device signed in a moment ago was signed out.
  await expect(qrIssued).toHaveText('—');
  await expect(sessions).toHaveText('0');
});

test('a bulk action names the first users and how many more, and reports a user it could not change', async () => {
  await row(10).click();
  await row(16).click({ modifiers: ['Shift'] });
  await expect(selectedRows()).toHaveCount(7);
  const logins: string[] = [];
  for (let i = 10; i <= 16; i++) logins.push(await loginOf(row(i)));

  await page.getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menu', { name: 'Actions' }).getByRole('menuitem', { name: 'Disable…' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Disable users' });
  await expect(confirm).toContainText(`Disable ${logins.slice(0, 5).join(', ')} and 2 more?`);

  // Meanwhile another administrator deletes one of them (the server's own REST API).
  const signin = await fetch(`${stack.serverUrl}/api/v1/auth/admin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: ADMIN_PASSWORD }),
  });
  const { token } = (await signin.json()) as { token: string };
  const found = await fetch(`${stack.serverUrl}/api/v1/users?search=${encodeURIComponent(logins[6]!)}`, { headers: { authorization: `Bearer ${token}` } });
  const gone = ((await found.json()) as { items: { id: string; login: string }[] }).items.find((u) => u.login === logins[6])!;
  expect((await fetch(`${stack.serverUrl}/api/v1/users/${gone.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

  await confirm.getByRole('button', { name: 'Disable', exact: true }).click();
  await expect(confirm.getByRole('status').first()).toContainText('Disabled 6 of 7 users; 1 failed');
  const failures = confirm.getByRole('list', { name: 'Users not changed' });
  await expect(failures.getByRole('listitem')).toHaveText([`${logins[6]}: No such user [NOT_FOUND]`]);
  await expect(confirm.getByRole('button', { name: 'Close', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(confirm).toBeHidden();
  for (let i = 10; i <= 15; i++) await expect(rowOf(logins[i - 10]!)).toContainText('disabled');

  // And enabled again, all six, from the context menu.
  await row(10).click({ button: 'right' });
  await page.getByRole('menu', { name: 'Selected users' }).getByRole('menuitem', { name: 'Enable…' }).click();
  const enable = page.getByRole('dialog', { name: 'Enable users' });
  await enable.getByRole('button', { name: 'Enable', exact: true }).click();
  await expect(enable).toBeHidden();
  await expect(grid()).not.toContainText('disabled');
});

test('set password without a code: a weak or common password shows the policy message and sets nothing, a good one voids the old code', async () => {
  const target = await loginOf(row(8));
  const usr = issueWithCli([target], 'set-password')[target]!;
  await expectSignsIn(usr, target);

  await row(8).click({ button: 'right' });
  await page.getByRole('menu', { name: 'Selected users' }).getByRole('menuitem', { name: 'Set password…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Set password' });
  await expect(dialog).toContainText(`New password for ${target}.`);
  await expect(dialog).toContainText('No QR code is issued');
  const field = dialog.getByLabel('New password');
  await expect(field).toBeFocused();

  await field.fill('weak');
  await dialog.getByLabel('Confirm password').fill('weak');
  await page.keyboard.press('Enter');
  await expect(dialog).toContainText('Password does not meet the policy: at least 8 characters, an uppercase letter, a digit');
  await expect(dialog).toBeVisible();

  // Letters, a digit and long enough, but on the server's common-password list (which the console knows).
  await field.fill('PASSword123');
  await dialog.getByLabel('Confirm password').fill('PASSword123');
  await page.keyboard.press('Enter');
  await expect(dialog.getByText('Password does not meet the policy: too common: found in the list of breached passwords')).toBeVisible();
  // Nothing was set: the code issued before still signs in.
  await expectSignsIn(usr, target);

  await field.fill('Granite-Falls-2031');
  await dialog.getByLabel('Confirm password').fill('Granite-Falls-2031');
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(infoNotice()).toHaveText('Set the password of 1 user');
  await expectRefused(usr);
});

test('the audit log shows each action, per user, by the administrator', async () => {
  await page.getByRole('tree').getByRole('treeitem', { name: 'Audit' }).first().click();
  const audit = page.getByRole('main');
  for (const action of ['user.disable', 'user.enable', 'qr.revoke', 'user.end_sessions', 'user.set_password']) {
    await expect(audit.getByRole('row').filter({ hasText: action }).filter({ hasText: 'admin' }).first()).toBeVisible();
  }
  await page.getByRole('tree').getByRole('treeitem', { name: 'Users' }).first().click();
});

test('a new user is selected and scrolled into view, and so are imported users', async () => {
  const testInfo = test.info();
  await row(0).click();
  // Insert in the list adds a user; "zz." sorts after every seeded login, off the screen.
  await page.keyboard.press('Insert');
  const add = page.getByRole('dialog', { name: 'Add user' });
  await add.getByLabel('Login').fill('zz.newcomer');
  await add.getByLabel('Display name').fill('Zoe Newcomer');
  await page.keyboard.press('Enter');
  await expect(add).toBeHidden();
  await expect(selectedRows()).toHaveCount(1);
  await expect(selectedRows()).toContainText('zz.newcomer');
  await expect(selectedRows()).toBeInViewport();
  await expect(page.getByText('1 selected').first()).toBeVisible();
  await expect(grid()).toBeFocused();
  await expect(infoNotice()).toHaveText('Added zz.newcomer');
  await page.screenshot({ path: testInfo.outputPath('new-user-shown.png') });

  // Back to the top, then an import of two users: both selected, the first in the list's order shown.
  await page.keyboard.press('Home');
  await expect(row(0)).toBeInViewport();
  const csv = join(stack.work, 'two-users.csv');
  writeFileSync(csv, 'login,display name,email\nzz.imported2,Ivo Imported,\nzy.imported1,Ida Imported,\n');
  await page.getByRole('button', { name: 'Import users' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import users' });
  await dialog.getByLabel('CSV file').setInputFiles(csv);
  await expect(dialog.getByRole('button', { name: 'Import', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('status')).toContainText('Created 2 users');
  await expect(dialog.getByRole('button', { name: 'Close', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(selectedRows()).toHaveCount(2);
  await expect(page.getByText('2 selected').first()).toBeVisible();
  await expect(rowOf('zy.imported1')).toBeInViewport();
  await expect(rowOf('zy.imported1')).toHaveAttribute('aria-selected', 'true');

  // A user the search hides is added all the same, and the notice says why it is not shown.
  await page.getByRole('searchbox', { name: 'Search users' }).fill('imported');
  await expect(grid().locator('[role="row"][aria-rowindex]')).toHaveCount(3); // the header and two rows
  await page.getByRole('button', { name: 'Add user' }).click();
  await add.getByLabel('Login').fill('zz.hidden');
  await page.keyboard.press('Enter');
  await expect(add).toBeHidden();
  await expect(infoNotice()).toHaveText("Added zz.hidden; the list's search or filters hide them");
  await expect(selectedRows()).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add user' })).toBeFocused();
  await page.getByRole('searchbox', { name: 'Search users' }).fill('');
});

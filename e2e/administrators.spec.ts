import { test, expect, type Locator, type Page } from '@playwright/test';
import { gatepass } from './cli-tools';
import { openConsole, startStack, type Stack } from './support';

// Issue 12, end to end in Chromium: an administrator opens Administrators, adds a second one
// (a weak password refused first with the policy's reason, a login taken in another case
// refused by the server with its code), disables them after a confirmation that names them
// (their sign-in with the real CLI is refused then), enables them (it works again) and changes
// their password (the old one stops working, the new one signs in).

const SERVER = 'Plant 12';
const NEW = 'night.lead';
const NEW_PASSWORD = 'Amber-Lantern-7731';
const NEXT_PASSWORD = 'Copper-Kettle-4096';

let stack: Stack;
/** One page for every test: the console's launch link works once. */
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  stack = await startStack(SERVER, 3);
  page = await openConsole(browser, stack, SERVER);
});

test.afterAll(async () => {
  await page?.context().close();
  await stack?.stop();
});

/** Signs in as this administrator with the real CLI (`gatepass admins list`): what another administrator's tools would meet. */
function cliSignIn(login: string, password: string): { ok: boolean; output: string } {
  const res = gatepass(['admins', 'list', '--server', stack.serverUrl, '--login', login, '--password-stdin'], `${password}\n`);
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}` };
}

function list(): Locator {
  return page.getByRole('grid', { name: `Administrators of ${SERVER}` });
}

function rowOf(login: string): Locator {
  return list().getByRole('row').filter({ hasText: login });
}

/** The status bar's latest notice. */
function infoNotice(): Locator {
  return page.getByRole('contentinfo').getByRole('status').filter({ hasText: /\w/ }).last();
}

test('Administrators lists the signed-in administrator as you; one cannot disable oneself', async () => {
  const node = page.getByRole('tree').getByRole('treeitem', { name: 'Administrators', exact: true });
  // Under the server, between Computers and Audit.
  const names = await page.getByRole('tree').locator('.tree-row.level-2 .tree-label').allTextContents();
  expect(names).toEqual(['Users', 'Client sessions', 'Computers', 'Administrators', 'Audit', 'Settings']);
  await node.click();
  await expect(node).toHaveAttribute('aria-selected', 'true');
  const me = rowOf('admin');
  await expect(me).toHaveCount(1);
  await expect(me.getByRole('gridcell').nth(0)).toHaveText('admin (you)');
  await expect(me.getByRole('gridcell').nth(1)).toHaveText('Enabled');
  await expect(me.getByRole('gridcell').nth(2)).toHaveText('Off');
  await expect(page.getByText('1 administrator', { exact: true })).toBeVisible();
  await me.click();
  await expect(me).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('button', { name: 'Disable…' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Disable…' })).toHaveAccessibleDescription(/You cannot disable yourself: another administrator can/);
  await expect(page.getByRole('button', { name: 'Enable…' })).toBeDisabled();
});

test('Add administrator: a weak password is refused with the policy\'s reason, then the new administrator is listed', async () => {
  await page.getByRole('button', { name: 'Add administrator…' }).click();
  const add = page.getByRole('dialog', { name: 'Add administrator' });
  await expect(add.getByLabel('Login')).toBeFocused();
  await add.getByLabel('Login').fill(NEW);
  await add.getByLabel('Password', { exact: true }).fill('lantern');
  await add.getByLabel('Confirm password').fill('lantern');
  await add.getByRole('button', { name: 'Add administrator' }).click();
  await expect(add.getByLabel('Password', { exact: true })).toHaveAccessibleDescription(/Password does not meet the policy: at least 8 characters, an uppercase letter, a digit/);
  await expect(add).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('add-administrator-refused.png') });
  expect(cliSignIn(NEW, 'lantern').ok).toBe(false);
  // Long and mixed enough, but it contains the new login: the policy's login rule, checked as typed.
  await add.getByLabel('Password', { exact: true }).fill(`My-${NEW}-2048`);
  await add.getByLabel('Confirm password').fill(`My-${NEW}-2048`);
  await expect(add.getByRole('region', { name: 'Password policy' }).getByRole('listitem').filter({ hasText: 'Must not contain the login' })).toHaveText(
    `Must not contain the login (${NEW}): not met`,
  );
  await add.getByRole('button', { name: 'Add administrator' }).click();
  await expect(add.getByLabel('Password', { exact: true })).toHaveAccessibleDescription('Password does not meet the policy: must not contain the login');

  await add.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
  await add.getByLabel('Confirm password').fill(NEW_PASSWORD);
  // Enter submits the form, as in every dialog.
  await add.getByLabel('Confirm password').press('Enter');
  await expect(add).toBeHidden({ timeout: 20_000 });
  await expect(infoNotice()).toHaveText(`Added administrator ${NEW} on ${SERVER}`);
  const row = rowOf(NEW);
  await expect(row.getByRole('gridcell').nth(0)).toHaveText(NEW);
  await expect(row.getByRole('gridcell').nth(1)).toHaveText('Enabled');
  await expect(page.getByText('2 administrators', { exact: true })).toBeVisible();
  expect(cliSignIn(NEW, NEW_PASSWORD).ok).toBe(true);

  // The same login in other letters: the server refuses it, and the dialog says so with the code.
  await page.getByRole('button', { name: 'Add administrator…' }).click();
  await add.getByLabel('Login').fill('Night.Lead');
  await add.getByLabel('Password', { exact: true }).fill('Other-Lantern-5512');
  await add.getByLabel('Confirm password').fill('Other-Lantern-5512');
  await add.getByRole('button', { name: 'Add administrator' }).click();
  await expect(add.getByRole('alert')).toHaveText('An administrator "Night.Lead" already exists [LOGIN_TAKEN]');
  await add.getByRole('button', { name: 'Cancel' }).click();
  await expect(add).toBeHidden();
  await expect(list().getByRole('row')).toHaveCount(3); // the header and two administrators
});

test('Disable asks first, naming the administrator; their sign-in is then refused, and Enable lets them back', async () => {
  const row = rowOf(NEW);
  await row.click();
  await expect(row).toHaveAttribute('aria-selected', 'true');
  // Delete on the selected row asks the same question; Esc leaves the administrator as they were.
  await page.keyboard.press('Delete');
  const confirm = page.getByRole('alertdialog', { name: 'Disable administrator' });
  await expect(confirm).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(rowOf(NEW).getByRole('gridcell').nth(1)).toHaveText('Enabled');
  await page.getByRole('button', { name: 'Disable…' }).click();
  await expect(confirm).toContainText(`Disable ${NEW} on ${SERVER}?`);
  await expect(confirm).toContainText('Their sessions end at once');
  await expect(confirm.getByRole('button', { name: `Disable ${NEW}` })).toBeFocused();
  await page.screenshot({ path: test.info().outputPath('disable-administrator.png') });
  await confirm.getByRole('button', { name: `Disable ${NEW}` }).click();
  await expect(confirm).toBeHidden();
  await expect(infoNotice()).toHaveText(`Disabled administrator ${NEW} on ${SERVER}`);
  await expect(rowOf(NEW).getByRole('gridcell').nth(1)).toHaveText(/^Disabled since \d{4}-\d\d-\d\d \d\d:\d\d$/);
  await expect(page.getByText('2 administrators, 1 disabled', { exact: true })).toBeVisible();
  const refused = cliSignIn(NEW, NEW_PASSWORD);
  expect(refused.ok).toBe(false);
  expect(refused.output).toContain('Wrong login or password');

  await rowOf(NEW).click();
  await expect(page.getByRole('button', { name: 'Disable…' })).toBeDisabled();
  await page.getByRole('button', { name: 'Enable…' }).click();
  const enable = page.getByRole('alertdialog', { name: 'Enable administrator' });
  await expect(enable).toContainText(`Enable ${NEW} on ${SERVER}?`);
  await page.keyboard.press('Enter');
  await expect(enable).toBeHidden();
  await expect(infoNotice()).toHaveText(`Enabled administrator ${NEW} on ${SERVER}`);
  await expect(rowOf(NEW).getByRole('gridcell').nth(1)).toHaveText('Enabled');
  expect(cliSignIn(NEW, NEW_PASSWORD).ok).toBe(true);
});

test("Change password: another's says their sessions end; yours needs the current password", async () => {
  await rowOf(NEW).click();
  // Enter on the selected row opens it, as the button does.
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `Change password of ${NEW}` });
  await expect(dialog).toContainText(`Their sessions end at once: ${NEW} signs in again with the new password.`);
  await expect(dialog.getByLabel('Current password')).toHaveCount(0);
  await dialog.getByLabel('New password').fill('copper');
  await dialog.getByLabel('Confirm password').fill('copper');
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expect(dialog.getByLabel('New password')).toHaveAccessibleDescription(/Password does not meet the policy: at least 8 characters/);
  await dialog.getByLabel('New password').fill(NEXT_PASSWORD);
  await dialog.getByLabel('Confirm password').fill(NEXT_PASSWORD);
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expect(dialog).toBeHidden({ timeout: 20_000 });
  await expect(infoNotice()).toHaveText(`Changed the password of ${NEW}: their sessions ended`);
  expect(cliSignIn(NEW, NEW_PASSWORD).ok).toBe(false);
  expect(cliSignIn(NEW, NEXT_PASSWORD).ok).toBe(true);

  // Your own: the current password is asked for, and a wrong one is refused with its code.
  await rowOf('admin (you)').click();
  await page.getByRole('button', { name: 'Change password…' }).click();
  const own = page.getByRole('dialog', { name: 'Change your password' });
  await expect(own.getByLabel('Current password')).toBeFocused();
  await own.getByLabel('Current password').fill('Not-My-Password-1');
  await own.getByLabel('New password').fill('Silver-Birch-6620');
  await own.getByLabel('Confirm password').fill('Silver-Birch-6620');
  await own.getByRole('button', { name: 'Change password' }).click();
  await expect(own.getByRole('alert')).toHaveText('Wrong current password [INVALID_CREDENTIALS]');
  await page.keyboard.press('Escape');
  await expect(own).toBeHidden();
});

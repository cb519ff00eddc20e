import { test, expect, type Locator, type Page } from '@playwright/test';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from '../src/shared/csv';
import { otpFromMail, waitForMail } from '../src/server/test-support/email-otp';
import { startSmtpSink, type SmtpSink } from '../src/server/test-support/smtp-sink';
import { chooseRadio, cli, openConsole, root, setCheckbox, startStack, type Stack } from './support';

// Issue 11, end to end in Chromium: the administrator turns on "send to internal users" in
// Settings, registers a computer in the console and saves its agent file; the real agent
// (`gatepass agent request`, then `agent login`) requests a one-time password, which arrives at
// a real SMTP server on loopback, and signs in; the session (`<signed-in user> (<email>)`), the
// pending request before it and the audit entries appear in the console; revoking the computer
// there makes the agent's next request refused.

const SERVER = 'Plant 12';
const COMPUTER = 'PC-E2E-01';
const LOGIN = 'm.ostrom';
const EMAIL = 'm.ostrom@plant12.example';
const USER_PASSWORD = 'Granite-Falls-2031';

let sink: SmtpSink;
let stack: Stack;
/** One page for every test: the console's launch link works once. */
let page: Page;
let agentFile: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  sink = await startSmtpSink();
  // The server sends its mail to the sink, in plain SMTP on loopback.
  stack = await startStack(SERVER, 5, { serverArgs: () => ['--smtp-url', `smtp://127.0.0.1:${sink.port}?security=none`, '--mail-from', 'Gatepass <gatepass@plant12.example>'] });
  agentFile = join(stack.work, 'pc.agent');
  page = await openConsole(browser, stack, SERVER);
});

test.afterAll(async () => {
  await page?.context().close();
  await stack?.stop();
  await sink?.close();
});

/** The real agent: `gatepass agent <args> --json`, the user's password on stdin when asked. */
function agent(args: string[], input = ''): SpawnSyncReturns<string> & { json: Record<string, unknown> } {
  const res = spawnSync(process.execPath, [cli, 'agent', ...args, '--config', agentFile, '--json'], { cwd: root, encoding: 'utf8', input });
  const last = res.stdout.trim().split('\n').at(-1) ?? '{}';
  return { ...res, json: JSON.parse(last) as Record<string, unknown> };
}

function tree(): Locator {
  return page.getByRole('tree');
}

async function openNode(name: string): Promise<void> {
  await tree().getByRole('treeitem', { name, exact: true }).click();
}

/** The status bar's latest notice. */
function infoNotice(): Locator {
  return page.getByRole('contentinfo').getByRole('status').filter({ hasText: /\w/ }).last();
}

test('an internal user with an address and a password, their source shown and editable', async () => {
  await page.getByRole('button', { name: 'Add user' }).click();
  const add = page.getByRole('dialog', { name: 'Add user' });
  await add.getByLabel('Login').fill(LOGIN);
  await add.getByLabel('Display name').fill('Mia Ostrom');
  await add.getByLabel('Email').fill(EMAIL);
  await expect(add.getByRole('radio', { name: 'Internal' })).toBeChecked();
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add).toBeHidden();

  const grid = page.getByRole('grid', { name: 'Users' });
  const row = grid.getByRole('row').filter({ hasText: LOGIN });
  await expect(row).toContainText('Internal');
  // The Source column can be hidden with the column chooser, and shown again.
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('menu', { name: 'Columns' }).getByRole('menuitemcheckbox', { name: 'Source' }).click();
  await page.keyboard.press('Escape');
  await expect(grid.getByRole('columnheader', { name: 'Source' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('menu', { name: 'Columns' }).getByRole('menuitemcheckbox', { name: 'Source' }).click();
  await page.keyboard.press('Escape');
  await expect(grid.getByRole('columnheader', { name: 'Source' })).toBeVisible();

  // Directory, then back to internal: the edit reaches the server each time.
  await row.dblclick();
  let edit = page.getByRole('dialog', { name: 'Edit user' });
  await chooseRadio(edit, 'Directory');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText('Directory');
  await row.dblclick();
  edit = page.getByRole('dialog', { name: 'Edit user' });
  await expect(edit.getByRole('radio', { name: 'Directory' })).toBeChecked();
  await chooseRadio(edit, 'Internal');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText('Internal');

  // Their Gatepass password, which "send to internal users" asks for.
  await row.click({ button: 'right' });
  await page.getByRole('menu', { name: 'Selected users' }).getByRole('menuitem', { name: 'Set password…' }).click();
  const set = page.getByRole('dialog', { name: 'Set password' });
  await set.getByLabel('New password').fill(USER_PASSWORD);
  await set.getByLabel('Confirm password').fill(USER_PASSWORD);
  await set.getByRole('button', { name: 'Set password' }).click();
  // The server hashes it (argon2id): on this shared 2-core machine that can take a while under load.
  await expect(set).toBeHidden({ timeout: 20_000 });
  await expect(infoNotice()).toHaveText('Set the password of 1 user');
});

test('Settings: the expiration time is refused outside 1 to 1,440 minutes, unsaved edits ask first, and "send to internal users" is saved', async () => {
  const testInfo = test.info();
  await openNode('Settings');
  const form = page.getByRole('form', { name: 'Computer sign-in' });
  const minutes = form.getByLabel('Access Request Expiration Time (minutes)');
  await expect(minutes).toHaveValue('30');
  await expect(form.getByRole('checkbox', { name: 'Automatically send one-time passwords to internal users' })).not.toBeChecked();
  await expect(form).toContainText('To get a password, a user types their email address.');

  await minutes.fill('0');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toHaveText('The Access Request Expiration Time is a whole number of minutes from 1 to 1,440 (24 hours).');
  await minutes.fill('1441');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toContainText('from 1 to 1,440');

  // Leaving with unsaved edits asks first; Cancel stays with them.
  await openNode('Users');
  const question = page.getByRole('alertdialog', { name: 'Unsaved changes' });
  await expect(question).toContainText(`the computer sign-in settings of ${SERVER}`);
  await question.getByRole('button', { name: 'Cancel' }).click();
  await expect(minutes).toHaveValue('1441');

  await minutes.fill('45');
  await setCheckbox(form, 'Automatically send one-time passwords to internal users', true);
  // Ticking a box low in the pane scrolls the pane, not the window: the toolbar and the tree stay in sight.
  await expect(page.getByRole('toolbar', { name: 'Actions' })).toBeInViewport();
  await expect(tree()).toBeInViewport();
  await expect(form).toContainText('gives their Gatepass login and password');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toHaveText('Saved.');
  await expect(form).toContainText('Last changed');
  await page.screenshot({ path: testInfo.outputPath('otp-settings.png') });

  // What the server holds, as a fresh read shows it.
  await page.reload();
  await openNode('Settings');
  const again = page.getByRole('form', { name: 'Computer sign-in' });
  await expect(again.getByLabel('Access Request Expiration Time (minutes)')).toHaveValue('45');
  await expect(again.getByRole('checkbox', { name: 'Automatically send one-time passwords to internal users' })).toBeChecked();
  await expect(again.getByRole('checkbox', { name: 'Automatically send one-time passwords to directory users' })).not.toBeChecked();
});

test('Register computer saves its agent file as a download, and the agent file works', async () => {
  const testInfo = test.info();
  await openNode('Computers');
  const list = page.getByRole('grid', { name: `Computers of ${SERVER}` });
  await expect(list).toContainText('No computers yet');
  await page.getByRole('button', { name: 'Register computer…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Register computer' });
  const address = dialog.getByLabel('Server address for the agent');
  await expect(address).toHaveValue(stack.serverUrl);
  // Plain http:// to another machine is said to be unencrypted; this machine's loopback is not.
  await address.fill('http://gatepass.corp.example:8080');
  await expect(dialog.getByRole('note')).toContainText("the computer's credential, users' passwords and their one-time passwords would cross the network unencrypted");
  await address.fill(stack.serverUrl);
  await expect(dialog.getByRole('note')).toHaveCount(0);
  // A name is required, said in a sentence.
  await dialog.getByRole('button', { name: 'Register and save agent file…' }).click();
  await expect(dialog).toContainText('Computer name is required');
  await dialog.getByLabel('Computer name').fill(COMPUTER);
  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Register and save agent file…' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${COMPUTER}.agent`);
  await file.saveAs(agentFile);
  const done = page.getByRole('dialog', { name: 'Computer registered' });
  await expect(done).toContainText(`${COMPUTER} is registered on ${SERVER}. Its agent file was downloaded as ${COMPUTER}.agent.`);
  await page.screenshot({ path: testInfo.outputPath('computer-registered.png') });
  await done.getByRole('button', { name: 'Done' }).click();

  const text = readFileSync(agentFile, 'utf8');
  const parsed = JSON.parse(text) as { format: string; version: number; server: { url: string }; computer: { name: string } };
  expect(parsed).toMatchObject({ format: 'gatepass-agent', version: 1, server: { url: stack.serverUrl }, computer: { name: COMPUTER } });
  expect(statSync(agentFile).size).toBeGreaterThan(0);

  const row = list.getByRole('row').filter({ hasText: COMPUTER });
  await expect(row).toContainText('never');
  // The agent asks which ways the server offers: the internal users' one, and emergency access.
  const info = agent(['info']);
  expect(info.status, info.stderr).toBe(0);
  expect(info.json).toMatchObject({ ok: true, computer: { name: COMPUTER }, modes: ['internal', 'emergency'], expirationMinutes: 45 });
  await page.keyboard.press('F5');
  await expect(row.getByRole('gridcell').nth(3)).not.toHaveText('never');

  // A second computer of the same name is refused, with the server's sentence.
  await page.getByRole('button', { name: 'Register computer…' }).click();
  const twice = page.getByRole('dialog', { name: 'Register computer' });
  await twice.getByLabel('Computer name').fill(COMPUTER.toLowerCase());
  await twice.getByRole('button', { name: 'Register and save agent file…' }).click();
  await expect(twice.getByRole('alert')).toContainText(`A computer named "${COMPUTER.toLowerCase()}" is already registered`);
  await twice.getByRole('button', { name: 'Cancel' }).click();
});

test('the agent requests a password with the user\'s login and password; the console lists it pending, never the password', async () => {
  const testInfo = test.info();
  const asked = agent(['request', '--login', LOGIN, '--password-stdin'], `${USER_PASSWORD}\n`);
  expect(asked.status, asked.stderr).toBe(0);
  expect(asked.json).toMatchObject({ ok: true, status: 'sent', email: EMAIL, resent: false, emergency: false });
  // Read as a mail client reads it (mailparser), from what the SMTP server accepted.
  const mail = await waitForMail(sink, EMAIL);
  expect(mail.subject).toContain(COMPUTER);
  const code = otpFromMail(mail);

  await openNode('Client sessions');
  await page.getByRole('tab', { name: 'Pending requests' }).click();
  const pending = page.getByRole('grid', { name: 'Pending requests' });
  const row = pending.getByRole('row').filter({ hasText: EMAIL });
  await expect(row).toContainText(LOGIN);
  await expect(row).toContainText(COMPUTER);
  await expect(row).toContainText('0 of 5');
  await expect(page.getByText('1 pending request')).toBeVisible();
  await expect(page.locator('body')).not.toContainText(code);
  await expect(page.locator('body')).not.toContainText(`${code.slice(0, 4)} ${code.slice(4)}`);
  await page.screenshot({ path: testInfo.outputPath('pending.png') });

  // The agent signs in with the address and the password from the mail.
  const login = agent(['login', '--email', EMAIL, '--otp', code]);
  expect(login.status, login.stderr).toBe(0);
  expect(login.json).toMatchObject({ ok: true, allowed: true });
  // Used: no longer pending once the list is read again (F5).
  await page.keyboard.press('F5');
  await expect(page.getByText('0 pending requests')).toBeVisible();
});

test('the session shows as "<signed-in user> (<email>)" with the computer, ongoing, filterable and exported as CSV', async () => {
  const testInfo = test.info();
  const userName = `${userInfo().username} (${EMAIL})`;
  await page.getByRole('tab', { name: 'Sessions' }).click();
  const sessions = page.getByRole('grid', { name: 'Client sessions' });
  const titles = await sessions.getByRole('columnheader').allInnerTexts();
  expect(titles).toEqual(['User Name', 'Computer', 'Start', 'End', 'Emergency']);
  const row = sessions.getByRole('row').filter({ hasText: userName });
  await expect(row.getByRole('gridcell')).toHaveText([userName, COMPUTER, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/, 'Ongoing', '—']);
  await page.screenshot({ path: testInfo.outputPath('client-sessions.png') });
  await testInfo.attach('client-sessions', { path: testInfo.outputPath('client-sessions.png'), contentType: 'image/png' });

  // Filters are the server's: emergency only hides it, the computer's name and ongoing only find it.
  await page.getByRole('checkbox', { name: 'Emergency access only' }).check({ force: true });
  await expect(sessions).toContainText('No client sessions match the filters.');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByLabel('Computer', { exact: true }).fill('e2e-01');
  await page.getByRole('checkbox', { name: 'Ongoing only' }).check({ force: true });
  await expect(page.getByText('1 session matches')).toBeVisible();
  await expect(row).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export as CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^gatepass-client-sessions-plant-12-\d{4}-\d{2}-\d{2}\.csv$/);
  const csvPath = join(stack.work, 'sessions.csv');
  await file.saveAs(csvPath);
  const rows = parseCsv(readFileSync(csvPath, 'utf8')).map((r) => r.fields);
  expect(rows[0]).toEqual(['User Name', 'Login', 'Email', 'Computer', 'Started', 'Ended', 'End reason', 'Emergency']);
  expect(rows.slice(1).map((r) => [r[0], r[1], r[3], r[5], r[7]])).toEqual([[userName, LOGIN, COMPUTER, '', 'no']]);
  await expect(infoNotice()).toContainText('Exported 1 client session');
});

test('the audit shows the request, the mail, the sign-in and the settings change under their own names', async () => {
  await openNode('Audit');
  const action = page.getByLabel('Action', { exact: true });
  await expect(action.locator('option', { hasText: 'One-time passwords by email' })).toHaveCount(1);
  await action.selectOption({ label: 'One-time passwords by email' });
  const log = page.getByRole('table', { name: 'Audit log' });
  await expect(log.getByRole('row').filter({ hasText: 'otp.request' }).first()).toContainText(`computer ${COMPUTER}`);
  await expect(log.getByRole('row').filter({ hasText: 'otp.request' }).first()).toContainText(LOGIN);
  await expect(log.getByRole('row').filter({ hasText: 'otp.send' }).first()).toContainText(EMAIL);
  await expect(log.getByRole('row').filter({ hasText: 'otp.signin' }).first()).toContainText(`(${EMAIL}) signed in to ${COMPUTER}`);
  await expect(log.getByRole('row').filter({ hasText: 'otp.settings' }).first()).toContainText('internal users on');
  await action.selectOption({ label: 'Computers' });
  await expect(log.getByRole('row').filter({ hasText: 'computer.register' })).toContainText(COMPUTER);
});

test('revoking the computer in the console ends its session and the agent\'s next request is refused', async () => {
  const testInfo = test.info();
  await openNode('Computers');
  const list = page.getByRole('grid', { name: `Computers of ${SERVER}` });
  const row = list.getByRole('row').filter({ hasText: COMPUTER });
  await expect(row.getByRole('gridcell').nth(5)).toHaveText('1');
  await row.click();
  await expect(row).toHaveAttribute('aria-selected', 'true');
  // Delete on the selected row asks the same question; Esc leaves the computer as it was.
  await page.keyboard.press('Delete');
  const confirm = page.getByRole('alertdialog', { name: 'Revoke computer' });
  await expect(confirm).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await page.getByRole('button', { name: 'Revoke…' }).click();
  await expect(confirm).toContainText(`Revoke ${COMPUTER} on ${SERVER}?`);
  await page.screenshot({ path: testInfo.outputPath('revoke.png') });
  await confirm.getByRole('button', { name: `Revoke ${COMPUTER}` }).click();
  await expect(confirm).toBeHidden();
  await expect(infoNotice()).toHaveText(`Revoked ${COMPUTER}: 1 client session ended`);
  // Gone from the active computers; listed among the revoked.
  await expect(list).toContainText('No computers yet');
  await page.getByLabel('Show').selectOption('revoked');
  await expect(list.getByRole('row').filter({ hasText: COMPUTER })).toContainText('revoked');

  const refused = agent(['request', '--login', LOGIN, '--password-stdin'], `${USER_PASSWORD}\n`);
  expect(refused.status).toBe(1);
  expect(refused.json).toMatchObject({ ok: false, code: 'AUTH_REQUIRED' });

  await openNode('Client sessions');
  const sessions = page.getByRole('grid', { name: 'Client sessions' });
  await expect(sessions.getByRole('row').filter({ hasText: EMAIL }).getByRole('gridcell').nth(3)).toHaveText(/\(computer revoked\)$/);
});

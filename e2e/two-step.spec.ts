import { test, expect, type Locator, type Page } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, addServerInUi, cli, root, setCheckbox, startCli, type Started } from './support';
import { zbarRead } from '../src/test-support/zbar';

// Issue 9, the console's half, as an administrator works, against two real `gatepass server`
// processes and the real browser host, with codes from oathtool: the administrator enrols their
// own two-step verification in Settings and saves the recovery codes; once the admin session is
// gone (a console restart) Connect asks for the code; mandatory two-step verification goes on
// through the warning whose "N active users" opens exactly those users; the 2FA filter works on
// one server and across both; a user's Security section resyncs and makes new recovery codes;
// Remove 2FA in bulk across servers. Users get 2FA through the real CLI.

const PASSWORD = 'Granite-Orchard-58';
/** Plant B's demo users: more than a page (200 rows) of the list. */
const B_USERS = 230;
const STEP_S = 30;

let work: string;
let plantA: Started;
let plantB: Started;
let consoleHost: Started;
let urlA: string;
let urlB: string;
/** One page; after the console restarts it opens the new launch link. */
let page: Page;
let adminSecret = '';
let adminCodes: string[] = [];
/** Users of Plant A as the tests expect them, by login. */
const secrets: Record<string, string> = {};
let activeWithout2faOnA: string[] = [];

test.describe.configure({ mode: 'serial' });

/** The last step each secret's code was used for: a step is good once, so each code is for a later one. */
const lastStep = new Map<string, number>();

/** The code an authenticator app shows for `secret`, for a step after the last one used and inside the server's window (waits for the clock when it must). */
async function nextCode(secret: string): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / STEP_S);
    const step = Math.max((lastStep.get(secret) ?? 0) + 1, now);
    if (step <= now + 1) {
      lastStep.set(secret, step);
      return oathtool(secret, step);
    }
    await new Promise((r) => setTimeout(r, ((now + 1) * STEP_S * 1000 - Date.now()) + 200));
  }
}

function oathtool(secret: string, step: number): string {
  return execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${step * STEP_S}`], { encoding: 'utf8' }).trim();
}

/** `gatepass <args>` with a password on stdin; the --json answer is the last line. */
function gatepass(args: string[], password = PASSWORD): { status: number | null; json: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input: `${password}\n` });
  const last = r.stdout.trim().split('\n').pop() ?? '{}';
  return { status: r.status, json: JSON.parse(last) as Record<string, unknown>, stderr: r.stderr };
}

/** A REST call as an administrator's script would make it (before the administrator has 2FA). */
async function api(url: string, method: string, path: string, token: string | null, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A user with a password, and with two-step verification set up through the real CLI when `enrol`. */
async function user(url: string, token: string, login: string, enrol: boolean): Promise<string> {
  const created = await api(url, 'POST', '/api/v1/users', token, { login, displayName: `Person ${login}`, password: PASSWORD });
  if (!enrol) return String(created.id);
  const as = ['--server', url, '--login', login, '--password-stdin', '--json'];
  const started = gatepass(['user', '2fa', 'enroll', ...as]);
  expect(started.status, started.stderr).toBe(0);
  const secret = String(started.json.secret);
  const confirmed = gatepass(['user', '2fa', 'confirm', ...as, '--code', await nextCode(secret)]);
  expect(confirmed.status, confirmed.stderr).toBe(0);
  secrets[login] = secret;
  return String(created.id);
}

function startServer(name: string, users: number): Promise<Started> {
  return startCli(
    ['server', '--db', join(work, `${name.replace(/\s/g, '-')}.sqlite`), '--port', '0', '--seed-demo', String(users), '--name', name],
    { GATEPASS_ADMIN_PASSWORD: ADMIN_PASSWORD },
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
}

function startConsole(): Promise<Started> {
  return startCli(['console', '--port', '0', '--no-embedded'], { GATEPASS_USER_DATA: join(work, 'console-data') }, /Gatepass console: (http:\/\/127\.0\.0\.1:\d+\/\S*)/);
}

test.beforeAll(async ({ browser }) => {
  work = mkdtempSync(join(tmpdir(), 'gatepass-e2e-2fa-'));
  // Plant B has more users than one page of the list, so the all-servers list's pages span both servers.
  [plantA, plantB] = await Promise.all([startServer('Plant A', 6), startServer('Plant B', B_USERS)]);
  urlA = plantA.match[1]!;
  urlB = plantB.match[1]!;
  // The users the tests look for, made as an administrator's script would (REST, real CLI for 2FA).
  const tokenA = String((await api(urlA, 'POST', '/api/v1/auth/admin', null, { login: 'admin', password: ADMIN_PASSWORD })).token);
  const tokenB = String((await api(urlB, 'POST', '/api/v1/auth/admin', null, { login: 'admin', password: ADMIN_PASSWORD })).token);
  await user(urlA, tokenA, 'on.alice', true);
  await user(urlA, tokenA, 'sec.sam', true);
  await user(urlA, tokenA, 'off.carol', false);
  const dave = await user(urlA, tokenA, 'off.dave', false);
  await api(urlA, 'POST', '/api/v1/users/actions', tokenA, { action: 'disable', userIds: [dave] });
  await user(urlB, tokenB, 'on.bob', true);
  const listed = (await api(urlA, 'GET', '/api/v1/users?limit=500', tokenA)) as { items: Array<{ login: string; totpEnabled: boolean; disabledAt: string | null }> };
  activeWithout2faOnA = listed.items.filter((u) => !u.totpEnabled && !u.disabledAt).map((u) => u.login);
  expect(activeWithout2faOnA).toContain('off.carol');
  expect(activeWithout2faOnA).not.toContain('off.dave');
  await api(urlA, 'POST', '/api/v1/auth/signout', tokenA);
  await api(urlB, 'POST', '/api/v1/auth/signout', tokenB);

  consoleHost = await startConsole();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  page = await context.newPage();
  await page.goto(consoleHost.match[1]!);
});

test.afterAll(async () => {
  await page?.context().close();
  await consoleHost?.stop();
  await plantA?.stop();
  await plantB?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function tree(): Locator {
  return page.getByRole('tree');
}

function grid(): Locator {
  return page.getByRole('grid', { name: 'Users' });
}

/** The rows loaded now, by their login (and server first, in the all-servers list: "Plant A | a.berg"). */
async function loginsShown(): Promise<string[]> {
  const rows = grid().locator('[role="row"][aria-rowindex]:not([aria-rowindex="1"])');
  await expect(rows.filter({ hasText: 'Loading' })).toHaveCount(0);
  const withServer = (await grid().getByRole('columnheader', { name: 'Server' }).count()) > 0;
  // Cell 0 is the check box; then the server (all-servers list) and the login, each titled with its text.
  return rows.evaluateAll(
    (els, n) => els.map((r) => [...r.querySelectorAll('[role="gridcell"]')].slice(1, 1 + n).map((c) => c.getAttribute('title') ?? '').join(' | ')),
    withServer ? 2 : 1,
  );
}

/** Waits while the clock is in the last seconds of a 30-second step, so codes computed now are judged in the same step. */
async function awayFromStepEdge(): Promise<void> {
  const into = (Date.now() / 1000) % STEP_S;
  if (into > STEP_S - 6) await new Promise((r) => setTimeout(r, (STEP_S - into) * 1000 + 300));
}

function serverNode(name: string): Locator {
  return tree().getByRole('treeitem', { name, exact: true });
}

/** A section (Users, Audit, Settings) of a server in the tree. */
async function openSection(server: string, section: string): Promise<void> {
  const node = serverNode(server);
  await expect(node).toBeVisible();
  await node.getByRole('treeitem', { name: section }).click();
}

/** The status bar's notice region for information. */
function infoNotice(): Locator {
  return page.getByRole('contentinfo').getByRole('status').filter({ hasText: /\w/ }).last();
}

async function downloadText(click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

test("an administrator sets up their own two-step verification in Settings and saves the recovery codes", async () => {
  const testInfo = test.info();
  await addServerInUi(page, 'Plant A', urlA);
  await addServerInUi(page, 'Plant B', urlB);
  await openSection('Plant A', 'Settings');

  // Mandatory cannot be turned on yet: the console says why and offers the way there.
  const mandatoryForm = page.getByRole('form', { name: 'Two-step verification' });
  await expect(mandatoryForm.getByRole('checkbox', { name: 'Mandatory for every password sign-in' })).toBeDisabled();
  await expect(mandatoryForm.getByRole('note')).toContainText('Only an administrator whose own account has two-step verification can make it mandatory');
  const account = page.getByRole('region', { name: 'Your account' });
  await expect(account).toContainText('Two-step verification');
  await expect(account.locator('dd').nth(1)).toHaveText('Off');
  await mandatoryForm.getByRole('button', { name: 'Set up my two-step verification…' }).click();

  const enrol = page.getByRole('dialog', { name: 'Set up two-step verification' });
  await expect(enrol.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const key = (await enrol.getByText(/^[A-Z2-7]{4}( [A-Z2-7]{4}){7}$/).innerText()).replace(/\s/g, '');
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  // What the app would read from the QR code is the same key: zbarimg reads the picture on the screen.
  await enrol.getByRole('img', { name: 'QR code for your authenticator app' }).screenshot({ path: testInfo.outputPath('enrol-qr.png') });
  const scanned = zbarRead(testInfo.outputPath('enrol-qr.png'));
  expect(scanned).toBe(`otpauth://totp/Plant%20A:admin?secret=${key}&issuer=Plant%20A`);
  await page.screenshot({ path: testInfo.outputPath('enrol.png') });

  // A wrong code is refused with the server's reason; the right one turns it on.
  await expect(enrol.getByLabel('Code from the app')).toBeFocused();
  await enrol.getByLabel('Code from the app').fill('12345');
  await enrol.getByRole('button', { name: 'Turn on' }).click();
  await expect(enrol.getByText('An authenticator code is 6 digits')).toBeVisible();
  adminSecret = key;
  await enrol.getByLabel('Code from the app').fill(await nextCode(adminSecret));
  await page.keyboard.press('Enter');

  const on = page.getByRole('dialog', { name: 'Two-step verification is on' });
  const codes = on.getByRole('list', { name: 'Codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(8);
  adminCodes = (await codes.allInnerTexts()).map((c) => c.trim());
  for (const c of adminCodes) expect(c).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
  await expect(on.getByRole('button', { name: 'Done' })).toBeFocused();

  // Save as .txt: a download main wrote, with every code and what they are for.
  const saved = await downloadText(() => on.getByRole('button', { name: 'Save as .txt' }).click());
  expect(saved.name).toMatch(/^gatepass-recovery-codes-admin-plant-a-\d{4}-\d{2}-\d{2}\.txt$/);
  expect(saved.text.split('\r\n')[0]).toBe('Gatepass recovery codes for admin on Plant A');
  for (const c of adminCodes) expect(saved.text).toContain(c);
  await expect(on.getByRole('status')).toHaveText(`Saved as ${saved.name}`);

  // Print: the page prints the codes and what they are for, not the console around them.
  await page.emulateMedia({ media: 'print' });
  // What Print sets on the page while the browser prints (the e2e type-check has no DOM library, so the call is typed here).
  await page.locator('body').evaluate((b) => (b as unknown as { classList: { add(c: string): void } }).classList.add('printing-codes'));
  // The console behind the dialog (aria-hidden while it is open, so found by its element).
  const consoleBehind = page.locator('nav.sidebar');
  await expect(consoleBehind).toBeHidden();
  await expect(on).toBeHidden();
  // What is left on the sheet: the heading and the codes (the dialog around them is hidden, so not found by role).
  const sheet = page.locator('.print-codes');
  await expect(sheet).toBeVisible();
  await expect(sheet).toContainText('Gatepass recovery codes for admin on Plant A');
  for (const c of adminCodes) await expect(sheet).toContainText(c);
  await expect(page.getByRole('button', { name: 'Save as .txt' })).toBeHidden();
  await page.screenshot({ path: testInfo.outputPath('print.png') });
  await page.locator('body').evaluate((b) => (b as unknown as { classList: { remove(c: string): void } }).classList.remove('printing-codes'));
  await page.emulateMedia({ media: 'screen' });
  await expect(consoleBehind).toBeVisible();
  // Print itself (Chromium's headless print does nothing visible) leaves the console as it was.
  await on.getByRole('button', { name: 'Print' }).click();
  await expect(consoleBehind).toBeVisible();
  await expect(on.getByRole('list', { name: 'Codes' })).toBeVisible();

  await on.getByRole('button', { name: 'Done' }).click();
  await expect(on).toBeHidden();
  await expect(account.locator('dd').nth(1)).toHaveText('On');
  await expect(account).toContainText('Recovery codes left8');
  await expect(mandatoryForm.getByRole('checkbox', { name: 'Mandatory for every password sign-in' })).toBeEnabled();
});

test('once the admin session is gone, Connect asks for the code, or takes a recovery code instead', async () => {
  // A console restart: the admin sessions and the password (no keychain here) are gone.
  await consoleHost.stop();
  consoleHost = await startConsole();
  await page.goto(consoleHost.match[1]!);
  await expect(serverNode('Plant A')).toBeVisible();
  await expect(serverNode('Plant A')).toHaveAccessibleDescription(/needs password/);

  await serverNode('Plant A').getByRole('button', { name: 'Connect' }).click();
  let connect = page.getByRole('dialog', { name: 'Connect to Plant A' });
  await connect.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await connect.getByRole('button', { name: 'Connect', exact: true }).click();
  // The password was right: now the code, in the same dialog.
  await expect(connect.getByLabel('Authenticator code')).toBeFocused();
  await expect(connect.getByRole('group', { name: 'Two-step verification' })).toContainText('admin has two-step verification');
  await connect.getByRole('button', { name: 'Cancel' }).click();
  await expect(connect).toBeHidden();
  // The tree says what is missing: the password is known for this session, the code is not.
  await expect(serverNode('Plant A')).toHaveAccessibleDescription(/needs the code/);

  await serverNode('Plant A').getByRole('button', { name: 'Connect' }).click();
  connect = page.getByRole('dialog', { name: 'Connect to Plant A' });
  await expect(connect).toContainText('only the code from the authenticator app is needed');
  await expect(connect.getByLabel('Password', { exact: true })).toHaveCount(0);
  await connect.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await expect(connect.getByLabel('Recovery code')).toBeFocused();
  await connect.getByLabel('Recovery code').fill(adminCodes[0]!.toLowerCase());
  await page.keyboard.press('Enter');
  await expect(connect).toBeHidden();
  await expect(infoNotice()).toHaveText('Signed in to Plant A with a recovery code: 7 left.');
  await expect(serverNode('Plant A')).toHaveAccessibleDescription(/^connected/);
  // Plant B's administrator has no 2FA: the password alone, as before.
  await serverNode('Plant B').getByRole('button', { name: 'Connect' }).click();
  connect = page.getByRole('dialog', { name: 'Connect to Plant B' });
  await connect.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(connect).toBeHidden();

  // Adding a server whose administrator has 2FA asks for the code the same way.
  await serverNode('Plant A').focus();
  await page.keyboard.press('Delete');
  await page.getByRole('alertdialog', { name: 'Remove server' }).getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(serverNode('Plant A')).toHaveCount(0);
  await page.getByRole('button', { name: 'Add server' }).click();
  const add = page.getByRole('dialog', { name: 'Add server' });
  await add.getByLabel('Name').fill('Plant A');
  await add.getByLabel('Server URL').fill(urlA);
  await add.getByLabel('Login').fill('admin');
  await add.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add.getByLabel('Authenticator code')).toBeFocused();
  await add.getByLabel('Authenticator code').fill('000000' === oathtool(adminSecret, Math.floor(Date.now() / 30_000)) ? '111111' : '000000');
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add.getByRole('alert')).toContainText(/code/i);
  await add.getByLabel('Authenticator code').fill(await nextCode(adminSecret));
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add).toBeHidden();
  await expect(serverNode('Plant A')).toHaveAccessibleDescription(/^connected/);
});

test('mandatory two-step verification goes on through the warning, and "N active users" opens exactly those users', async () => {
  const testInfo = test.info();
  await openSection('Plant A', 'Settings');
  const form = page.getByRole('form', { name: 'Two-step verification' });
  const n = activeWithout2faOnA.length;
  await setCheckbox(form, 'Mandatory for every password sign-in', true);
  // Before anything is saved: who it would lock out, as the server counts them.
  await expect(form.getByRole('alert')).toHaveText(`${n} active users will not be able to sign in with a password from now on.`);
  await form.getByLabel('Grace period (days)').fill('7');
  await expect(form.getByRole('alert')).toHaveText(`${n} active users will not be able to sign in with a password after the grace period of 7 days.`);
  await setCheckbox(form, 'Refuse QR cards and .usr files while mandatory', true);
  // Leaving with these edits asks first, and says what saving them means.
  await serverNode('Plant A').getByRole('treeitem', { name: 'Audit' }).click();
  const leave = page.getByRole('alertdialog', { name: 'Unsaved changes' });
  await expect(leave).toContainText(`Save the changes to the two-step verification settings of Plant A (${n} active users will not be able to sign in with a password) before leaving?`);
  await leave.getByRole('button', { name: 'Cancel' }).click();
  await expect(leave).toBeHidden();
  await form.getByRole('button', { name: 'Save' }).click();

  const confirm = page.getByRole('alertdialog', { name: 'Make two-step verification mandatory' });
  await expect(confirm.getByRole('alert')).toContainText(`${n} active users will not be able to sign in with a password after the grace period of 7 days on Plant A`);
  const make = confirm.getByRole('button', { name: 'Make mandatory' });
  await expect(make).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('confirm-mandatory.png') });
  await setCheckbox(confirm, `I understand that ${n} active users will not be able to sign in with a password`, true);
  await make.click();
  await expect(confirm).toBeHidden();
  await expect(form.getByRole('status')).toHaveText('Saved.');
  await expect(form).toContainText(`${n} active users have no two-step verification yet: they must set it up before`);

  // A user without 2FA who signs in with a password is taken to enrolment (the grace period).
  const carol = gatepass(['user', 'signin', '--server', urlA, '--login', 'off.carol', '--password-stdin', '--json']);
  expect(carol.json).toMatchObject({ code: 'TOTP_ENROLMENT_REQUIRED' });

  await form.getByRole('button', { name: `${n} active users` }).click();
  await expect(grid()).toBeVisible();
  await expect(page.getByLabel('2FA', { exact: true })).toHaveValue('disabled');
  await expect(page.getByLabel('Status', { exact: true })).toHaveValue('active');
  await expect(page.getByText(`${n} users match`)).toBeVisible();
  expect((await loginsShown()).sort()).toEqual([...activeWithout2faOnA].sort());
  await page.screenshot({ path: testInfo.outputPath('active-without-2fa.png') });
});

test('the 2FA filter works on one server and across every server, each with its server named', async () => {
  const testInfo = test.info();
  await page.getByLabel('Status', { exact: true }).selectOption('any');
  await page.getByLabel('2FA', { exact: true }).selectOption('enabled');
  await expect(page.getByText('2 users match')).toBeVisible();
  expect(await loginsShown()).toEqual(['on.alice', 'sec.sam']);

  await tree().getByRole('treeitem', { name: 'All servers' }).click();
  await expect(grid().getByRole('columnheader', { name: 'Server' })).toBeVisible();
  await page.getByLabel('2FA', { exact: true }).selectOption('enabled');
  await expect(page.getByText('3 users match')).toBeVisible();
  // Grouped by server in the tree's order (Plant A was added again, so Plant B comes first).
  expect(await loginsShown()).toEqual(['Plant B | on.bob', 'Plant A | on.alice', 'Plant A | sec.sam']);
  const sources = page.getByRole('list', { name: 'Servers in this list' });
  await expect(sources.getByRole('listitem')).toHaveText(['Plant B 1 user', 'Plant A 2 users']);
  await page.screenshot({ path: testInfo.outputPath('all-servers-2fa.png') });

  await page.getByLabel('2FA', { exact: true }).selectOption('disabled');
  // Plant B: its demo users; Plant A: its users without 2FA, disabled ones too.
  const onA = activeWithout2faOnA.length + 1;
  await expect(sources.getByRole('listitem')).toHaveText([`Plant B ${B_USERS} users`, `Plant A ${onA} users`]);
  await expect(page.getByText(`${B_USERS + onA} users match`)).toBeVisible();
  // To the end: past the first page and Plant B's users, the rows are Plant A's, asked of it as they come into view.
  await grid().locator('[role="row"][aria-rowindex="2"]').click();
  await page.keyboard.press('End');
  const rowAt = (i: number) => grid().locator(`[role="row"][aria-rowindex="${i + 2}"]`);
  await expect(rowAt(B_USERS + onA - 1)).toHaveAttribute('aria-selected', 'true');
  await expect(rowAt(B_USERS - 1).getByRole('gridcell').nth(1)).toHaveText('Plant B');
  const tail = (await loginsShown()).filter((r) => r.startsWith('Plant A | ')).map((r) => r.slice(10));
  expect([...tail].sort()).toEqual([...activeWithout2faOnA, 'off.dave'].sort());
  await expect(rowAt(B_USERS).getByRole('gridcell').nth(1)).toHaveText('Plant A');
  await expect(rowAt(B_USERS + onA - 1)).toContainText(tail[tail.length - 1]!);
  await page.screenshot({ path: testInfo.outputPath('all-servers-end.png') });
});

test("a user's Security section shows the state, resyncs from two codes, resets wrong codes and makes new recovery codes once", async () => {
  const testInfo = test.info();
  await openSection('Plant A', 'Users');
  await page.getByRole('searchbox', { name: 'Search users' }).fill('sec.sam');
  await expect(page.getByText('1 user matches')).toBeVisible();
  // Two wrong codes at sign-in, as a user with a phone whose clock is off would type them.
  for (let i = 0; i < 2; i++) gatepass(['user', 'signin', '--server', urlA, '--login', 'sec.sam', '--password-stdin', '--otp', '000000', '--json']);
  await grid().locator('[role="row"][aria-rowindex="2"]').dblclick();
  const details = page.getByRole('dialog', { name: 'Edit user' });
  const security = details.getByRole('region', { name: 'Security' });
  await expect(security).toContainText('Two-step verificationOn: 2 wrong codes in a row');
  await expect(security).toContainText('Clock driftnone');
  await expect(security).toContainText('Recovery codes left8');

  await security.getByRole('button', { name: 'Reset wrong-code count' }).click();
  await expect(security.getByRole('status')).toHaveText('sec.sam may try codes again.');
  await expect(security).toContainText('Two-step verificationOn');
  await expect(security.getByRole('button', { name: 'Reset wrong-code count' })).toBeDisabled();

  // The user's phone runs 90 s ahead: they read out the code it shows, then the next one.
  await security.getByRole('button', { name: 'Resync…' }).click();
  const resync = security.getByRole('form', { name: 'Resync' });
  await awayFromStepEdge();
  const now = Math.floor(Date.now() / 30_000);
  await resync.getByLabel('Code', { exact: true }).fill(oathtool(secrets['sec.sam']!, now + 2));
  await resync.getByLabel('Next code').fill(oathtool(secrets['sec.sam']!, now + 3));
  await page.keyboard.press('Enter');
  await expect(security.getByRole('status')).toHaveText('Resynced: the clock of the app of sec.sam is 90 s ahead (3 steps); the server allows for it from now on.');
  await expect(security).toContainText('Clock drift90 s ahead (3 steps)');

  await security.getByRole('button', { name: 'New recovery codes…' }).click();
  await expect(security.getByRole('group', { name: 'New recovery codes' })).toContainText('Every earlier recovery code of sec.sam stops working');
  await security.getByRole('button', { name: 'Make new codes' }).click();
  const codes = security.getByRole('list', { name: 'Codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(8);
  const fresh = (await codes.allInnerTexts()).map((c) => c.trim());
  const saved = await downloadText(() => security.getByRole('button', { name: 'Save as .txt' }).click());
  expect(saved.name).toMatch(/^gatepass-recovery-codes-sec\.sam-plant-a-\d{4}-\d{2}-\d{2}\.txt$/);
  expect(saved.text.split('\r\n')[0]).toBe('Gatepass recovery codes for sec.sam on Plant A');
  for (const c of fresh) expect(saved.text).toContain(c);
  await page.screenshot({ path: testInfo.outputPath('security.png') });
  await security.getByRole('button', { name: 'Done with the codes' }).click();
  await expect(security).toContainText('Recovery codes left8');

  // The user signs in with one of the new codes; it says how many remain.
  const signin = gatepass(['user', 'signin', '--server', urlA, '--login', 'sec.sam', '--password-stdin', '--recovery-code', fresh[0]!, '--json']);
  expect(signin.json).toMatchObject({ ok: true, recoveryCodesLeft: 7 });
  await page.keyboard.press('Escape');
  await expect(details).toBeHidden();
  await page.getByRole('searchbox', { name: 'Search users' }).fill('');
});

test('Remove 2FA for users of both servers at once: the confirmation names them and says what it does, each server does its own', async () => {
  const testInfo = test.info();
  await tree().getByRole('treeitem', { name: 'All servers' }).click();
  await page.getByLabel('2FA', { exact: true }).selectOption('enabled');
  await expect(page.getByText('3 users match')).toBeVisible();
  await grid().locator('[role="row"][aria-rowindex="2"]').click();
  await page.keyboard.press('Control+a');
  await expect(page.getByText('3 selected').first()).toBeVisible();
  await page.getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menuitem', { name: 'Remove 2FA…' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Remove two-step verification' });
  await expect(confirm).toContainText('Remove two-step verification of on.bob (Plant B), on.alice (Plant A) and sec.sam (Plant A)?');
  await expect(confirm).toContainText('they sign in with the password alone until they set up two-step verification again');
  await expect(confirm).toContainText('Two-step verification is mandatory on Plant A: they will be asked to set it up again at their next sign-in');
  await page.screenshot({ path: testInfo.outputPath('remove-2fa.png') });
  await confirm.getByRole('button', { name: 'Remove 2FA' }).click();
  await expect(confirm).toBeHidden();
  await expect(infoNotice()).toHaveText('Removed two-step verification of 3 users');
  await expect(page.getByText('No users match the search and filters on any connected server.')).toBeVisible();

  // What it did, as the users meet it: Plant B lets the password alone in; Plant A, mandatory, takes them to enrolment.
  expect(gatepass(['user', 'signin', '--server', urlB, '--login', 'on.bob', '--password-stdin', '--json']).json).toMatchObject({ ok: true });
  expect(gatepass(['user', 'signin', '--server', urlA, '--login', 'on.alice', '--password-stdin', '--json']).json).toMatchObject({ code: 'TOTP_ENROLMENT_REQUIRED' });
});

test('an administrator whom mandatory two-step verification holds to enrol is told so and taken to set it up', async () => {
  // The server's operator removed the administrator's 2FA on the database (a lost phone), as docs/two-step.md says.
  const removed = spawnSync(process.execPath, [cli, 'admin', '2fa', 'remove', '--db', join(work, 'Plant-A.sqlite'), '--login', 'admin', '--json'], { cwd: root, encoding: 'utf8' });
  expect(removed.status, removed.stderr).toBe(0);
  await consoleHost.stop();
  consoleHost = await startConsole();
  await page.goto(consoleHost.match[1]!);
  // The all-servers list, as it was left, says which servers give no users and why, with Connect.
  const sources = page.getByRole('list', { name: 'Servers in this list' });
  await expect(sources.getByRole('listitem')).toHaveCount(2);
  for (const item of await sources.getByRole('listitem').all()) {
    await expect(item).toContainText('needs password');
    await expect(item.getByRole('button', { name: 'Connect' })).toBeVisible();
  }
  await expect(grid()).toContainText('No server is connected: connect one above to list its users.');

  // Mandatory, in its grace period: the password signs in only to enrol, and the console goes there at once.
  await serverNode('Plant A').getByRole('button', { name: 'Connect' }).click();
  const connect = page.getByRole('dialog', { name: 'Connect to Plant A' });
  await connect.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  const enrol = page.getByRole('dialog', { name: 'Set up two-step verification' });
  await expect(enrol.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  await enrol.getByRole('button', { name: 'Cancel' }).click();

  // Put off, it stays said: in the tree, in the all-servers list, and in the pane instead of the users.
  await expect(serverNode('Plant A')).toHaveAccessibleDescription(/needs two-step set-up/);
  await expect(sources.getByRole('listitem').filter({ hasText: 'Plant A' })).toContainText('needs two-step set-up');
  await openSection('Plant A', 'Users');
  const pane = page.getByRole('region', { name: 'Two-step verification required' });
  await expect(pane).toContainText('Plant A requires two-step verification, and your account (admin) does not have it yet.');
  await expect(pane).toContainText('the password alone no longer signs you in');
  await pane.getByRole('button', { name: 'Set up two-step verification…' }).click();
  const key = (await enrol.getByText(/^[A-Z2-7]{4}( [A-Z2-7]{4}){7}$/).innerText()).replace(/\s/g, '');
  await enrol.getByLabel('Code from the app').fill(await nextCode(key));
  await page.keyboard.press('Enter');
  const on = page.getByRole('dialog', { name: 'Two-step verification is on' });
  await expect(on.getByRole('list', { name: 'Codes' }).getByRole('listitem')).toHaveCount(8);
  await on.getByRole('button', { name: 'Done' }).click();
  await expect(infoNotice()).toHaveText('Two-step verification is on for admin on Plant A');
  await expect(serverNode('Plant A')).toHaveAccessibleDescription(/^connected/);
  await expect(pane).toBeHidden();
  await expect(grid()).toBeVisible();
  await expect(page.getByText(/^\d+ users/).first()).toBeVisible();
});

import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, startCli, type Started } from './support';

/**
 * The user portal at /portal of a real `gatepass server`, in Chromium: a user signs in by
 * keyboard, enrols an authenticator app with a code the real `oathtool` computes from the key
 * the page shows, downloads the recovery codes and signs in with one of them; the same pages
 * work with JavaScript turned off, under the portal's CSP without one violation.
 */

const LOGIN = 'ann.berg';
const PASSWORD = 'Granite-Orchard-58';
const DISPLAY_NAME = 'Ann <b>Berg</b>';

let work = '';
let server: Started;
let base = '';
/** The key the enrolment page showed (base32, spaces removed). */
let secret = '';
/** The recovery codes as the downloaded .txt file holds them. */
let fileCodes: string[] = [];

/** The code an authenticator app shows `offsetSeconds` from now, by OATH Toolkit. */
function oathtool(key: string, offsetSeconds = 0): string {
  const at = Math.floor(Date.now() / 1000) + offsetSeconds;
  return execFileSync('oathtool', ['--totp', '-b', key, '-N', `@${at}`], { encoding: 'utf8' }).trim();
}

/** Every CSP violation Chromium reports on a page (the portal must cause none). */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) seen.push(msg.text());
  });
  return seen;
}

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatepass-portal-e2e-'));
  server = await startCli(
    ['server', '--db', join(work, 'server.sqlite'), '--port', '0', '--name', 'Portal e2e'],
    { GATEPASS_ADMIN_PASSWORD: ADMIN_PASSWORD },
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  base = server.match[1]!;
  // The user, with a password, made through the REST API as an administrator would.
  const signin = await fetch(`${base}/api/v1/auth/admin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: ADMIN_PASSWORD }),
  });
  const { token } = (await signin.json()) as { token: string };
  const created = await fetch(`${base}/api/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ login: LOGIN, displayName: DISPLAY_NAME, password: PASSWORD }),
  });
  expect(created.status).toBe(200);
});

test.afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test.describe.configure({ mode: 'serial' });

test('a user signs in with the keyboard alone, through a labelled form', async ({ page }) => {
  const violations = cspViolations(page);
  await page.goto(`${base}/portal/`);
  await expect(page).toHaveURL(`${base}/portal/sign-in`);
  await expect(page.getByRole('main')).toMatchAriaSnapshot(`
    - heading "Sign in" [level=1]
    - text: Login
    - textbox "Login"
    - text: Password
    - textbox "Password"
    - button "Sign in"
  `);
  // The page opens with the login field focused; Tab moves in reading order.
  const login = page.getByRole('textbox', { name: 'Login' });
  const password = page.getByLabel('Password');
  await expect(login).toBeFocused();
  await page.keyboard.type(LOGIN);
  await page.keyboard.press('Tab');
  await expect(password).toBeFocused();
  // Focus is visible: a solid outline, not only a colour change.
  await expect(password).toHaveCSS('outline-style', 'solid');
  await page.keyboard.type('not-the-password');
  await page.keyboard.press('Enter');
  // The refusal is announced and describes the password field, which has the focus again.
  await expect(page.getByRole('alert')).toHaveText('The login or password is wrong.');
  await expect(page.getByLabel('Password')).toHaveAccessibleDescription('The login or password is wrong.');
  await expect(page.getByLabel('Password')).toBeFocused();
  await expect(login).toHaveValue(LOGIN);
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Your account', level: 1 })).toBeVisible();
  // A display name with markup is shown as text.
  await expect(page.getByRole('banner')).toContainText(`Signed in as ${DISPLAY_NAME} (${LOGIN})`);

  // The skip link is the first stop of Tab, shows itself when focused, and moves to the main content.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).toBeFocused();
  expect((await skip.boundingBox())?.y ?? -1).toBeGreaterThanOrEqual(0);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();
  expect(violations).toEqual([]);
});

test('the user enrols with an oathtool code, then downloads the recovery codes once', async ({ page }) => {
  const violations = cspViolations(page);
  await page.goto(`${base}/portal/sign-in`);
  await page.getByRole('textbox', { name: 'Login' }).fill(LOGIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Set up two-step verification' }).click();
  await page.getByRole('button', { name: 'Start setup' }).click();

  const qr = page.getByRole('img', { name: /^QR code for your authenticator app/ });
  await expect(qr).toBeVisible();
  // The image really rendered (a data: URI the CSP allows).
  await expect(qr).toHaveJSProperty('complete', true);
  expect(await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  const shown = (await page.locator('#secret').textContent()) ?? '';
  expect(shown).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
  secret = shown.replace(/\s/g, '');

  const code = page.getByRole('textbox', { name: 'Code from the app' });
  await expect(code).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(code).toHaveAttribute('inputmode', 'numeric');
  // A code that none of the steps the server accepts now (this one and one either side) has.
  const accepted = new Set([-30, 0, 30].map((s) => oathtool(secret, s)));
  await code.fill(['000000', '000001', '000002', '000003'].find((c) => !accepted.has(c))!);
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await expect(page.getByRole('alert')).toContainText('That code does not match the new secret');
  await expect(code).toHaveAccessibleDescription(/That code does not match the new secret/);
  // The same key is shown again: the app scanned a moment ago stays right.
  await expect(page.locator('#secret')).toHaveText(shown);

  await code.fill(oathtool(secret));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await expect(page.getByRole('heading', { name: 'Save your recovery codes', level: 1 })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText('Two-step verification is on.');
  const listed = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  expect(listed).toHaveLength(8);

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download as .txt' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`gatepass-recovery-codes-${LOGIN}.txt`);
  const text = readFileSync((await file.path())!, 'utf8');
  expect(text.split('\r\n')[0]).toBe(`Gatepass recovery codes for ${LOGIN} on Portal e2e`);
  fileCodes = text.split('\r\n').filter((l) => /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(l));
  expect(fileCodes).toEqual(listed);

  // Shown once: the account page has only how many are left.
  await page.getByRole('link', { name: 'I have saved them: continue' }).click();
  await expect(page.getByRole('main')).toContainText('Recovery codes left8 of 8');
  await expect(page.getByRole('main')).not.toContainText(fileCodes[0]!);
  expect(violations).toEqual([]);
});

test('the user signs in with a recovery code from the file and sees how many remain', async ({ page }) => {
  const violations = cspViolations(page);
  await page.goto(`${base}/portal/sign-in`);
  await page.getByRole('textbox', { name: 'Login' }).fill(LOGIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Two-step verification', level: 1 })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Authenticator code' })).toBeFocused();
  await page.getByRole('link', { name: 'Sign in with a recovery code' }).click();
  const field = page.getByRole('textbox', { name: 'Recovery code' });
  await expect(field).toBeFocused();
  await field.fill(fileCodes[2]!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Your account', level: 1 })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText('You signed in with a recovery code. 7 recovery codes are left.');

  // Signing out ends the session; the used code does not work a second time.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('status')).toHaveText('You are signed out.');
  await page.getByRole('textbox', { name: 'Login' }).fill(LOGIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Sign in with a recovery code' }).click();
  await page.getByRole('textbox', { name: 'Recovery code' }).fill(fileCodes[2]!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('That recovery code was used already: each works once');
  expect(violations).toEqual([]);
});

test('every step works with JavaScript turned off, and forms post with a same-origin proof', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const posts: Record<string, string>[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST') void req.allHeaders().then((h) => posts.push(h));
  });
  await page.goto(`${base}/portal/`);
  await page.getByRole('textbox', { name: 'Login' }).fill(LOGIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The code of the next 30-second step: the enrolment used this one, and the window takes the next.
  await page.getByRole('textbox', { name: 'Authenticator code' }).fill(oathtool(secret, 30));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Your account', level: 1 })).toBeVisible();
  await expect(page.getByRole('main')).toContainText('Recovery codes left7 of 8');

  // New recovery codes, with the password asked again.
  await page.getByRole('link', { name: 'Get new recovery codes' }).first().click();
  await page.getByLabel('Your password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Make new recovery codes' }).click();
  await expect(page.getByRole('status')).toHaveText('You have new recovery codes: your earlier codes no longer work.');
  await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(8);
  await page.getByRole('link', { name: 'I have saved them: continue' }).click();
  await expect(page.getByRole('main')).toContainText('Recovery codes left8 of 8');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('status')).toHaveText('You are signed out.');

  // What Chromium sends with the portal's forms under Referrer-Policy: no-referrer: the reason
  // the portal's origin check relies on Sec-Fetch-Site (src/server/portal/security.ts).
  await expect.poll(() => posts.length).toBeGreaterThanOrEqual(4);
  for (const h of posts) {
    expect(h.origin).toBe('null');
    expect(h['sec-fetch-site']).toBe('same-origin');
    expect(h.referer).toBeUndefined();
  }
  await context.close();
});

test('the pages follow the light or dark setting of the OS', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${base}/portal/sign-in`);
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(246, 247, 249)');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(17, 20, 24)');
});

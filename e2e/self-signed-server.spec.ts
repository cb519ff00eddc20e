import { test, expect, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, startCli, type Started } from './support';

/**
 * Issue 12, point 4, as an administrator meets it: `gatepass server --tls self-signed` prints its
 * certificate's fingerprint and key pin; Add server shows the same figures before anything is sent,
 * asks whether to trust the key (Trust is not what a stray Enter does), then signs in over the
 * pinned connection and lists the users. The operator replaces the certificate: the console says
 * the key changed and, in Edit server, shows the new one to review and trust.
 */

const READY = /listening on (https:\/\/127\.0\.0\.1:\d+)[\s\S]*?SHA-256 fingerprint ([0-9A-F:]{95}); key pin (sha256\/[A-Za-z0-9+/]{43}=)/;

let work: string;
let server: Started;
let consoleHost: Started;
let page: Page;

function startTlsServer(port: number | string): Promise<Started> {
  return startCli(
    ['server', '--db', join(work, 'server.sqlite'), '--port', String(port), '--seed-demo', '4', '--name', 'Depot TLS', '--tls', 'self-signed'],
    { GATEPASS_ADMIN_PASSWORD: ADMIN_PASSWORD },
    READY,
  );
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  work = mkdtempSync(join(tmpdir(), 'gatepass-e2e-tls-'));
  server = await startTlsServer(0);
  consoleHost = await startCli(['console', '--port', '0', '--no-embedded'], { GATEPASS_USER_DATA: join(work, 'console-data') }, /Gatepass console: (http:\/\/127\.0\.0\.1:\d+\/\S*)/);
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  await page.goto(consoleHost.match[1]!);
  await expect(page).toHaveURL(/\/$/);
});

test.afterAll(async () => {
  await page?.context().close();
  await consoleHost?.stop();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a self-signed server is added by its key after comparing the fingerprint it printed; a stray Enter never trusts it', async () => {
  const [, url, fingerprint, pin] = server.match as unknown as [string, string, string, string];
  // What the operator sees in the server's terminal.
  expect(server.output()).toContain(`TLS certificate (made now, self-signed): SHA-256 fingerprint ${fingerprint}; key pin ${pin}`);

  await page.getByRole('button', { name: 'Add server' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add server' });
  await dialog.getByLabel('Name').fill('Depot TLS');
  await dialog.getByLabel('Server URL').fill(url);
  await dialog.getByLabel('Login').fill('admin');
  await dialog.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  // Enter in the password field sends the form, as in every dialog: the server is refused before the password goes out.
  await dialog.getByLabel('Password', { exact: true }).press('Enter');
  const presented = dialog.getByRole('group', { name: 'Certificate presented' });
  await expect(presented).toContainText('This machine does not trust the certificate of 127.0.0.1');
  await expect(presented).toContainText('Nothing was sent to it');
  // The same figures the server printed, side by side with them.
  await expect(presented.getByTestId('presented-fingerprint')).toHaveText(fingerprint);
  await expect(presented.getByTestId('presented-pin')).toHaveText(pin);
  await expect(presented).toContainText('localhost (self-signed)');
  await expect(dialog).toContainText("Compare this with the fingerprint the server printed when it started (or ask its operator). Trust this server's key?");
  await page.screenshot({ path: test.info().outputPath('trust-step.png') });

  // The step starts in the optional field for the operator's pin, not on Trust: a second Enter trusts nothing.
  const pasteField = dialog.getByLabel('Or paste the pin or fingerprint the operator gave you');
  await expect(pasteField).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('alert')).toHaveText(/^Enter does not trust a key/);
  await expect(presented).toBeVisible();
  expect(existsSync(join(work, 'console-data', 'servers.json'))).toBe(false);

  // A pasted pin that is not this key is refused, clearly.
  await pasteField.fill(`sha256/${Buffer.alloc(32, 7).toString('base64')}`);
  await pasteField.press('Enter');
  await expect(dialog.getByText('This is not the key the server presents: do not trust it.', { exact: false })).toBeVisible();
  await dialog.getByRole('button', { name: 'Trust' }).click();
  await expect(presented).toBeVisible();
  expect(existsSync(join(work, 'console-data', 'servers.json'))).toBe(false);

  // The fingerprint compared (here: pasted, as copied from the terminal): Trust, from the keyboard.
  await pasteField.fill(fingerprint);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Trust' })).toBeFocused();
  await page.keyboard.press('Space');
  await expect(dialog).toBeHidden();

  // Signed in over the pinned connection: the users are listed.
  const tree = page.getByRole('tree');
  await expect(tree.getByRole('treeitem', { name: 'Depot TLS' }).first()).toBeVisible();
  await expect(page.getByText(/^4 users/).first()).toBeVisible();
  await expect(page.locator('.status-bar')).toContainText(`connected to ${url}`);
  const saved = JSON.parse(readFileSync(join(work, 'console-data', 'servers.json'), 'utf8')) as { servers: Array<{ url: string; tlsPin?: string }> };
  expect(saved.servers).toEqual([expect.objectContaining({ url, tlsPin: pin })]);
  expect(JSON.stringify(saved)).not.toContain(ADMIN_PASSWORD);

  // The server's details say which key is trusted.
  await tree.getByRole('treeitem', { name: 'Settings' }).click();
  await expect(page.getByRole('region', { name: 'Server' })).toContainText(`Trusted TLS key${pin}`);
  await tree.getByRole('treeitem', { name: 'Users' }).click();
  await expect(page.getByText(/^4 users/).first()).toBeVisible();
});

test('a changed key stops the console until the new key is reviewed and trusted in Edit server', async () => {
  const [, url, , oldPin] = server.match as unknown as [string, string, string, string];
  const port = new URL(url).port;
  // The operator replaces the certificate: same address, new key.
  await server.stop();
  rmSync(join(work, 'server.sqlite.tls-cert.pem'));
  rmSync(join(work, 'server.sqlite.tls-key.pem'));
  server = await startTlsServer(port);
  const [, , fingerprint, pin] = server.match as unknown as [string, string, string, string];
  expect(pin).not.toBe(oldPin);

  // The next call meets the new key: the pane says so, and the tree marks the server.
  await page.keyboard.press('F5');
  await expect(page.getByRole('main')).toContainText('Depot TLS is refused until you review its new TLS key.');
  await expect(page.getByRole('main').locator('.error-text')).toContainText('someone may be intercepting the connection, or its operator replaced the certificate. Nothing was sent.');
  await page.screenshot({ path: test.info().outputPath('key-changed.png') });
  await expect(page.getByRole('tree').getByRole('treeitem', { name: 'Depot TLS' }).first()).toContainText('TLS key changed');

  await page.getByRole('button', { name: 'Review the new key…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit server' });
  const presented = dialog.getByRole('group', { name: 'Certificate presented' });
  await expect(presented).toContainText('Depot TLS now presents a different TLS key than the one you trusted.');
  await expect(presented.getByTestId('presented-fingerprint')).toHaveText(fingerprint);
  await expect(presented).toContainText(`Trusted until now${oldPin}`);
  await expect(dialog.getByLabel('Or paste the pin or fingerprint the operator gave you')).toBeFocused();
  await page.screenshot({ path: test.info().outputPath('review-new-key.png') });

  // Cancel goes back to the form, which shows the key trusted so far and offers the review again.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog.getByTestId('trusted-pin')).toHaveText(oldPin);
  await dialog.getByRole('button', { name: 'Review the key…' }).click();
  await dialog.getByRole('button', { name: 'Trust' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Depot TLS: its new TLS key is trusted, and signed in' })).toBeVisible();
  await expect(page.getByText(/^4 users/).first()).toBeVisible();
  const saved = JSON.parse(readFileSync(join(work, 'console-data', 'servers.json'), 'utf8')) as { servers: Array<{ tlsPin?: string }> };
  expect(saved.servers[0]?.tlsPin).toBe(pin);
});

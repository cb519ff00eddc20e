import { test, expect, type Locator, type Page } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { parseCsv } from '../src/shared/csv';
import { addServerInUi, cli, root, startStack, type Stack } from './support';
import { zbarRead } from '../src/test-support/zbar';

/**
 * Issue 10 end to end, in Chromium through the browser host, against a real `gatepass server`
 * that writes its mail as .eml files (the folder transport): select three users, Send
 * provisioning email (validity, the server's preview), the per-user report until every message
 * is sent and as CSV; read one of the messages from the folder, decode its inline QR with
 * zbarimg and provision with the built CLI (`device provision --qr-image`); that user's
 * Provisioning turns to "provisioned" in the list. Then Show provisioning QR saved as PDF
 * (pdftoppm + zbarimg), the device revoked in the user's details stops signing in, and the
 * portal page where a user gets their own code.
 */

const PORTAL_PASSWORD = 'Granite-Orchard-58';
let stack: Stack;
let page: Page;

test.describe.configure({ mode: 'serial' });

function gatepass(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
}

function grid(): Locator {
  return page.getByRole('grid', { name: 'Users' });
}
function row(n: number): Locator {
  return grid().locator(`[role="row"][aria-rowindex="${n + 2}"]`);
}
function rowOf(login: string): Locator {
  return grid().locator('[role="row"][aria-rowindex]').filter({ has: page.locator(`[role="gridcell"][title="${login}"]`) });
}
async function loginOf(r: Locator): Promise<string> {
  await expect(r).not.toContainText('Loading');
  return (await r.getByRole('gridcell').nth(1).getAttribute('title')) ?? '';
}
/** A row's cell under the column with this title. */
async function cell(r: Locator, title: string): Promise<Locator> {
  const titles = (await grid().getByRole('columnheader').allInnerTexts()).map((t) => t.replace(/[▲▼]/g, '').trim());
  const i = titles.indexOf(title);
  expect(i, `column ${title} in ${titles.join('|')}`).toBeGreaterThan(0);
  return r.getByRole('gridcell').nth(i);
}

/** The .eml files of the server's folder, parsed as a mail reader would. */
async function mails(): Promise<Array<{ file: string; mail: ParsedMail }>> {
  const dir = join(stack.work, 'mail');
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  return Promise.all(files.map(async (file) => ({ file, mail: await simpleParser(readFileSync(join(dir, file))) })));
}

/** The one QR code zbarimg reads in a PNG, '' when none. */
function zbar(png: string): string {
  return zbarRead(png) ?? '';
}

async function openActions(item: string): Promise<void> {
  await page.getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

const logins: string[] = [];
let deviceFile = '';

test.beforeAll(async ({ browser }) => {
  stack = await startStack('Harbour Gate', 8, { serverArgs: (work) => ['--mail-folder', join(work, 'mail')] });
  page = await browser.newPage({ acceptDownloads: true });
  await page.goto(stack.consoleUrl);
  await addServerInUi(page, 'Harbour Gate', stack.serverUrl);
  await expect(row(0)).not.toContainText('Loading');
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

test('send provisioning email to three users; one provisions from the QR in the mail; the list says provisioned', async () => {
  const testInfo = test.info();
  for (let i = 0; i < 3; i++) logins.push(await loginOf(row(i)));
  await expect(await cell(row(0), 'Provisioning')).toHaveText('none');
  await row(0).click();
  await row(2).click({ modifiers: ['Shift'] });
  await openActions('Send provisioning email…');

  const dialog = page.getByRole('dialog', { name: 'Send provisioning email' });
  await expect(dialog).toContainText(`Send a provisioning email to ${logins[0]}, ${logins[1]} and ${logins[2]} on Harbour Gate?`);
  // The server's default validity, in the largest unit that says it.
  await expect(dialog.getByRole('textbox', { name: 'Codes valid for' })).toHaveValue('1');
  await expect(dialog.getByRole('combobox', { name: 'Unit' })).toHaveValue('days');
  await dialog.getByRole('textbox', { name: 'Codes valid for' }).fill('5');
  await dialog.getByRole('combobox', { name: 'Unit' }).selectOption('minutes');
  await expect(dialog).toContainText('At least 10 minutes');
  await expect(dialog.getByRole('button', { name: /^Send/ })).toBeDisabled();
  await dialog.getByRole('textbox', { name: 'Codes valid for' }).fill('2');
  await dialog.getByRole('combobox', { name: 'Unit' }).selectOption('hours');

  // The preview: what the server would send the first of them, shown without running anything.
  const preview = dialog.getByRole('region', { name: 'Message preview' });
  await expect(preview).toContainText('Subject');
  await expect(preview).toContainText('Set up Gatepass on your phone for Harbour Gate');
  await expect(preview).toContainText(`${logins[0]}@example.com`);
  const htmlPart = preview.getByRole('document', { name: 'HTML part' });
  await expect(htmlPart).toContainText('Scan this code with the Gatepass app');
  await expect(htmlPart).toContainText('(gatepass://provision?p=');
  const qr = htmlPart.getByRole('img', { name: 'Gatepass provisioning QR code' });
  await expect(qr).toBeVisible();
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  // Nothing of the mail's own markup runs or loads: no script, frame, style or link to follow.
  expect(await htmlPart.locator('script, iframe, style, a, [style], [onclick], [onerror]').count()).toBe(0);
  // Its QR carries a sample code, not a real one.
  const previewPng = join(stack.work, 'preview.png');
  writeFileSync(previewPng, Buffer.from((await qr.getAttribute('src'))!.split(',')[1]!, 'base64'));
  expect(JSON.parse(zbar(previewPng))).toMatchObject({ gp: 'provision', l: logins[0], c: 'PREVIEW0NOT0A0REAL0CODE' });
  await preview.getByRole('radio', { name: 'Plain text' }).click();
  await expect(preview.getByRole('document', { name: 'Plain-text part' })).toContainText(`Your login: ${logins[0]}.`);
  await dialog.getByRole('combobox', { name: 'Preview for' }).selectOption({ label: logins[1]! });
  await expect(preview).toContainText(`${logins[1]}@example.com`);
  await page.screenshot({ path: testInfo.outputPath('send-provisioning.png') });

  await dialog.getByRole('button', { name: 'Send 3 emails' }).click();
  const report = page.getByRole('dialog', { name: 'Provisioning email report' });
  await expect(report).toContainText('3 messages queued');
  await expect(report.getByRole('status', { name: 'Sending progress' })).toHaveText('All 3 messages sent', { timeout: 30_000 });
  const table = report.getByRole('table', { name: 'Per-user report' });
  for (const login of logins) await expect(table.getByRole('row').filter({ hasText: login })).toContainText('Sent');
  await page.screenshot({ path: testInfo.outputPath('provisioning-report.png') });

  const download = page.waitForEvent('download');
  await report.getByRole('button', { name: 'Save report as CSV…' }).click();
  const csvFile = await download;
  const rows = parseCsv(readFileSync(await csvFile.path(), 'utf8').replace(/^\ufeff/, '')).map((r) => r.fields);
  expect(rows[0]).toEqual(['login', 'email', 'status', 'reason', 'message_id', 'sent_at', 'attempts']);
  expect(rows.slice(1).map((r) => [r[0], r[2]]).sort()).toEqual(logins.map((l) => [l, 'sent']).sort());
  await report.getByRole('button', { name: 'Close' }).click();

  // The list: each of them has a code out now.
  for (const login of logins) await expect(await cell(rowOf(login), 'Provisioning')).toContainText('pending until');

  // One user reads their mail: the inline QR, decoded, provisions the phone with the real CLI.
  const all = await mails();
  expect(all).toHaveLength(3);
  const first = all.find((m) => (m.mail.to && !Array.isArray(m.mail.to) ? m.mail.to.text : '').includes(`${logins[0]}@example.com`));
  if (!first) throw new Error(`no mail for ${logins[0]}`);
  expect(first.mail.subject).toBe('Set up Gatepass on your phone for Harbour Gate');
  const inline = first.mail.attachments.find((a) => a.contentType === 'image/png');
  if (!inline) throw new Error('no inline QR');
  const png = join(stack.work, 'mail-qr.png');
  writeFileSync(png, inline.content);
  expect(JSON.parse(zbar(png))).toMatchObject({ gp: 'provision', l: logins[0] });
  deviceFile = join(stack.work, 'device.json');
  const provisioned = gatepass(['device', 'provision', '--qr-image', png, '--out', deviceFile, '--name', 'Test phone', '--json']);
  expect(provisioned.status, provisioned.stderr).toBe(0);
  expect(lastJson(provisioned.stdout)).toMatchObject({ ok: true });

  // Refresh: that user's phone is provisioned, the others still pending; the filter finds it.
  await page.keyboard.press('F5');
  await expect(await cell(rowOf(logins[0]!), 'Provisioning')).toContainText('provisioned on', { timeout: 15_000 });
  await expect(await cell(rowOf(logins[1]!), 'Provisioning')).toContainText('pending until');
  await page.getByRole('group', { name: 'Filters' }).getByRole('combobox', { name: 'Provisioning' }).selectOption('provisioned');
  await expect(grid().locator('[role="row"][aria-rowindex]').filter({ hasNot: page.getByRole('columnheader') })).toHaveCount(1);
  await expect(row(0)).toContainText(logins[0]!);
  await page.screenshot({ path: testInfo.outputPath('provisioned.png') });
  await page.getByRole('group', { name: 'Filters' }).getByRole('combobox', { name: 'Provisioning' }).selectOption('any');
});

test('Show provisioning QR: the popup, and its PDF through the sign-in codes’ engine decodes to a code that provisions', async () => {
  const testInfo = test.info();
  const login = logins[1]!;
  await rowOf(login).click();
  await rowOf(logins[2]!).click({ modifiers: ['Control'] });
  // From the list's context menu this time.
  await rowOf(logins[2]!).click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Selected users' });
  await expect(menu.getByRole('menuitem', { name: 'Send provisioning email…' })).toBeVisible();
  await menu.getByRole('menuitem', { name: 'Show provisioning QR…' }).click();
  const ask = page.getByRole('dialog', { name: 'Show provisioning QR' });
  await expect(ask).toContainText(`New provisioning codes for ${login} and ${logins[2]} on Harbour Gate?`);
  await ask.getByRole('button', { name: 'Show codes' }).click();
  const popup = page.getByRole('dialog', { name: 'Provisioning QR codes' });
  await expect(popup).toContainText('2 codes');
  await expect(popup.getByRole('img', { name: `Provisioning QR code for ${login}` })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('provisioning-popup.png') });

  // Print lays out every code for paper (the print stylesheet shows them alone).
  await popup.getByRole('button', { name: 'Print…' }).click();
  await expect(page.locator('.print-cards .print-card')).toHaveCount(2);

  const download = page.waitForEvent('download');
  await popup.getByRole('button', { name: 'Save as PDF' }).click();
  const pdf = await download;
  expect(pdf.suggestedFilename()).toMatch(/^gatepass-provisioning-harbour-gate-\d{4}-\d{2}-\d{2}\.pdf$/);
  const pdfPath = join(stack.work, 'provisioning.pdf');
  await pdf.saveAs(pdfPath);
  expect(execFileSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' })).toContain('MOBILE PROVISIONING CODE');
  execFileSync('pdftoppm', ['-r', '150', '-png', pdfPath, join(stack.work, 'prov')]);
  const pages = readdirSync(stack.work).filter((f) => f.startsWith('prov-') && f.endsWith('.png')).sort();
  expect(pages).toHaveLength(2);
  const payloads = pages.map((p) => zbar(join(stack.work, p)));
  const mine = payloads.find((p) => (JSON.parse(p) as { l: string }).l === login);
  if (!mine) throw new Error(`no code for ${login} in the PDF`);
  const second = gatepass(['device', 'provision', '--qr-text', mine, '--out', join(stack.work, 'device2.json'), '--json']);
  expect(second.status, second.stderr).toBe(0);
  // The code e-mailed to this user earlier was replaced: it no longer works.
  await popup.getByRole('button', { name: 'Close' }).click();
  await expect(popup).toBeHidden();
});

test('a device revoked in the user’s details stops signing in', async () => {
  const login = logins[0]!;
  expect(gatepass(['device', 'signin', '--config', deviceFile]).status).toBe(0);
  await rowOf(login).dblclick();
  const details = page.getByRole('dialog', { name: 'Edit user' });
  const devices = details.getByRole('region', { name: 'Devices' });
  const table = devices.getByRole('table', { name: `Devices of ${login}` });
  await expect(table).toContainText('Test phone');
  await devices.getByRole('button', { name: 'Revoke Test phone' }).click();
  const confirm = devices.getByRole('group', { name: 'Revoke device' });
  await expect(confirm).toContainText(`Revoke Test phone of ${login}?`);
  await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(devices.getByRole('status')).toContainText(`Test phone of ${login} is revoked`);
  await expect(table).toContainText('revoked');
  await page.screenshot({ path: test.info().outputPath('device-revoked.png') });
  const refused = gatepass(['device', 'signin', '--config', deviceFile]);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('QR_CREDENTIAL_INVALID');
  await details.getByRole('button', { name: 'Cancel' }).click();
  // The audit log names who revoked it.
  await page.getByRole('tree').getByRole('treeitem', { name: 'Audit' }).first().click();
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('Device revoked');
  await page.getByRole('tree').getByRole('treeitem', { name: 'Users' }).first().click();
});

test('the portal: a signed-in user asks for their own provisioning QR and sees it on the page', async ({ browser }) => {
  const login = logins[2]!;
  // The administrator gives the user a password (Actions, Set password), as for any portal user.
  await rowOf(login).click();
  await openActions('Set password…');
  const setPw = page.getByRole('dialog', { name: /Set password/ });
  await setPw.getByLabel('New password').fill(PORTAL_PASSWORD);
  await setPw.getByLabel('Confirm password').fill(PORTAL_PASSWORD);
  await setPw.getByRole('button', { name: /^Set password/ }).click();
  await expect(setPw).toBeHidden();

  const context = await browser.newContext({ javaScriptEnabled: false });
  const portal = await context.newPage();
  const violations: string[] = [];
  portal.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await portal.goto(new URL('/portal/sign-in', stack.serverUrl).href);
  await portal.getByLabel('Login').fill(login);
  await portal.getByLabel('Password').fill(PORTAL_PASSWORD);
  await portal.getByRole('button', { name: 'Sign in' }).click();
  await portal.getByRole('link', { name: 'Set up the Gatepass app on your phone' }).click();
  await expect(portal.getByRole('heading', { level: 1 })).toHaveText('Your phone');
  await portal.getByLabel('Your password').fill(PORTAL_PASSWORD);
  await portal.getByRole('button', { name: 'Show my provisioning code' }).click();
  await expect(portal.getByRole('heading', { level: 1 })).toHaveText('Scan this code with the Gatepass app');
  await expect(portal.getByText(/It works once, until \d{4}-\d\d-\d\d \d\d:\d\d UTC/)).toBeVisible();
  const img = portal.getByRole('img', { name: `Provisioning QR code for ${login}: scan it with the Gatepass app` });
  await expect(img).toBeVisible();
  // What is on the screen, as a camera would read it.
  const shot = join(stack.work, 'portal-qr.png');
  await img.screenshot({ path: shot });
  const payload = zbar(shot);
  expect(JSON.parse(payload)).toMatchObject({ gp: 'provision', l: login });
  await portal.screenshot({ path: test.info().outputPath('portal-phone.png'), fullPage: true });
  expect(portal.url()).not.toContain((JSON.parse(payload) as { c: string }).c);
  expect(violations).toEqual([]);
  const fromPortal = gatepass(['device', 'provision', '--qr-text', payload, '--out', join(stack.work, 'device3.json'), '--json']);
  expect(fromPortal.status, fromPortal.stderr).toBe(0);
  await context.close();
});

test('Settings, Mobile provisioning: the validity new codes get by default, which Send provisioning email then offers', async () => {
  await page.getByRole('tree').getByRole('treeitem', { name: 'Settings' }).first().click();
  const form = page.getByRole('form', { name: 'Mobile provisioning' });
  await expect(form.getByRole('textbox', { name: 'Provision code validity' })).toHaveValue('1');
  await expect(form).toContainText('Server ID');
  await form.getByRole('textbox', { name: 'Provision code validity' }).fill('36');
  await form.getByRole('combobox', { name: 'Unit' }).selectOption('hours');
  // Leaving asks first, naming this part of Settings.
  await page.getByRole('tree').getByRole('treeitem', { name: 'Users' }).first().click();
  const question = page.getByRole('alertdialog', { name: 'Unsaved changes' });
  await expect(question).toContainText('Save the changes to the mobile provisioning settings of Harbour Gate before leaving?');
  await question.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('grid', { name: 'Users' })).toBeVisible();
  await row(3).click();
  await openActions('Send provisioning email…');
  const dialog = page.getByRole('dialog', { name: 'Send provisioning email' });
  await expect(dialog.getByRole('textbox', { name: 'Codes valid for' })).toHaveValue('36');
  await expect(dialog.getByRole('combobox', { name: 'Unit' })).toHaveValue('hours');
  await expect(dialog).toContainText("this server's default is 36 hours");
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

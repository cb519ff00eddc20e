import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '../src/server/test-support/smtp-sink';
import { addServerInUi, chooseRadio, startStack, type Stack } from './support';

/**
 * Issue 10, point 4 in the console: a server's Mail settings. The server runs with a mail
 * folder (the folder transport); the test message is followed to its outcome; the browser
 * host, which cannot open a folder, offers the newest .eml files as downloads. Then an SMTP
 * relay on loopback (a real SMTP server started here): the password is write-only, the test
 * message arrives there, a refused address shows the relay's 550, and leaving with unsaved
 * edits asks first.
 */

const SMTP_PASSWORD = 'Relay-Secret-8841';
let stack: Stack;
let sink: SmtpSink;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  stack = await startStack('Harbour Gate', 5, { serverArgs: (work) => ['--mail-folder', join(work, 'mail')] });
  sink = await startSmtpSink({ auth: { user: 'gatepass', pass: SMTP_PASSWORD }, rcpt: (a) => (a === 'nobody@example.org' ? { code: 550, text: '5.1.1 No such user' } : null) });
  page = await browser.newPage();
  await page.goto(stack.consoleUrl);
  await addServerInUi(page, 'Harbour Gate', stack.serverUrl);
  await page.getByRole('tree').getByRole('treeitem', { name: 'Settings' }).first().click();
});

test.afterAll(async () => {
  await page?.close();
  await sink?.close();
  await stack?.stop();
});

test('the folder transport: a test message is sent, and the newest .eml files download through the console', async () => {
  const testInfo = test.info();
  const mail = page.getByRole('region', { name: 'Mail' });
  const settings = mail.getByRole('form', { name: 'Mail settings' });
  await expect(settings.getByRole('radio', { name: /Into a folder/ })).toBeChecked();
  const folderPanel = mail.getByRole('region', { name: 'Mail folder' });
  await expect(folderPanel).toContainText(join(stack.work, 'mail'));
  await expect(folderPanel).toContainText('A browser cannot open a folder on this computer');
  await expect(folderPanel.getByRole('button', { name: 'Open folder' })).toHaveCount(0);
  await expect(folderPanel).toContainText('No messages yet.');

  const testForm = mail.getByRole('form', { name: 'Test message' });
  await testForm.getByLabel('Send a test message to').fill('not an address');
  await testForm.getByRole('button', { name: 'Send test message' }).click();
  await expect(testForm).toContainText('An e-mail address such as anna@example.org');
  await testForm.getByLabel('Send a test message to').fill('anna@example.org');
  await testForm.getByRole('button', { name: 'Send test message' }).click();
  const outcome = testForm.getByRole('status', { name: 'Test message outcome' });
  await expect(outcome).toContainText('Sent to anna@example.org');
  const messageId = /Message-ID (<[^>]+>)/.exec((await outcome.textContent()) ?? '')?.[1];
  expect(messageId).toBeTruthy();
  await page.screenshot({ path: testInfo.outputPath('mail-folder.png'), fullPage: true });

  await folderPanel.getByRole('button', { name: 'Refresh list' }).click();
  const files = folderPanel.getByRole('table', { name: 'Newest messages' });
  await expect(files.getByRole('row')).toHaveCount(2);
  const download = page.waitForEvent('download');
  await files.getByRole('button', { name: /^Download / }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^\d{8}-\d{6}-[0-9a-f-]{36}\.eml$/);
  const bytes = readFileSync(await file.path());
  // The very bytes the server wrote into its folder.
  expect(bytes.equals(readFileSync(join(stack.work, 'mail', file.suggestedFilename())))).toBe(true);
  const parsed = await simpleParser(bytes);
  expect(parsed.messageId).toBe(messageId);
  expect(parsed.subject).toContain('test');
  expect(parsed.text).toContain('Harbour Gate');
});

test('SMTP: the password is write-only, the test message reaches the relay, a refusal shows its reply, unsaved edits ask first', async () => {
  const testInfo = test.info();
  const mail = page.getByRole('region', { name: 'Mail' });
  const settings = mail.getByRole('form', { name: 'Mail settings' });
  await chooseRadio(settings, 'Through an SMTP server');
  // Saving needs a From and a host: the form says so before asking the server.
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(settings.getByRole('alert')).toContainText('Put right what is marked above');
  await expect(settings).toContainText('Messages need a From address');
  await settings.getByRole('textbox', { name: 'From' }).fill('Gatepass <gatepass@example.org>');
  await settings.getByRole('textbox', { name: 'Host' }).fill('127.0.0.1');
  await chooseRadio(settings, 'None (port 25): no encryption, for a relay on this machine or network only');
  await expect(settings.getByRole('textbox', { name: 'Port' })).toHaveValue('25');
  await settings.getByRole('textbox', { name: 'Port' }).fill(String(sink.port));
  await settings.getByRole('textbox', { name: 'User' }).fill('gatepass');
  await settings.getByLabel('Password', { exact: true }).fill(SMTP_PASSWORD);
  // The test message goes through the saved settings: not before Save.
  await expect(mail.getByRole('form', { name: 'Test message' }).getByRole('button', { name: 'Send test message' })).toBeDisabled();
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(settings.getByRole('status')).toHaveText('Saved.');
  await expect(settings.getByRole('group', { name: 'SMTP password' })).toContainText('A password is set.');

  // A fresh read: the password is set, and nowhere on the page.
  await page.reload();
  await page.getByRole('tree').getByRole('treeitem', { name: 'Settings' }).first().click();
  await expect(settings.getByRole('group', { name: 'SMTP password' })).toContainText('A password is set.');
  expect(await page.content()).not.toContain(SMTP_PASSWORD);

  const testForm = mail.getByRole('form', { name: 'Test message' });
  await testForm.getByLabel('Send a test message to').fill('bob@example.org');
  await testForm.getByRole('button', { name: 'Send test message' }).click();
  const outcome = testForm.getByRole('status', { name: 'Test message outcome' });
  await expect(outcome).toContainText('Sent to bob@example.org');
  await expect(outcome).toContainText('Ok: queued');
  const messageId = /Message-ID (<[^>]+>)/.exec((await outcome.textContent()) ?? '')?.[1];
  const got = sink.received.find((m) => m.messageId === messageId);
  expect(got, 'the relay received the message the console names').toBeTruthy();
  expect(got?.user).toBe('gatepass');
  expect(got?.to).toEqual(['bob@example.org']);

  await testForm.getByLabel('Send a test message to').fill('nobody@example.org');
  await testForm.getByRole('button', { name: 'Send test message' }).click();
  await expect(outcome).toContainText('Failed to nobody@example.org: Rejected by the mail server: 550');
  await page.screenshot({ path: testInfo.outputPath('mail-smtp.png'), fullPage: true });

  // Another host: the stored password is not sent there, so the form asks for it again.
  await settings.getByRole('textbox', { name: 'Host' }).fill('smtp.elsewhere.example');
  await expect(settings).toContainText('enter it again for this one');
  await page.getByRole('tree').getByRole('treeitem', { name: 'Users' }).first().click();
  const question = page.getByRole('alertdialog', { name: 'Unsaved changes' });
  await expect(question).toContainText('Save the changes to the mail settings of Harbour Gate before leaving?');
  // Save from the question: refused (no password for the new host), so the form stays and says why.
  await question.getByRole('button', { name: 'Save' }).click();
  await expect(question).toBeHidden();
  await expect(settings.getByRole('alert')).toContainText('Put right what is marked above');
  await page.getByRole('tree').getByRole('treeitem', { name: 'Users' }).first().click();
  await question.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByRole('grid', { name: 'Users' })).toBeVisible();
  await page.getByRole('tree').getByRole('treeitem', { name: 'Settings' }).first().click();
  await expect(settings.getByRole('textbox', { name: 'Host' })).toHaveValue('127.0.0.1');

  // Clear: no user, no password (a relay that takes mail without signing in).
  await settings.getByRole('button', { name: 'Clear password' }).click();
  await expect(settings.getByRole('textbox', { name: 'User' })).toHaveValue('');
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(settings.getByRole('status')).toHaveText('Saved.');
  await expect(settings).toContainText('No user: the server sends without signing in');
});

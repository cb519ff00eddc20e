import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { createServerClient } from '../main/services/server-client';
import { runCli, spawnCli } from './test-support/run-cli';

const dir = mkdtempSync(join(tmpdir(), 'gp-cli-mail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gatepass server mail options', () => {
  it('explain how the SMTP URL chooses STARTTLS or TLS', async () => {
    const r = await runCli(['server', '--help']);
    expect(r.code).toBe(0);
    // Commander wraps the help to the terminal width: compare it as one line.
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--smtp-url <url> send mail through this SMTP server: smtp://[user[:password]@]host[:port] (STARTTLS required, port 587), smtps://... (implicit TLS, port 465), or smtp://...?security=none (no encryption, port 25)');
    expect(help).toContain('--mail-folder <dir> write every message as an .eml file into this folder');
    expect(help).toContain('Put the SMTP password in GATEPASS_SMTP_PASSWORD rather than in the URL');
  });

  it('refuse an unusable SMTP URL with exit 2, before creating the database and without echoing the password', async () => {
    const db = join(dir, 'never.sqlite');
    const r = await runCli(['server', '--db', db, '--port', '0', '--smtp-url', 'http://mailer:Hidden-Pw-77@mail.example.org']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('gatepass: The SMTP URL is not usable: the scheme must be smtp:// or smtps:// (VALIDATION_FAILED)');
    expect(r.stdout + r.stderr).not.toContain('Hidden-Pw-77');
    expect(existsSync(db)).toBe(false);
  });

  it('refuse a user without a password, and two transports at once, with exit 2', async () => {
    const noPassword = await runCli(['server', '--db', join(dir, 'a.sqlite'), '--port', '0', '--smtp-url', 'smtp://mailer@mail.example.org']);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('The SMTP URL names a user but no password: add it to the URL or set GATEPASS_SMTP_PASSWORD (VALIDATION_FAILED)');
    const both = await runCli(['server', '--db', join(dir, 'b.sqlite'), '--smtp-url', 'smtp://h', '--mail-folder', dir]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("option '--mail-folder <dir>' cannot be used with option '--smtp-url <url>'");
  });

  it('with --mail-folder, writes the test message as an .eml file there', async () => {
    const folder = join(dir, 'outbox-files');
    const child = spawnCli(['server', '--db', join(dir, 'folder.sqlite'), '--port', '0', '--mail-folder', folder, '--mail-from', 'Plant 2 <gatepass@plant2.example.org>'], {
      ...process.env,
      GATEPASS_ADMIN_PASSWORD: 'Folder-Harbour-2048',
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const url = await new Promise<string>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no start: ${out}`)), 30_000);
        child.stdout.on('data', () => {
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            ok(m[1]!);
          }
        });
      });
      expect(out).toContain(`Gatepass mail: sending through folder ${folder}`);
      const client = createServerClient(url);
      const { token } = await client.call('adminSignin', { body: { login: 'admin', password: 'Folder-Harbour-2048' } });
      const settings = await client.call('getMailSettings', {}, token);
      expect(settings).toMatchObject({ transport: 'folder', folder, from: 'Plant 2 <gatepass@plant2.example.org>', updatedBy: 'command line' });
      const sent = await client.call('sendTestMail', { body: { to: 'ops@example.org' } }, token);
      const until = Date.now() + 10_000;
      let report = await client.call('getMailBatch', { params: { id: sent.batch.id } }, token);
      while (!report.batch.done && Date.now() < until) {
        await new Promise((ok) => setTimeout(ok, 50));
        report = await client.call('getMailBatch', { params: { id: sent.batch.id } }, token);
      }
      expect(report.items[0]).toMatchObject({ status: 'sent', messageId: sent.messageId });
      const files = readdirSync(folder);
      expect(files).toHaveLength(1);
      const mail = await simpleParser(readFileSync(join(folder, files[0]!)));
      expect(mail.messageId).toBe(sent.messageId);
      expect(mail.from?.value).toEqual([{ name: 'Plant 2', address: 'gatepass@plant2.example.org' }]);
      expect(mail.subject).toBe('Gatepass test message from Gatepass server');
    } finally {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
    }
  });
});

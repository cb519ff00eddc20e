import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailSettingsInputSchema } from '../../shared/model/mail';
import { openDatabase, type DbHandle } from '../db/connect';
import { migrateToLatest } from '../db/migrations';
import { createSecretBox } from '../security/secret-box';
import { eachBackend } from '../test-support/backends';
import {
  loadTransportConfig,
  mailSettingsView,
  NO_SETTINGS,
  parseSmtpUrl,
  resealMailPassword,
  settingsChange,
  startSettings,
  writeMailSettings,
  type MailSettings,
} from './settings';

const smtpSettings: MailSettings & { smtp: NonNullable<MailSettings['smtp']> } = {
  transport: 'smtp',
  from: 'Gatepass <gp@example.org>',
  smtp: { host: 'mail.example.org', port: 587, security: 'starttls', user: 'alerts' },
  folder: '/var/mail/gatepass',
  updatedAt: '2030-01-01T00:00:00.000Z',
  updatedBy: 'admin',
};

const input = (v: unknown) => MailSettingsInputSchema.parse(v);

describe('--smtp-url', () => {
  it('reads smtp:// as STARTTLS required on 587, smtps:// as implicit TLS on 465, ?security=none as plain on 25', () => {
    expect(parseSmtpUrl('smtp://mail.example.org')).toEqual({ smtp: { host: 'mail.example.org', port: 587, security: 'starttls', user: '' }, password: null });
    expect(parseSmtpUrl('smtps://mail.example.org')).toEqual({ smtp: { host: 'mail.example.org', port: 465, security: 'tls', user: '' }, password: null });
    expect(parseSmtpUrl('smtp://127.0.0.1?security=none').smtp).toEqual({ host: '127.0.0.1', port: 25, security: 'none', user: '' });
    expect(parseSmtpUrl('smtp://[::1]:2525?security=starttls').smtp).toEqual({ host: '::1', port: 2525, security: 'starttls', user: '' });
  });

  it('percent-decodes the user and password', () => {
    expect(parseSmtpUrl('smtp://alerts%40example.org:p%40ss%3Aw%2Frd@mail.example.org:2587')).toEqual({
      smtp: { host: 'mail.example.org', port: 2587, security: 'starttls', user: 'alerts@example.org' },
      password: 'p@ss:w/rd',
    });
  });

  it('refuses what it cannot use, without repeating the URL (it may hold the password)', () => {
    const cases: Array<[string, RegExp]> = [
      ['mail.example.org:587', /scheme must be smtp/],
      ['http://u:Secret-Pw-1@mail.example.org', /scheme must be smtp/],
      ['smtp://u:Secret-Pw-1@mail.example.org/path', /must not have a path/],
      ['smtp://u:Secret-Pw-1@mail.example.org?tls=1', /unknown option "tls"/],
      ['smtps://u:Secret-Pw-1@mail.example.org?security=none', /smtps:\/\/ is always TLS/],
      ['smtp://u:Secret-Pw-1@mail.example.org?security=maybe', /security must be starttls or none/],
      ['smtp://:Secret-Pw-1@mail.example.org', /a password needs a user/],
      ['smtp://u:Secret-Pw-1%zz@mail.example.org', /not valid percent-encoding/],
    ];
    for (const [url, why] of cases) {
      let message = '';
      try {
        parseSmtpUrl(url);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, url).toMatch(why);
      expect(message).not.toContain('Secret-Pw-1');
    }
  });

  it('sets the SMTP transport at start, with the password from the URL or the environment', () => {
    expect(startSettings(NO_SETTINGS, { smtpUrl: 'smtp://alerts@mail.example.org', smtpPassword: 'From-Env-1', from: 'gp@example.org' })).toEqual({
      settings: { transport: 'smtp', from: 'gp@example.org', smtp: { host: 'mail.example.org', port: 587, security: 'starttls', user: 'alerts' }, folder: null },
      password: 'From-Env-1',
    });
    expect(startSettings(NO_SETTINGS, { smtpUrl: 'smtp://alerts:In-Url-1@mail.example.org', smtpPassword: 'From-Env-1' }).password).toBe('In-Url-1');
    expect(() => startSettings(NO_SETTINGS, { smtpUrl: 'smtp://alerts@mail.example.org' })).toThrow(/names a user but no password/);
    // Without --mail-from: the SMTP user when it is an address.
    expect(startSettings(NO_SETTINGS, { smtpUrl: 'smtp://me%40example.org:x@mail.example.org' }).settings.from).toBe('me@example.org');
    expect(() => startSettings(NO_SETTINGS, { smtpUrl: 'smtp://h', folder: '/tmp/x' })).toThrow(/not both/);
    expect(() => startSettings(NO_SETTINGS, { from: 'not an address' })).toThrow(/From is not an address/);
  });

  it('gives the embedded server its folder only while nobody chose a transport', () => {
    expect(startSettings(NO_SETTINGS, { defaultFolder: '/data/mail' }).settings).toMatchObject({ transport: 'folder', folder: '/data/mail' });
    const chosenNone: MailSettings = { ...NO_SETTINGS, updatedAt: '2030-01-01T00:00:00.000Z', updatedBy: 'admin' };
    expect(startSettings(chosenNone, { defaultFolder: '/data/mail' }).settings).toMatchObject({ transport: 'none', folder: '/data/mail' });
    expect(startSettings(smtpSettings, { defaultFolder: '/data/mail' }).settings).toMatchObject({ transport: 'smtp', folder: '/var/mail/gatepass' });
  });
});

describe('changing the settings over the API', () => {
  it('keeps the stored password for the same server and user', () => {
    const c = settingsChange(smtpSettings, true, input({ transport: 'smtp', smtp: { host: 'MAIL.example.org', port: 2587, security: 'tls', user: 'alerts' } }));
    expect(c.password).toBeUndefined();
    expect(c.settings.smtp).toEqual({ host: 'MAIL.example.org', port: 2587, security: 'tls', user: 'alerts' });
    expect(c.settings.from).toBe('Gatepass <gp@example.org>');
  });

  it('asks for the password again when it would go to another host or user, or unencrypted', () => {
    for (const smtp of [
      { host: 'evil.example.net', security: 'starttls', user: 'alerts' },
      { host: 'mail.example.org', security: 'starttls', user: 'other' },
      { host: 'mail.example.org', security: 'none', user: 'alerts' },
    ]) {
      expect(() => settingsChange(smtpSettings, true, input({ transport: 'smtp', smtp })), JSON.stringify(smtp)).toThrow(/Enter the SMTP password/);
    }
    expect(settingsChange(smtpSettings, true, input({ transport: 'smtp', smtp: { host: 'evil.example.net', security: 'starttls', user: 'alerts', password: 'New-Pw-2' } })).password).toBe('New-Pw-2');
  });

  it('drops the password when the user is cleared, and needs one for a user', () => {
    expect(settingsChange(smtpSettings, true, input({ transport: 'smtp', smtp: { host: 'relay.local', security: 'none', user: '' } })).password).toBeNull();
    expect(() => settingsChange(NO_SETTINGS, false, input({ transport: 'smtp', from: 'gp@example.org', smtp: { host: 'h', security: 'tls', user: 'u', password: '' } }))).toThrow(/needs a password/);
  });

  it('allows the folder transport only where the server was given a folder', () => {
    expect(settingsChange(smtpSettings, true, input({ transport: 'folder' })).settings).toMatchObject({ transport: 'folder', folder: '/var/mail/gatepass', smtp: smtpSettings.smtp });
    expect(() => settingsChange(NO_SETTINGS, false, input({ transport: 'folder' }))).toThrow(/start it with --mail-folder/);
  });

  it('refuses input that names a folder, an SMTP transport without server or From, or a From with a line break', () => {
    expect(MailSettingsInputSchema.safeParse({ transport: 'folder', folder: '/etc' }).success).toBe(false);
    expect(() => settingsChange(NO_SETTINGS, false, input({ transport: 'smtp', from: 'gp@example.org' }))).toThrow(/needs its server/);
    expect(() => settingsChange(NO_SETTINGS, false, input({ transport: 'smtp', smtp: { host: 'h', security: 'none' } }))).toThrow(/needs a From/);
    expect(MailSettingsInputSchema.safeParse({ transport: 'none', from: 'gp@example.org\r\nBcc: x@evil.example' }).success).toBe(false);
    expect(MailSettingsInputSchema.safeParse({ transport: 'none', from: 'Gatepass <gp@example.org>' }).success).toBe(true);
  });
});

eachBackend('The SMTP password at rest', (backend) => {
  let h: DbHandle;
  const keyA = createSecretBox([Buffer.alloc(32, 1)]);
  const keyB = Buffer.alloc(32, 2);
  beforeAll(async () => {
    h = openDatabase(await backend.freshDb());
    await migrateToLatest(h.db, h.dialect);
  });
  afterAll(async () => {
    await h?.close();
  });
  const stored = async () => (await h.db.selectFrom('settings').select('value').where('key', '=', 'mail_smtp_password').executeTakeFirst())?.value;
  const change = (password: string | null | undefined) => ({ settings: { ...NO_SETTINGS, transport: 'smtp' as const, from: 'gp@example.org', smtp: smtpSettings.smtp }, password });

  it('is sealed with the secret box, opens for the sender, and is never in the settings row', async () => {
    await h.db.transaction().execute((trx) => writeMailSettings(trx, change('Sealed-Pw-1'), 'admin', new Date(), keyA));
    const raw = await stored();
    expect(raw).toMatch(new RegExp(`^\\{"sealed":"gp1\\.${keyA.currentKeyId}\\.`));
    expect(raw).not.toContain('Sealed-Pw-1');
    const settingsRow = await h.db.selectFrom('settings').select('value').where('key', '=', 'mail').executeTakeFirstOrThrow();
    expect(settingsRow.value).not.toContain('Sealed-Pw-1');
    expect(await loadTransportConfig(h.db, keyA)).toEqual({ kind: 'smtp', smtp: smtpSettings.smtp, password: 'Sealed-Pw-1' });
    expect((await mailSettingsView(h.db)).smtp?.passwordSet).toBe(true);
  });

  it('is re-sealed with the current key after a rotation, and a server without the key says why it cannot send', async () => {
    const rotated = createSecretBox([keyB, Buffer.alloc(32, 1)]);
    expect(await resealMailPassword(h.db, rotated)).toBe(true);
    expect(await stored()).toMatch(new RegExp(`^\\{"sealed":"gp1\\.${rotated.currentKeyId}\\.`));
    expect(await resealMailPassword(h.db, rotated)).toBe(false);
    expect(await loadTransportConfig(h.db, createSecretBox([keyB]))).toMatchObject({ kind: 'smtp', password: 'Sealed-Pw-1' });
    expect(await loadTransportConfig(h.db, keyA)).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('does not open') });
    expect(await loadTransportConfig(h.db, null)).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('set GATEPASS_SECRET_KEY') });
  });

  it('cannot be kept by a server without a secret key: SECRET_KEY_UNAVAILABLE, and nothing changes', async () => {
    const before = await stored();
    await expect(h.db.transaction().execute((trx) => writeMailSettings(trx, change('No-Key-Pw-2'), 'admin', new Date(), null))).rejects.toMatchObject({
      code: 'SECRET_KEY_UNAVAILABLE',
    });
    expect(await stored()).toBe(before);
    // A relay without sign-in needs no key.
    await h.db.transaction().execute((trx) => writeMailSettings(trx, change(null), 'admin', new Date(), null));
    expect(await stored()).toBeUndefined();
  });
});

import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { GatepassError } from '../../shared/errors';
import {
  DEFAULT_SMTP_PORT,
  MailTransportKindSchema,
  parseMailbox,
  SmtpSecuritySchema,
  type MailSettingsChange,
  type MailSettingsView,
  type MailTransportKind,
  type SmtpSecurity,
} from '../../shared/model/mail';
import type { Database } from '../db/schema';
import { recordAudit } from '../modules/audit/service';
import type { SecretBox } from '../security/secret-box';

/**
 * The server's mail settings: one `settings` row (`mail`, JSON, no secret) plus the SMTP
 * password in a row of its own (`mail_smtp_password`), so nothing that reads or shows the
 * settings ever touches the password. Read from the database every time, so replicas agree.
 */

const SETTINGS_KEY = 'mail';
const PASSWORD_KEY = 'mail_smtp_password';

/** Who changed the settings when the server's start options did. */
export const COMMAND_LINE = 'command line';

/** The SMTP server, without its password. */
export interface SmtpServerSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** '' when the server takes mail without signing in. */
  user: string;
}

/** The stored settings (never the password). */
export interface MailSettings {
  transport: MailTransportKind;
  from: string | null;
  smtp: SmtpServerSettings | null;
  folder: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** What a sender needs to build its transport: the settings in effect, with the password. */
export type TransportConfig =
  | { kind: 'none' }
  | { kind: 'smtp'; smtp: SmtpServerSettings; password: string | null }
  | { kind: 'folder'; path: string }
  /** SMTP is chosen but its password cannot be opened here: nothing is sent, nothing is failed, until it is put right. */
  | { kind: 'unavailable'; reason: string };

const StoredSchema = z.object({
  transport: MailTransportKindSchema,
  from: z.string().nullable(),
  smtp: z.object({ host: z.string(), port: z.number().int(), security: SmtpSecuritySchema, user: z.string() }).nullable(),
  folder: z.string().nullable(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});

/**
 * The SMTP password at rest: sealed with the server's secret box (AES-256-GCM under the key
 * outside the database that also seals two-step secrets; src/server/security/secret-box.ts),
 * bound to this use by its associated data, so the ciphertext opens nowhere else.
 */
const StoredPasswordSchema = z.object({ sealed: z.string() });
const PASSWORD_CONTEXT = 'gatepass mail smtp password';

/** Why a server without a secret key cannot keep an SMTP password. */
const NO_KEY_MESSAGE =
  "The SMTP password is kept sealed with the server's secret key, and this server has none: set GATEPASS_SECRET_KEY (the same on every replica; see docs/two-step.md) or use a relay that takes mail without signing in";

export const NO_SETTINGS: MailSettings = { transport: 'none', from: null, smtp: null, folder: null, updatedAt: null, updatedBy: null };

/** The From used when none is set (a folder transport needs one in every file). */
export const FALLBACK_FROM = 'Gatepass <gatepass@localhost>';

/** The stored settings, or "no transport" when none were ever set or the row is unreadable. */
export async function loadMailSettings(db: Kysely<Database>): Promise<MailSettings> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', SETTINGS_KEY).executeTakeFirst();
  if (!row) return NO_SETTINGS;
  const parsed = StoredSchema.safeParse(safeJson(row.value));
  return parsed.success ? parsed.data : NO_SETTINGS;
}

/** The stored (sealed) password, or null when none is set. */
async function loadSealedPassword(db: Kysely<Database>): Promise<string | null> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', PASSWORD_KEY).executeTakeFirst();
  if (!row) return null;
  const parsed = StoredPasswordSchema.safeParse(safeJson(row.value));
  return parsed.success ? parsed.data.sealed : null;
}

/** Opens a sealed password; null when this box cannot (no key, another key, damaged). */
function openPassword(box: SecretBox | null, sealed: string): string | null {
  if (!box) return null;
  try {
    return box.open(sealed, PASSWORD_CONTEXT).toString('utf8');
  } catch {
    // Why: a key that is not ours or a damaged value; the caller says so, never with the value.
    return null;
  }
}

/** Seals a password, or refuses with SECRET_KEY_UNAVAILABLE when the server has no key. */
function sealPassword(box: SecretBox | null, password: string): string {
  if (!box) throw new GatepassError('SECRET_KEY_UNAVAILABLE', NO_KEY_MESSAGE);
  return box.seal(Buffer.from(password, 'utf8'), PASSWORD_CONTEXT);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The transport a sender should use now, with the SMTP password opened. */
export async function loadTransportConfig(db: Kysely<Database>, box: SecretBox | null): Promise<TransportConfig> {
  const s = await loadMailSettings(db);
  if (s.transport === 'smtp' && s.smtp) {
    const sealed = await loadSealedPassword(db);
    if (sealed === null) return { kind: 'smtp', smtp: s.smtp, password: null };
    const password = openPassword(box, sealed);
    if (password === null) {
      return {
        kind: 'unavailable',
        reason: box
          ? "the stored SMTP password does not open with this server's secret keys (a key was replaced without the old one: see docs/two-step.md, key rotation); enter the password again"
          : "the stored SMTP password is sealed with a secret key and this server has none: set GATEPASS_SECRET_KEY (see docs/two-step.md)",
      };
    }
    return { kind: 'smtp', smtp: s.smtp, password };
  }
  if (s.transport === 'folder' && s.folder) return { kind: 'folder', path: s.folder };
  return { kind: 'none' };
}

/** The settings as GET /api/v1/mail/settings shows them: whether a password is set, never the password. */
export async function mailSettingsView(db: Kysely<Database>): Promise<MailSettingsView> {
  const s = await loadMailSettings(db);
  const passwordSet = s.smtp !== null && (await loadSealedPassword(db)) !== null;
  return { ...s, smtp: s.smtp ? { ...s.smtp, passwordSet } : null };
}

/** The From every message carries: the setting, or gatepass@localhost. */
export function effectiveFrom(s: MailSettings): { name: string; address: string } {
  return parseMailbox(s.from ?? FALLBACK_FROM) ?? { name: 'Gatepass', address: 'gatepass@localhost' };
}

/**
 * The host of a Message-ID: the From address's domain (a domain the sender speaks for, as RFC
 * 5322 §3.6.4 suggests), else this machine's name.
 */
export function messageIdHost(s: MailSettings): string {
  const domain = effectiveFrom(s).address.split('@')[1] ?? '';
  const host = /^[A-Za-z0-9.-]+$/.test(domain) ? domain : hostname().replace(/[^A-Za-z0-9.-]/g, '');
  return host || 'localhost';
}

/** The settings and the password to write, or an error naming what is wrong. */
export interface SettingsChange {
  settings: Omit<MailSettings, 'updatedAt' | 'updatedBy'>;
  /** undefined: keep the stored one; null: none; a string: the new one. */
  password: string | null | undefined;
}

/**
 * Works out the new settings from the administrator's input and what is stored. The stored
 * password is kept only while it would go to the same server as the same user over a
 * connection at least as protected: otherwise whoever changed the host would receive it.
 */
export function settingsChange(current: MailSettings, hasPassword: boolean, input: MailSettingsChange): SettingsChange {
  const from = input.from === undefined ? current.from : input.from;
  if (input.transport === 'folder' && !current.folder) {
    throw new GatepassError('VALIDATION_FAILED', 'This server has no mail folder: start it with --mail-folder DIR to use the folder transport', [
      { path: 'transport', message: 'No mail folder is set for this server' },
    ]);
  }
  let smtp = current.smtp;
  let password: string | null | undefined;
  if (input.smtp) {
    const next: SmtpServerSettings = {
      host: input.smtp.host,
      port: input.smtp.port ?? DEFAULT_SMTP_PORT[input.smtp.security],
      security: input.smtp.security,
      user: input.smtp.user,
    };
    if (next.user === '') {
      password = null;
    } else if (input.smtp.password === undefined) {
      const sameServer = current.smtp !== null && current.smtp.host.toLowerCase() === next.host.toLowerCase() && current.smtp.user === next.user;
      const weaker = next.security === 'none' && current.smtp?.security !== 'none';
      if (!hasPassword || !sameServer || weaker) {
        throw new GatepassError('VALIDATION_FAILED', 'Enter the SMTP password: the stored one is only kept for the same server, user and protection', [
          { path: 'smtp.password', message: 'Enter the password' },
        ]);
      }
      password = undefined;
    } else {
      if (input.smtp.password === null || input.smtp.password === '') {
        throw new GatepassError('VALIDATION_FAILED', 'The SMTP user needs a password (leave the user empty for a server that takes mail without signing in)', [
          { path: 'smtp.password', message: 'Enter the password' },
        ]);
      }
      password = input.smtp.password;
    }
    smtp = next;
  }
  if (input.transport === 'smtp' && !smtp) {
    throw new GatepassError('VALIDATION_FAILED', 'The SMTP transport needs its server', [{ path: 'smtp', message: 'Required' }]);
  }
  if (input.transport === 'smtp' && !from) {
    // A relay rewrites or refuses a made-up sender; the administrator must say who mail is from.
    throw new GatepassError('VALIDATION_FAILED', 'The SMTP transport needs a From address', [{ path: 'from', message: 'Required' }]);
  }
  return { settings: { transport: input.transport, from, smtp, folder: current.folder }, password };
}

/**
 * Writes the settings (and the password, sealed, when it changes) inside the caller's
 * transaction. A password to keep on a server without a secret key: SECRET_KEY_UNAVAILABLE.
 */
export async function writeMailSettings(trx: Kysely<Database>, change: SettingsChange, by: string, at: Date, box: SecretBox | null): Promise<MailSettings> {
  const settings: MailSettings = { ...change.settings, updatedAt: at.toISOString(), updatedBy: by };
  const value = JSON.stringify(settings);
  const sealed = typeof change.password === 'string' ? sealPassword(box, change.password) : null;
  await trx
    .insertInto('settings')
    .values({ key: SETTINGS_KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
  if (change.password === null) {
    await trx.deleteFrom('settings').where('key', '=', PASSWORD_KEY).execute();
  } else if (sealed !== null) {
    const stored = JSON.stringify({ sealed });
    await trx
      .insertInto('settings')
      .values({ key: PASSWORD_KEY, value: stored })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: stored }))
      .execute();
  }
  return settings;
}

/** Whether a password is stored (for the "keep it" rule). */
export async function hasStoredPassword(db: Kysely<Database>): Promise<boolean> {
  return (await loadSealedPassword(db)) !== null;
}

/**
 * After a key rotation: re-seals the stored SMTP password with the current key when an older
 * key of the box sealed it (as two-step secrets are re-sealed at start). True when it did.
 */
export async function resealMailPassword(db: Kysely<Database>, box: SecretBox): Promise<boolean> {
  const sealed = await loadSealedPassword(db);
  if (sealed === null || box.keyIdOf(sealed) === box.currentKeyId) return false;
  const password = openPassword(box, sealed);
  if (password === null) return false;
  const stored = JSON.stringify({ sealed: sealPassword(box, password) });
  const r = await db.updateTable('settings').set({ value: stored }).where('key', '=', PASSWORD_KEY).where('value', '=', JSON.stringify({ sealed })).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** One line for the audit log and the server log: the settings, never the password. */
export function describeSettings(s: Omit<MailSettings, 'updatedAt' | 'updatedBy'>, password: string | null | undefined): string {
  const parts = [`transport=${s.transport}`];
  if (s.from) parts.push(`from=${s.from}`);
  if (s.transport === 'smtp' && s.smtp) {
    parts.push(`smtp=${s.smtp.user ? `${s.smtp.user}@` : ''}${s.smtp.host}:${s.smtp.port}`, `security=${s.smtp.security}`);
    if (s.smtp.user) parts.push(`password=${password === undefined ? 'kept' : password === null ? 'none' : 'set'}`);
  }
  if (s.transport === 'folder' && s.folder) parts.push(`folder=${s.folder}`);
  return parts.join(' ');
}

/** An SMTP server from a URL, with its password (which must never be printed). */
export interface SmtpUrl {
  smtp: SmtpServerSettings;
  password: string | null;
}

/**
 * Parses `smtp://[user[:password]@]host[:port][?security=starttls|none]` and
 * `smtps://[user[:password]@]host[:port]`. smtps is implicit TLS (port 465); smtp requires
 * STARTTLS (port 587) unless `?security=none` asks for a plain connection (port 25). User and
 * password are percent-decoded. Errors never repeat the URL: it may hold the password.
 */
export function parseSmtpUrl(text: string): SmtpUrl {
  const bad = (why: string) => new GatepassError('VALIDATION_FAILED', `The SMTP URL is not usable: ${why}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('write it as smtp://user:password@host:port or smtps://...');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw bad('the scheme must be smtp:// or smtps://');
  if (!url.hostname) throw bad('it names no host');
  if (url.pathname !== '' && url.pathname !== '/') throw bad('it must not have a path');
  if (url.hash) throw bad('it must not have a #fragment');
  let security: SmtpSecurity = url.protocol === 'smtps:' ? 'tls' : 'starttls';
  for (const [key, value] of url.searchParams) {
    if (key !== 'security') throw bad(`unknown option "${key}" (only ?security=starttls|none)`);
    if (url.protocol === 'smtps:') throw bad('smtps:// is always TLS: leave out ?security');
    if (value !== 'starttls' && value !== 'none') throw bad('?security must be starttls or none');
    security = value;
  }
  let user: string;
  let password: string | null;
  try {
    user = decodeURIComponent(url.username);
    password = url.password === '' ? null : decodeURIComponent(url.password);
  } catch {
    throw bad('the user or password is not valid percent-encoding');
  }
  if (password !== null && user === '') throw bad('a password needs a user');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : DEFAULT_SMTP_PORT[security];
  return { smtp: { host, port, security, user }, password };
}

/** Mail settings given where the server is started (`gatepass server --smtp-url ...`, the embedded server). */
export interface MailStartOptions {
  /** `smtp://` or `smtps://` URL: the SMTP transport, set at every start. Never logged. */
  smtpUrl?: string;
  /** The password when the URL names a user without one (the CLI reads GATEPASS_SMTP_PASSWORD). */
  smtpPassword?: string;
  /** The From address (with or without a display name), set at every start. */
  from?: string;
  /** A folder: the folder transport, set at every start. */
  folder?: string;
  /** The folder transport unless a transport was ever chosen (the embedded server of `npm start`). */
  defaultFolder?: string;
}

/**
 * The settings the start options ask for, over the stored ones: `password` is what the
 * password must be (undefined when the options say nothing about it).
 */
export function startSettings(current: MailSettings, opts: MailStartOptions): SettingsChange {
  if (opts.smtpUrl !== undefined && opts.folder !== undefined) {
    throw new GatepassError('VALIDATION_FAILED', 'Choose one mail transport: an SMTP URL or a mail folder, not both');
  }
  if (opts.from !== undefined && parseMailbox(opts.from) === null) {
    throw new GatepassError('VALIDATION_FAILED', 'The mail From is not an address such as gatepass@example.org or "Gatepass <gatepass@example.org>"');
  }
  const settings: SettingsChange['settings'] = { transport: current.transport, from: opts.from ?? current.from, smtp: current.smtp, folder: current.folder };
  let password: string | null | undefined;
  if (opts.smtpUrl !== undefined) {
    const url = parseSmtpUrl(opts.smtpUrl);
    const pw = url.password ?? (opts.smtpPassword || null);
    if (url.smtp.user && pw === null) {
      throw new GatepassError('VALIDATION_FAILED', 'The SMTP URL names a user but no password: add it to the URL or set GATEPASS_SMTP_PASSWORD');
    }
    settings.transport = 'smtp';
    settings.smtp = url.smtp;
    // Without --mail-from: the stored From, else the SMTP user when it is an address, else gatepass@<this host>.
    settings.from ??= parseMailbox(url.smtp.user) ? url.smtp.user : `gatepass@${hostname()}`;
    password = url.smtp.user ? pw : null;
  } else if (opts.folder !== undefined) {
    settings.transport = 'folder';
    settings.folder = opts.folder;
  } else if (opts.defaultFolder !== undefined) {
    settings.folder ??= opts.defaultFolder;
    // Only a server whose mail was never set up: an administrator's choice (even "none") stands.
    if (current.updatedAt === null) settings.transport = 'folder';
  }
  return { settings, password };
}

const bare = (s: MailSettings | SettingsChange['settings']) => JSON.stringify([s.transport, s.from, s.smtp, s.folder]);

/**
 * Applies the start options to the stored settings, so every replica and the console see
 * what the command line chose; written and audited only when something changes. Returns
 * the audit line of the change (never the password), or null when nothing changed.
 */
export async function applyStartOptions(db: Kysely<Database>, opts: MailStartOptions, at: Date, box: SecretBox | null): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const current = await loadMailSettings(trx);
    const sealed = await loadSealedPassword(trx);
    const change = startSettings(current, opts);
    // The same password again is no change (compared opened: each sealing differs).
    if (typeof change.password === 'string' && sealed !== null && openPassword(box, sealed) === change.password) change.password = undefined;
    if (change.password === null && sealed === null) change.password = undefined;
    if (bare(change.settings) === bare(current) && change.password === undefined) return null;
    await writeMailSettings(trx, change, COMMAND_LINE, at, box);
    const detail = describeSettings(change.settings, change.password);
    await recordAudit(trx, at, { actor: COMMAND_LINE, action: 'mail.settings_update', detail });
    return detail;
  });
}

/** Throws what is wrong with start options before anything is opened or written. */
export function checkMailStartOptions(opts: MailStartOptions): void {
  startSettings(NO_SETTINGS, opts);
}

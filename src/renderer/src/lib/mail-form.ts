import {
  DEFAULT_SMTP_PORT,
  MailboxSchema,
  type MailSettingsInput,
  type MailSettingsView,
  type MailTransportKind,
  type SmtpSecurity,
} from '../../../shared/model/mail';

/**
 * The Mail settings form as data: its state, what is wrong with it, and what it sends. Pure, so
 * the rules the server applies (docs/mail.md) are tested here and the form says them before a
 * round trip. The SMTP password is write-only: the form never has the stored one, only whether
 * one is set, and chooses to keep it, replace it or remove it.
 */

/** What happens to the SMTP password on Save. */
export type PasswordChoice = 'keep' | 'new' | 'none';

export interface MailDraft {
  readonly transport: MailTransportKind;
  readonly from: string;
  readonly host: string;
  /** As typed, so a half-typed number is not lost. */
  readonly port: string;
  readonly security: SmtpSecurity;
  readonly user: string;
  readonly passwordChoice: PasswordChoice;
  /** The new password (passwordChoice 'new'); never the stored one. */
  readonly password: string;
}

/** The form as the server's settings fill it. */
export function toMailDraft(v: MailSettingsView): MailDraft {
  return {
    transport: v.transport,
    from: v.from ?? '',
    host: v.smtp?.host ?? '',
    port: String(v.smtp?.port ?? DEFAULT_SMTP_PORT.starttls),
    security: v.smtp?.security ?? 'starttls',
    user: v.smtp?.user ?? '',
    passwordChoice: v.smtp?.passwordSet ? 'keep' : 'none',
    password: '',
  };
}

/** A new security keeps a port the administrator chose, and moves one that was the old security's usual port. */
export function withSecurity(d: MailDraft, security: SmtpSecurity): MailDraft {
  const usual = d.port.trim() === '' || Number(d.port) === DEFAULT_SMTP_PORT[d.security];
  return { ...d, security, port: usual ? String(DEFAULT_SMTP_PORT[security]) : d.port };
}

/** The port as a number, or null when it is not one from 1 to 65535. */
export function parsePort(text: string): number | null {
  if (!/^\s*\d{1,5}\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

/**
 * Whether the stored password may be kept with these settings: the server sends it only to the
 * server and user it was set for, over a connection at least as protected (it refuses the
 * change otherwise, so whoever changes the host never receives it).
 */
export function canKeepPassword(d: MailDraft, saved: MailSettingsView): boolean {
  const s = saved.smtp;
  if (!s?.passwordSet) return false;
  if (s.host.toLowerCase() !== d.host.trim().toLowerCase() || s.user !== d.user.trim()) return false;
  return !(d.security === 'none' && s.security !== 'none');
}

/** The password choice in effect: "keep" where it cannot be kept becomes "enter it again". */
export function effectivePasswordChoice(d: MailDraft, saved: MailSettingsView): PasswordChoice {
  if (d.user.trim() === '') return 'none';
  if (d.passwordChoice === 'keep' && !canKeepPassword(d, saved)) return 'new';
  return d.passwordChoice;
}

/** Whether Save would change anything. */
export function mailDraftChanged(d: MailDraft, saved: MailSettingsView): boolean {
  const s = toMailDraft(saved);
  if (d.transport !== s.transport || d.from.trim() !== s.from) return true;
  if (d.transport !== 'smtp') return false;
  const port = parsePort(d.port);
  return (
    d.host.trim() !== s.host ||
    (port === null ? d.port.trim() !== s.port : String(port) !== s.port) ||
    d.security !== s.security ||
    d.user.trim() !== s.user ||
    effectivePasswordChoice(d, saved) !== s.passwordChoice
  );
}

/** What is wrong with the form, by field, in sentences; empty when Save may go. */
export interface MailProblems {
  from?: string;
  host?: string;
  port?: string;
  password?: string;
}

export function mailProblems(d: MailDraft, saved: MailSettingsView): MailProblems {
  const p: MailProblems = {};
  const from = d.from.trim();
  if (from === '' && d.transport === 'smtp') p.from = 'Messages need a From address, such as Gatepass <gatepass@example.org>';
  else if (from !== '' && !MailboxSchema.safeParse(from).success) p.from = 'An address such as gatepass@example.org or Gatepass <gatepass@example.org>';
  if (d.transport !== 'smtp') return p;
  if (d.host.trim() === '') p.host = 'The name or address of the SMTP server';
  else if (!/^[A-Za-z0-9.:[\]-]+$/.test(d.host.trim())) p.host = 'A host name or IP address, such as smtp.example.org';
  if (parsePort(d.port) === null) p.port = 'A port from 1 to 65535';
  const choice = effectivePasswordChoice(d, saved);
  if (choice === 'new' && d.password === '') {
    p.password =
      d.passwordChoice === 'keep'
        ? 'Enter the password again: the stored one is only ever sent to the server and user it was set for'
        : 'Enter the password of this user';
  } else if (choice === 'none' && d.user.trim() !== '') {
    // The server refuses a user without a password: a relay that takes mail without signing in has no user either.
    p.password = 'Enter the password of this user, or clear the user for a server that takes mail without signing in';
  }
  return p;
}

/** The PUT body: SMTP only when SMTP is chosen; the password left out to keep it, null to remove it. */
export function mailInput(d: MailDraft, saved: MailSettingsView): MailSettingsInput {
  const from = d.from.trim();
  const input: MailSettingsInput = { transport: d.transport, from: from === '' ? null : from };
  if (d.transport !== 'smtp') return input;
  const choice = effectivePasswordChoice(d, saved);
  return {
    ...input,
    smtp: {
      host: d.host.trim(),
      port: parsePort(d.port) ?? DEFAULT_SMTP_PORT[d.security],
      security: d.security,
      user: d.user.trim(),
      ...(choice === 'keep' ? {} : { password: choice === 'new' ? d.password : null }),
    },
  };
}

import type { Generated } from 'kysely';

/**
 * The server's tables as Kysely sees them. Times are ISO-8601 UTC strings
 * (`2025-01-02T03:04:05.678Z`): the fixed width makes text comparison chronological, and
 * the same column type works on SQLite and PostgreSQL.
 */
export interface Database {
  admins: AdminTable;
  admin_sessions: AdminSessionTable;
  admin_signin_failures: SigninFailureTable;
  users: UserTable;
  user_sessions: UserSessionTable;
  qr_credentials: QrCredentialTable;
  audit_log: AuditTable;
  settings: SettingTable;
  totp_factors: TotpFactorTable;
  totp_enrolments: TotpEnrolmentTable;
  recovery_codes: RecoveryCodeTable;
  signin_pending: SigninPendingTable;
  user_signin_failures: SigninFailureTable;
  mail_batches: MailBatchTable;
  mail_outbox: MailOutboxTable;
}

/** Whose two-step verification a row is: a user's or an administrator's (ids of either table). */
export type AccountKind = 'user' | 'admin';

export interface AdminTable {
  id: string;
  login: string;
  password_hash: string;
  created_at: string;
}

export interface AdminSessionTable {
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  token_hash: string;
  admin_id: string;
  created_at: string;
  expires_at: string;
}

export interface SigninFailureTable {
  id: string;
  /** The login as tried, lowercased; failures are counted per login across replicas. */
  login_key: string;
  at: string;
}

export interface UserTable {
  id: string;
  login: string;
  /** Lowercased login: unique, so two users cannot differ only by case. */
  login_key: string;
  display_name: string;
  email: string;
  /** Lowercased "login\ndisplay name\nemail": one column for the substring search, lowercased in JS
   * (full Unicode) because SQLite's lower() only folds ASCII. */
  search_text: string;
  /** argon2id PHC string, or null for a user who has no password yet (demo users). */
  password_hash: string | null;
  created_at: string;
  updated_at: string;
  /** naturalKey() of login, display name and email: what the list sorts by (indexed). */
  login_sort: string;
  name_sort: string;
  email_sort: string;
  /**
   * issued_at of the user's live QR credential, '' when there is none (never issued, or voided),
   * kept in the transactions that issue and void, so "sort by QR issued" is an index walk.
   * Never NULL: SQLite and PostgreSQL order NULLs differently.
   */
  qr_issued_at: Generated<string>;
  /** Sessions started and not ended (expired ones are swept hourly): "sort by Sessions". */
  sessions_active: Generated<number>;
  /** 1 when two-step verification is on (issue 9), else 0. */
  totp_enabled: Generated<number>;
  /** '' while the user may sign in; when they were disabled otherwise (no sign-in by any path). */
  disabled_at: Generated<string>;
}

export interface UserSessionTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  /** 'qr': a device signed in with a QR card or .usr file; 'password': a password sign-in (with its second factor when the user has one). */
  method: Generated<'qr' | 'password'>;
}

export interface QrCredentialTable {
  /** The public half of `<id>.<secret>`. */
  id: string;
  user_id: string;
  /** The user's login when issued: a credential is only good for that login. */
  login: string;
  /** SHA-256 (hex) of the secret half. */
  secret_hash: string;
  issued_at: string;
  expires_at: string | null;
  voided_at: string | null;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: string | null;
}

export interface SettingTable {
  key: string;
  /** JSON. */
  value: string;
}

/** A confirmed TOTP factor (migration 0003). While a row exists the account has two-step verification on. */
export interface TotpFactorTable {
  kind: AccountKind;
  account_id: string;
  /** The base32 secret, sealed by the secret box (AES-256-GCM, key id inside). */
  secret_enc: string;
  confirmed_at: string;
  /** The last time step accepted; only a later step is accepted next (RFC 6238 §5.2). */
  last_used_step: Generated<number>;
  last_used_at: string | null;
  /** The device's clock offset in steps, found by a resync and applied to every check. */
  drift_steps: Generated<number>;
  /** Wrong codes in a row (reset by a right one or by an administrator). */
  failed_count: Generated<number>;
  /** '' or the instant before which no code is checked (back-off after 10 wrong codes). */
  next_try_at: Generated<string>;
}

/** An enrolment started and not yet confirmed with a code; it expires. */
export interface TotpEnrolmentTable {
  kind: AccountKind;
  account_id: string;
  secret_enc: string;
  started_at: string;
  expires_at: string;
}

/** One recovery code, kept as the SHA-256 of its canonical form; used_at set once, atomically. */
export interface RecoveryCodeTable {
  kind: AccountKind;
  account_id: string;
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

/** A sign-in between its password and its second factor, or an enrolment-only session. */
export interface SigninPendingTable {
  token_hash: string;
  kind: AccountKind;
  account_id: string;
  purpose: 'second_factor' | 'enrolment';
  created_at: string;
  expires_at: string;
}

/** What a caller queued at once (a provisioning run, a test message): the unit of the per-user report. */
export interface MailBatchTable {
  id: string;
  /** The kind of its messages: 'provisioning', 'test', later 'otp'. */
  kind: string;
  created_at: string;
  /** Login of the administrator who queued it, or 'server'. */
  created_by: string;
  total: number;
}

/** Where a message is: docs/mail.md, "Outbox states". */
export type MailStatus = 'queued' | 'sending' | 'sent' | 'failed';

/** Why a message failed, as a stable code (the reply text is in last_error). */
export type MailFailure = 'no_transport' | 'rejected' | 'retries_exhausted' | 'expired';

/** One outgoing message (src/server/mail/outbox.ts). */
export interface MailOutboxTable {
  id: string;
  batch_id: string;
  /** The message's place in its batch: the report lists them in the order they were queued. */
  seq: number;
  /** The caller's reference (a user id), so the report maps back to users. */
  ref: string | null;
  kind: string;
  /** `<uuid@host>`, fixed when queued and in the message itself: every attempt carries the same one. */
  message_id: string;
  /** The envelope recipient (RCPT TO). */
  to_address: string;
  /** The envelope sender (MAIL FROM). */
  from_address: string;
  /** Kept for the report; a subject never carries a secret. */
  subject: string;
  /**
   * What the message is built from (src/server/mail/compose.ts StoredMessage, JSON): From, To,
   * subject, HTML, text, inline images. Built the same way at every attempt. NULL once sent
   * or failed: it may carry a code.
   */
  content: string | null;
  status: MailStatus;
  failure: MailFailure | null;
  /** The mail server's reply (or the connection error) of the last failed attempt; never a secret. */
  last_error: string | null;
  /** Times the message was claimed for sending. */
  attempts: Generated<number>;
  /** When a queued message may next be claimed. */
  next_attempt_at: string;
  /** The sender holding the lease while `sending`; once finished, the one that sent it or gave up. */
  claimed_by: string | null;
  /** The lease: after it, another sender may claim the message again (a crash mid-send). */
  claimed_until: string | null;
  /** Not sent after this, it fails as `expired` (a provisioning code past its validity). */
  expires_at: string | null;
  created_at: string;
  sent_at: string | null;
  /** The mail server's answer to the accepted message (its queue id). */
  sent_reply: string | null;
  /** When it became sent or failed. */
  finished_at: string | null;
}

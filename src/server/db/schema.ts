import type { Generated } from 'kysely';

/**
 * The server's tables as Kysely sees them. Times are ISO-8601 UTC strings
 * (`2025-01-02T03:04:05.678Z`): the fixed width makes text comparison chronological, and
 * the same column type works on SQLite and PostgreSQL.
 */
export interface Database {
  admins: AdminTable;
  admin_sessions: AdminSessionTable;
  users: UserTable;
  user_sessions: UserSessionTable;
  qr_credentials: QrCredentialTable;
  audit_log: AuditTable;
  settings: SettingTable;
  totp_factors: TotpFactorTable;
  totp_enrolments: TotpEnrolmentTable;
  recovery_codes: RecoveryCodeTable;
  signin_pending: SigninPendingTable;
  mail_batches: MailBatchTable;
  mail_outbox: MailOutboxTable;
  computers: ComputerTable;
  email_otps: EmailOtpTable;
  client_sessions: ClientSessionTable;
  otp_request_failures: OtpRequestFailureTable;
  provision_codes: ProvisionCodeTable;
  devices: DeviceTable;
  provision_failures: ProvisionFailureTable;
  signin_throttle: SigninThrottleTable;
  signin_known_sources: SigninKnownSourceTable;
}

/** One sign-in limit's count (src/server/security/signin-throttle.ts). */
export interface SigninThrottleTable {
  /** `<scope>|src-login|<source>|<login>`, `src|<source>` or `<scope>|login|<login>`. */
  bucket: string;
  /** The scope and login a bucket holds back (null for a source's own), so an unlock finds them. */
  scope: string | null;
  login_key: string | null;
  /** Tries charged since the count last started again. */
  failures: number;
  /** No try before this instant; '' when none is due. */
  next_at: string;
  updated_at: string;
}

/** An address a login signed in from: its tries are not held back by the login's count from new addresses. */
export interface SigninKnownSourceTable {
  scope: string;
  login_key: string;
  source: string;
  last_success_at: string;
}

/** Whose two-step verification a row is: a user's or an administrator's (ids of either table). */
export type AccountKind = 'user' | 'admin';

/**
 * Whose TOTP secret a factor row holds: an account's own authenticator app, or a provisioned
 * device of a user (account_id is then the device's id; the device row names its user).
 */
export type FactorKind = AccountKind | 'device';

export interface AdminTable {
  id: string;
  login: string;
  password_hash: string;
  created_at: string;
  /** '' while the administrator may sign in; when they were disabled otherwise. */
  disabled_at: Generated<string>;
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
  /** 'internal' (made in Gatepass) or 'directory' (mirrored from a directory): issue 11. */
  source: Generated<'internal' | 'directory'>;
  /** 1 while the user may use mobile authentication (provision a phone), else 0 (issue 10). */
  mobile_allowed: Generated<number>;
}

export interface UserSessionTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  /** 'qr': a device signed in with a QR card or .usr file; 'password': a password sign-in (with its second factor when the user has one). */
  method: Generated<'qr' | 'password' | 'device'>;
  /** The provisioned device a 'device' session belongs to, so revoking the device ends exactly its sessions. */
  device_id: string | null;
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
  /** The client's address (request.ip) when the entry came from a request; null otherwise. */
  source: string | null;
}

export interface SettingTable {
  key: string;
  /** JSON. */
  value: string;
}

/** A confirmed TOTP factor (migration 0003). While a row exists the account has two-step verification on. */
export interface TotpFactorTable {
  kind: FactorKind;
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

/** A computer whose agent signs users in with one-time passwords by email (migration 0006, docs/email-otp.md). */
export interface ComputerTable {
  id: string;
  name: string;
  /** Lowercased name: unique among computers that are not revoked. */
  name_key: string;
  /** The public half of the agent's credential `<id>.<secret>`. */
  credential_id: string;
  /** SHA-256 (hex) of the secret half. */
  secret_hash: string;
  registered_at: string;
  registered_by: string;
  /** The last authenticated call of its agent (kept to the minute). */
  last_seen_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  /** '' or the instant before which no new one-time password is made for this computer (once per hour). */
  next_new_otp_at: Generated<string>;
}

/** How a one-time password was asked for. */
export type OtpMode = 'email' | 'directory' | 'internal' | 'emergency';

/** A one-time password for (a computer, a user), mailed to the user. Never the code itself: its HMAC and, while it may be used, a sealed copy for re-sends. */
export interface EmailOtpTable {
  id: string;
  computer_id: string;
  user_id: string;
  /** The address it was mailed to, and its lowercased form (sign-ins give it). */
  email: string;
  email_key: string;
  mode: OtpMode;
  /** The signed-in OS account the agent named (directory requests), else null. */
  os_user: string | null;
  /** Which server key the HMAC (and the sealed copy) was made with. */
  key_id: string;
  /** HMAC-SHA-256 (hex) of the row id and the code, under a key derived from the server key. */
  code_hmac: string;
  /** The code sealed by the secret box, for a re-send; NULL once used, void or expired. */
  code_sealed: string | null;
  created_at: string;
  expires_at: string;
  sends: Generated<number>;
  last_sent_at: string;
  failed_tries: Generated<number>;
  used_at: string | null;
  voided_at: string | null;
  /** Why it was voided: 'too_many_tries', 'computer_revoked'. */
  void_reason: string | null;
}

/** A user signed in to a computer with a one-time password: the Client sessions list. */
export interface ClientSessionTable {
  id: string;
  computer_id: string;
  /** The computer's name when the session started (a list row survives a rename or revoke). */
  computer_name: string;
  /** Unique: one session per one-time password, whatever races. */
  otp_id: string;
  user_id: string;
  login: string;
  /** The account signed in on the computer, as the agent says it (or the login when it did not say). */
  os_user: string;
  email: string;
  /** Lowercased "os user\nlogin", email and computer name: what the list's filters match. */
  user_key: string;
  email_key: string;
  computer_key: string;
  emergency: Generated<number>;
  started_at: string;
  ended_at: string | null;
  /** 'signed_out' (the agent ended it) or 'computer_revoked'. */
  end_reason: string | null;
}

/** A request for a one-time password that named nobody (unknown address or account): counted per computer. */
export interface OtpRequestFailureTable {
  id: string;
  computer_id: string;
  at: string;
}

/**
 * A user's provisioning code (migration 0007): one row per user, replaced by a new code, so a
 * new code voids the old. Kept when the user is deleted (user_deleted_at set), so a device
 * redeeming it can be told the user was removed (REPROVISION_NOT_AVAILABLE).
 */
export interface ProvisionCodeTable {
  /** No foreign key: the row outlives the user it was issued to. */
  user_id: string;
  login: string;
  /** Lowercased login at issue: how a code of a removed user is found. */
  login_key: string;
  /** SHA-256 (hex) of the code; the code itself is never stored. */
  code_hash: string;
  issued_at: string;
  expires_at: string;
  issued_by: string;
  /** Set once, by the attempt that used the code (a conditional update). */
  used_at: string | null;
  /** Wrong codes tried against this code; at 5 it is void. */
  failed_count: Generated<number>;
  /** The device its redemption created. */
  device_id: string | null;
  /** When the user was deleted, or null. */
  user_deleted_at: string | null;
}

/** A device provisioned with a code: signs in with `<id>.<secret>`, gives TOTP codes (a totp_factors row of kind 'device'). */
export interface DeviceTable {
  /** The public half of the credential. */
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 (hex) of the credential's secret half. */
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** A failed redemption, counted per source address and per login across replicas (rate limits). */
export interface ProvisionFailureTable {
  id: string;
  source_key: string;
  login_key: string;
  at: string;
}

import { z } from 'zod';
import { installZodMessages } from './zod-messages';

// Every runtime that reports errors imports this module (main, the server, the browser host,
// the CLI; the renderer installs it in csp-setup.ts), so every schema failure is a sentence.
installZodMessages();

/**
 * Stable error codes. Every boundary (REST, IPC, HTTP host, CLI) carries errors as
 * `{ code, message }`: the UI shows the message, tests and scripts branch on the code.
 * Add codes; never rename or reuse one.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED', // input did not match its schema
  'UNKNOWN_CHANNEL', // IPC/HTTP channel not in the contract
  'FORBIDDEN_SENDER', // IPC from a frame/origin we did not load
  'AUTH_REQUIRED', // no or expired session/token
  'INVALID_CREDENTIALS', // wrong login or password
  'FORBIDDEN', // signed in but not allowed
  'NOT_FOUND',
  'LOGIN_TAKEN',
  'POLICY_VIOLATION', // password fails the server's policy
  'QR_CREDENTIAL_INVALID', // unknown, malformed, voided or expired sign-in credential (a QR card, a .usr file or a provisioned device's)
  'RATE_LIMITED',
  'SERVER_UNREACHABLE', // console could not reach a Gatepass server
  'SERVER_ERROR', // a Gatepass server answered with something unexpected
  'KEYCHAIN_UNAVAILABLE', // no OS keychain: the password is asked per session
  'SERVER_EXISTS',
  'JOB_NOT_FOUND',
  'CANCELLED',
  'WRITE_FAILED',
  'DISK_FULL',
  'PERMISSION_DENIED',
  'PAYLOAD_INVALID', // a QR payload or .usr file that is not ours or not this version
  'INTERNAL',
  'NOT_GATEPASS_SERVER', // the address answers, but not as a Gatepass server (a web server, a proxy page)
  'SECOND_FACTOR_REQUIRED', // the password was right; the account has two-step verification: give the code
  'TOTP_CODE_INVALID', // a wrong authenticator code (or, for resync, not two consecutive codes)
  'TOTP_CODE_REPLAYED', // a right code whose time step was already used: wait for the next code
  'RECOVERY_CODE_INVALID', // a wrong or already used recovery code
  'TOTP_LOCKED', // 100 wrong codes in a row: an administrator must let the account try again
  'TOTP_ENROLMENT_REQUIRED', // two-step verification is mandatory and this account has none
  'TOTP_ENROLMENT_EXPIRED', // no enrolment was started, or it expired before it was confirmed
  'TOTP_NOT_ENABLED', // the account has no two-step verification
  'ADMIN_TOTP_REQUIRED', // only an administrator with two-step verification may do this
  'CONFIRMATION_REQUIRED', // the change would lock users out: repeat it with the count acknowledged
  'DEVICE_SIGNIN_REFUSED', // QR cards and .usr files are refused while two-step verification is mandatory
  'TWO_STEP_UNAVAILABLE', // the server has no secret key for two-step secrets
  'RECOVERY_CODES_CHANGED', // the recovery codes were replaced after the form was shown (sent twice, or another tab)
  'SECRET_KEY_UNAVAILABLE', // a secret to keep (the SMTP password) cannot be sealed: the server has no secret key
  'HOST_NOT_ALLOWED', // the request named a host this server does not answer to (DNS rebinding guard)
  'TLS_PIN_MISMATCH', // the server's TLS key is not the one pinned in the code or file: nothing was sent
  'TLS_UNTRUSTED', // the server's certificate is not trusted by this machine (self-signed, expired, wrong name) and no pin vouches for it
  'ACCESS_DENIED', // a computer sign-in with a one-time password was denied (wrong, used, expired, another computer's): one answer for all
  'COMPUTER_EXISTS', // a registered computer already has this name
  'OTP_RECIPIENT_UNKNOWN', // no single active user has this address or account, or the user has no email address
  'OTP_MODE_NOT_ALLOWED', // the server's settings do not offer this way of requesting a one-time password
  'EMAIL_OTP_UNAVAILABLE', // the server has no secret key (or no mail transport) for one-time passwords by email
  'UNKNOWN_SERVER_ID', // provisioning: the server ID (the reference's Site ID) is missing or not this server's
  'INVALID_USERNAME', // provisioning: no user with this login on the server
  'INVALID_PROVISION_CODE', // provisioning: the code is wrong, used, expired or void after 5 wrong codes (one answer for all)
  'NOT_ENTITLED', // provisioning: the user may not use mobile authentication (or is disabled)
  'REPROVISION_NOT_AVAILABLE', // provisioning: the user was removed after the code was issued
  'NO_EMAIL_ADDRESS', // a provisioning mail for a user who has no e-mail address
  'MAIL_NOT_CONFIGURED', // mail was asked for, and the server has no mail transport (SMTP or folder)
  'ORIGIN_REQUIRED', // a browser-host console call without an Origin header: it did not come from the console's page
  'PAGE_KEY_REQUIRED', // a browser-host console call without a valid page key (the page asks for a new one)
  'LAST_ADMIN', // the change would leave the server with no enabled administrator
  'ISSUE_UNCONFIRMED', // the server stopped answering while it issued: the user may or may not have been re-keyed
  'PAYLOAD_TOO_LARGE', // the request body is larger than the route accepts (open routes: 16 KiB)
  'SERVER_BUSY', // the server is checking as many passwords as it can: try again after Retry-After (seconds)
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The wire shape of an error, identical on every boundary. */
export const ErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  /** Per-field or per-rule detail, e.g. policy violations; never secrets. */
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** An error that knows its stable code; thrown anywhere, serialised at boundaries. */
export class GatepassError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'GatepassError';
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** HTTP status for each code, used by the server and the browser host. */
export function httpStatusFor(code: string): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'PAYLOAD_INVALID':
      return 400;
    case 'AUTH_REQUIRED':
    case 'INVALID_CREDENTIALS':
    case 'QR_CREDENTIAL_INVALID':
    case 'INVALID_PROVISION_CODE':
    case 'SECOND_FACTOR_REQUIRED':
    case 'TOTP_CODE_INVALID':
    case 'TOTP_CODE_REPLAYED':
    case 'RECOVERY_CODE_INVALID':
      return 401;
    case 'FORBIDDEN':
    case 'FORBIDDEN_SENDER':
    case 'TOTP_LOCKED':
    case 'TOTP_ENROLMENT_REQUIRED':
    case 'ADMIN_TOTP_REQUIRED':
    case 'DEVICE_SIGNIN_REFUSED':
    case 'ACCESS_DENIED':
    case 'OTP_MODE_NOT_ALLOWED':
    case 'NOT_ENTITLED':
    case 'ORIGIN_REQUIRED':
    case 'PAGE_KEY_REQUIRED':
      return 403;
    case 'HOST_NOT_ALLOWED':
      // Misdirected Request (RFC 9110 §15.5.20): this server is not the one that name means.
      return 421;
    case 'NOT_FOUND':
    case 'UNKNOWN_CHANNEL':
    case 'JOB_NOT_FOUND':
    case 'OTP_RECIPIENT_UNKNOWN':
    case 'UNKNOWN_SERVER_ID':
    case 'INVALID_USERNAME':
      return 404;
    case 'LOGIN_TAKEN':
    case 'SERVER_EXISTS':
    case 'TOTP_ENROLMENT_EXPIRED':
    case 'TOTP_NOT_ENABLED':
    case 'CONFIRMATION_REQUIRED':
    case 'RECOVERY_CODES_CHANGED':
    case 'COMPUTER_EXISTS':
    case 'MAIL_NOT_CONFIGURED':
    case 'LAST_ADMIN':
      return 409;
    case 'REPROVISION_NOT_AVAILABLE':
      return 410;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'POLICY_VIOLATION':
    case 'NO_EMAIL_ADDRESS':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'SERVER_UNREACHABLE':
    case 'SERVER_ERROR':
    case 'NOT_GATEPASS_SERVER':
    case 'TLS_PIN_MISMATCH':
    case 'TLS_UNTRUSTED':
      return 502;
    case 'TWO_STEP_UNAVAILABLE':
    case 'SECRET_KEY_UNAVAILABLE':
    case 'EMAIL_OTP_UNAVAILABLE':
    case 'SERVER_BUSY':
      return 503;
    default:
      return 500;
  }
}

/** Turns anything thrown into a wire error without leaking internals or secrets. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof GatepassError) return err.toBody();
  if (err instanceof z.ZodError) {
    return {
      code: 'VALIDATION_FAILED',
      message: formatZodError(err),
      details: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    };
  }
  return { code: 'INTERNAL', message: 'Internal error' };
}

/**
 * One readable line for a schema failure: its sentences ("Minimum length must be at least 8"),
 * each saying which item of a list it is about when it is about one ("Login is required (item 3)").
 */
export function formatZodError(err: z.ZodError): string {
  const first = err.issues.slice(0, 3).map((i) => {
    const index = [...i.path].reverse().find((k): k is number => typeof k === 'number');
    return index === undefined ? i.message : `${i.message} (item ${index + 1})`;
  });
  const more = err.issues.length > 3 ? ` (and ${err.issues.length - 3} more)` : '';
  return `${first.join('; ')}${more}`;
}

import type { ErrorBody } from '../../shared/errors';

/**
 * What the portal says about a refusal, in plain sentences for the person at the keyboard:
 * the services' messages where they already are such sentences, our own where a person needs
 * something else (a wait in minutes rather than seconds, who can help). Pure.
 */

/** "8 seconds", "1 minute", "15 minutes", "1 hour". */
export function waitText(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} ${s === 1 ? 'second' : 'seconds'}`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `${m} ${m === 1 ? 'minute' : 'minutes'}`;
  const h = Math.ceil(m / 60);
  return `${h} ${h === 1 ? 'hour' : 'hours'}`;
}

function retryAfter(body: ErrorBody): number | null {
  const v = (body.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Where a refusal happened: a password, or a code (authenticator or recovery). */
export type RefusalContext = 'password' | 'code';

/** The sentence to show for a refusal. */
export function refusalSentence(body: ErrorBody, where: RefusalContext): string {
  const wait = retryAfter(body);
  switch (body.code) {
    case 'INVALID_CREDENTIALS':
      return where === 'password' ? 'The login or password is wrong.' : body.message;
    case 'RATE_LIMITED':
      if (where === 'password') return `Too many wrong passwords for this login. Try again in ${waitText(wait ?? 900)}.`;
      return `Too many wrong codes. Wait ${waitText(wait ?? 1)} before the next try.`;
    case 'TOTP_CODE_INVALID':
    case 'RECOVERY_CODE_INVALID': {
      // The service's sentence, with its wait (if any) said in words people use.
      const base = body.message.replace(/\s*Wait \d+ s before the next try\.$/, '');
      return wait !== null ? `${base} Wait ${waitText(wait)} before the next try.` : base;
    }
    case 'TOTP_LOCKED':
      return 'There were 100 wrong codes in a row, so this account cannot try codes any more. Ask your administrator to let you try again.';
    case 'TOTP_ENROLMENT_REQUIRED':
      return 'This server requires two-step verification and your account has none, and the time to set it up has ended. Ask your administrator for a new grace period, then sign in again to set it up.';
    case 'TWO_STEP_UNAVAILABLE':
      return 'Two-step verification is not available on this server right now (it has no secret key). Sign in with a recovery code, or tell your administrator.';
    case 'AUTH_REQUIRED':
      return 'This sign-in expired or was already completed. Sign in with your password again.';
    default:
      return body.message;
  }
}

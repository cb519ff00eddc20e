/**
 * When a message that failed for a transient reason is tried again (docs/mail.md, "Retries").
 * Exponential back-off with jitter, so a relay that comes back is not hit by every queued
 * message in the same second.
 */
export interface RetryPolicy {
  /** Delay after the first failed attempt. */
  baseMs: number;
  /** The delay never grows beyond this. */
  maxMs: number;
  /** Attempts in all; after the last transient failure the message fails as `retries_exhausted`. */
  maxAttempts: number;
  /** Each delay is moved by up to this fraction either way (0 = exact). */
  jitter: number;
}

/** 30 s, 1, 2, 4, 8, 16, 30, 30, 30 min: ten attempts over about two hours. */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 30_000, maxMs: 30 * 60_000, maxAttempts: 10, jitter: 0.2 };

/** The delay after failed attempt number `attempt` (1-based), before jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** When to try again after failed attempt `attempt`; `random` in [0, 1). */
export function nextAttemptAt(policy: RetryPolicy, attempt: number, now: Date, random: number = Math.random()): Date {
  const base = backoffMs(policy, attempt);
  const spread = base * policy.jitter * (2 * random - 1);
  return new Date(now.getTime() + Math.max(0, Math.round(base + spread)));
}

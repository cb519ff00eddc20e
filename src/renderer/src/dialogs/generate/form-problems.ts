import type { PasswordMode } from '../../../../shared/ipc/contract';
import { parseTemplateStart } from '../../../../shared/password-template';
import { checkAgainstServer, type PolicyViolation, type ServerPolicy } from '../../../../shared/model/password-policy';
import { formatCount } from '../../lib/format';
import type { TargetUser } from '../../store/types';

/** How the passwords are chosen: the contract's password modes. */
export type ModeKind = PasswordMode['kind'];

/** What the Generate dialog's form holds; only the chosen mode's fields count. */
export interface GenerateFields {
  readonly mode: ModeKind;
  readonly password: string;
  readonly confirm: string;
  readonly prefix: string;
  /** "Start from" as typed, so a half-typed number stays in the field. */
  readonly startText: string;
  readonly postfix: string;
  /** Unique mode's passwords by user id; a user without one is absent or ''. */
  readonly unique: Readonly<Record<string, string>>;
}

/** One password against the policy and its user's login; null when there is no password or no policy yet. */
export type PasswordVerdict = PolicyViolation[] | null;

/** What is wrong with the form, the first problem per field; `first` is the one that stops OK. */
export interface FormProblems {
  /** Why "Use template" and "Use unique" cannot be chosen. */
  readonly modes?: string;
  readonly password?: string;
  readonly confirm?: string;
  readonly start?: string;
  readonly first?: string;
}

/** "Start from" as the number qr:generate takes, or null; digits only, so no sign, decimals or exponent. */
export function templateStart(text: string): number | null {
  return parseTemplateStart(text)?.start ?? null;
}

/**
 * The mode the form stands for so far, for passwordsFor's draft (the live checks); null
 * while "Start from" is not a number, so the template gives no passwords yet.
 */
export function draftMode(f: Omit<GenerateFields, 'confirm'>): PasswordMode | null {
  switch (f.mode) {
    case 'same':
      return { kind: 'same', password: f.password };
    case 'template': {
      const start = parseTemplateStart(f.startText);
      return start === null ? null : { kind: 'template', prefix: f.prefix, ...start, postfix: f.postfix };
    }
    case 'unique':
      return { kind: 'unique', passwords: f.unique };
  }
}

/**
 * Each user's password checked as the server will check it (its rules, that user's login and
 * its list of common passwords), in the users' order.
 */
export function passwordVerdicts(users: readonly TargetUser[], passwords: readonly string[], policy: ServerPolicy | null): PasswordVerdict[] {
  if (!policy) return [];
  return passwords.map((pw, i) => (pw === '' ? null : checkAgainstServer(pw, policy, users[i]?.login ?? '')));
}

/** A user whose password fails, and why, for the confirmation step. */
export interface PolicyFailure {
  readonly login: string;
  readonly reason: string;
}

/** The users whose password fails, with the rules it breaks, at most `limit` of them, in the users' order. */
export function failingUsers(users: readonly TargetUser[] | null, verdicts: readonly PasswordVerdict[], limit: number): PolicyFailure[] {
  const out: PolicyFailure[] = [];
  if (!users) return out;
  for (let i = 0; i < verdicts.length && out.length < limit; i++) {
    const v = verdicts[i];
    if (v && v.length > 0) out.push({ login: users[i]?.login ?? '', reason: v.map((x) => x.message).join('; ') });
  }
  return out;
}

function failingCount(verdicts: readonly PasswordVerdict[]): number {
  return verdicts.reduce((k, v) => k + (v && v.length > 0 ? 1 : 0), 0);
}

/** How many passwords fail the policy, and the logins of the first five users they belong to. */
export function policyFailures(users: readonly TargetUser[] | null, verdicts: readonly PasswordVerdict[]): { count: number; first: string[] } {
  const first = users ? users.filter((_, i) => (verdicts[i]?.length ?? 0) > 0).slice(0, 5).map((u) => u.login) : [];
  return { count: failingCount(verdicts), first };
}

/** Unique mode: how many of the users have no password yet. */
export function missingPasswords(users: readonly TargetUser[] | null, unique: Readonly<Record<string, string>>): number {
  return users ? users.filter((u) => !unique[u.id]).length : 0;
}

/**
 * What stops the form, given what is typed, the users (null while their logins load, then
 * `count` stands in), whether it is "Generate again", the policy, and each user's verdict.
 * A template or unique passwords need 2 users or more, except for "Generate again"; a
 * password failing for some users is no problem (they get broken codes), for all it is.
 */
export function formProblems(
  f: GenerateFields,
  ctx: { users: readonly TargetUser[] | null; count: number; again: boolean; policy: ServerPolicy | null; verdicts: readonly PasswordVerdict[] },
): FormProblems {
  const { users, policy } = ctx;
  const modes = ctx.again || (users?.length ?? ctx.count) >= 2 ? undefined : 'Select two users or more for a template or unique passwords.';
  const everyFails = users !== null && failingCount(ctx.verdicts) === users.length;
  switch (f.mode) {
    case 'same': {
      const password = !f.password
        ? 'Enter the new password'
        : policy && checkAgainstServer(f.password, policy).length > 0
          ? 'The password does not meet the policy'
          : undefined;
      const confirm = f.confirm !== f.password ? 'The passwords do not match' : undefined;
      return { modes, password, confirm, first: password ?? confirm };
    }
    case 'template': {
      const start = templateStart(f.startText) === null ? 'A whole number from 0 to 1,000,000,000' : undefined;
      return { modes, start, first: start ? 'Enter the number to start from' : everyFails ? 'Every password from this template fails the policy' : undefined };
    }
    case 'unique': {
      const missing = missingPasswords(users, f.unique);
      return {
        modes,
        first: missing > 0 ? `${formatCount(missing, 'user has', 'users have')} no password yet: type one or use Generate all` : everyFails ? 'Every password fails the policy' : undefined,
      };
    }
  }
}

import { execFileSync } from 'node:child_process';
import type { User } from '../../shared/model/user';
import { call, okBody } from './client';

/**
 * The code an authenticator app shows at `at`, computed by `oathtool --totp` (OATH Toolkit):
 * a real peer, not our code, so the tests check what the server accepts against what apps show.
 */
export function oathtool(secret: string, at: Date): string {
  return execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${Math.floor(at.getTime() / 1000)}`], { encoding: 'utf8' }).trim();
}

/** A clock the test moves: the server's `now` reads it. */
export interface TestClock {
  now(): Date;
  set(at: Date | string): void;
  advance(ms: number): void;
}

/** A clock starting at `start` (default: a step boundary a year ahead of the machine's clock, so nothing real collides). */
export function testClock(start?: Date | string): TestClock {
  let t = start ? new Date(start).getTime() : Math.floor((Date.now() + 365 * 86_400_000) / 30_000) * 30_000;
  return {
    now: () => new Date(t),
    set: (at) => {
      t = new Date(at).getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A user with a password and two-step verification on, enrolled through the API with an oathtool code at the clock's now. */
export interface EnrolledUser {
  user: User;
  password: string;
  secret: string;
  recoveryCodes: string[];
}

/** Creates a user with `password` through the admin API. */
export async function userWithPassword(url: string, adminToken: string, login: string, password = 'Granite-Orchard-58'): Promise<User> {
  return okBody(await call(url, 'createUser', { body: { login, displayName: `Person ${login}`, password } }, adminToken));
}

/** Signs in with the password alone and expects a full session (no 2FA yet, nothing mandatory). */
export async function passwordSession(url: string, login: string, password: string): Promise<string> {
  const r = okBody(await call(url, 'userSignin', { body: { login, password } }));
  if (r.status !== 'signed_in') throw new Error(`expected a session, got ${r.status}`);
  return r.token;
}

/**
 * Enrols the account behind `token` (a user's password session or an admin session) with a
 * code oathtool computes at `at`: the step of `at` is used up by the confirmation.
 */
export async function enrol(url: string, token: string, at: Date): Promise<{ secret: string; recoveryCodes: string[] }> {
  const start = okBody(await call(url, 'startEnrolment', {}, token));
  const confirmed = okBody(await call(url, 'confirmEnrolment', { body: { code: oathtool(start.secret, at) } }, token));
  return { secret: start.secret, recoveryCodes: confirmed.recoveryCodes };
}

/** A new user, enrolled at the clock's now; move the clock a step on before their next code. */
export async function enrolledUser(url: string, adminToken: string, login: string, at: Date): Promise<EnrolledUser> {
  const password = 'Granite-Orchard-58';
  const user = await userWithPassword(url, adminToken, login, password);
  const token = await passwordSession(url, login, password);
  const { secret, recoveryCodes } = await enrol(url, token, at);
  await call(url, 'accountSignout', {}, token);
  return { user: { ...user, totpEnabled: true }, password, secret, recoveryCodes };
}

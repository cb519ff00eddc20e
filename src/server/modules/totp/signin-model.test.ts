import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { enrolledUser, oathtool, testClock } from '../../test-support/two-step';

// Issue 12, point 7: a stateful model of two-step sign-in (fast-check's model-based testing).
// Random sequences of sign-ins (right and wrong passwords, authenticator codes from the
// window, replays, wrong codes, recovery codes new and used, parallel copies of one code) and
// clock moves are run against a real server; after each, the server's answer must be what a
// simple model of the rules says: a step is accepted once, a recovery code once, wrong codes
// and wrong passwords are refused, and the number of recovery codes left counts down. The
// sign-in limits (signin-throttle.ts) are part of the model: every try is charged before the
// password is checked, and a try while a count is waiting is RATE_LIMITED. Each run plays a
// client at its own address (X-Forwarded-For from a trusted proxy), so runs do not share counts.

const STEP = 30_000;

/** One count of the sign-in limits, as the server keeps it. */
interface Bucket {
  failures: number;
  /** No try before this instant (ms); 0 when none is due. */
  nextAt: number;
  updatedAt: number;
}

/** The rules of signin-throttle.ts, written out again: free tries, the longest wait, when an idle count starts again. */
const RULES = {
  srcLogin: { free: 5, capMs: 15 * 60_000, resetMs: 86_400_000 },
  src: { free: 30, capMs: 15 * 60_000, resetMs: 3_600_000 },
  login: { free: 20, capMs: 5 * 60_000, resetMs: 86_400_000 },
} as const;
type BucketName = keyof typeof RULES;

interface Throttle {
  buckets: Record<BucketName, Bucket>;
  /** The login signed in from this address before: its count from new addresses does not apply. */
  known: boolean;
}

const emptyBucket = (): Bucket => ({ failures: 0, nextAt: 0, updatedAt: 0 });

/** A try at `now`: false (RATE_LIMITED, nothing charged) while a count waits, else every count charged. */
function charge(t: Throttle, now: number): boolean {
  // From an address the login is known from, only the count of that address and login.
  const names: BucketName[] = t.known ? ['srcLogin'] : ['srcLogin', 'src', 'login'];
  if (names.some((n) => t.buckets[n].nextAt > now)) return false;
  for (const n of names) {
    const b = t.buckets[n];
    const rule = RULES[n];
    const failures = (b.updatedAt < now - rule.resetMs ? 0 : b.failures) + 1;
    const wait = failures < rule.free ? 0 : Math.min(2 ** (failures - rule.free) * 1000, rule.capMs);
    t.buckets[n] = { failures, nextAt: wait > 0 ? now + wait : 0, updatedAt: now };
  }
  return true;
}

/** A right password: the login's counts start again, the address's gets this try back if it was charged one. */
function succeeded(t: Throttle, sourceCharged: boolean): void {
  t.buckets.srcLogin = emptyBucket();
  t.buckets.login = emptyBucket();
  if (sourceCharged) t.buckets.src = { ...t.buckets.src, failures: Math.max(0, t.buckets.src.failures - 1) };
  t.known = true;
}

interface Model {
  /** The newest step accepted (enrolment used its own). */
  lastStep: number;
  usedRecovery: Set<number>;
  wrongCodesInRow: number;
  wrongPasswords: number;
  throttle: Throttle;
}

interface Real {
  url: string;
  /** This run's client address (X-Forwarded-For). */
  source: string;
  clock: ReturnType<typeof testClock>;
  login: string;
  password: string;
  secret: string;
  recoveryCodes: string[];
}

type Answer = { status: string; recoveryCodesLeft?: number | null } | { code: string };

async function signIn(r: Real, extra: { password?: string; otp?: string; recoveryCode?: string }): Promise<Answer> {
  const res = await call(r.url, 'userSignin', {
    body: { login: r.login, password: extra.password ?? r.password, ...(extra.otp ? { otp: extra.otp } : {}), ...(extra.recoveryCode ? { recoveryCode: extra.recoveryCode } : {}) },
    headers: { 'x-forwarded-for': r.source },
  });
  return res.ok ? (res.body as Answer) : { code: res.error.code };
}

function stepOf(at: Date): number {
  return Math.floor(at.getTime() / STEP);
}

const RATE_LIMITED: Answer = { code: 'RATE_LIMITED' };
/** How often the limits refused a try over all runs: the property must have met them. */
let refusals = 0;

/**
 * One try with the right password: charged first; refused (RATE_LIMITED) while a count waits,
 * else `then` gives the model's answer and the password's success gives the charge back.
 */
function rightPasswordTry(m: Model, r: Real, then: () => Answer): Answer {
  const sourceCharged = !m.throttle.known;
  if (!charge(m.throttle, r.clock.now().getTime())) return RATE_LIMITED;
  succeeded(m.throttle, sourceCharged);
  return then();
}

function expectAnswer(got: Answer, want: Answer, what: string): void {
  if ('code' in got && got.code === 'RATE_LIMITED') refusals++;
  const pick = (a: Answer) => ('code' in a ? { code: a.code } : { status: a.status, ...(a.recoveryCodesLeft !== undefined && a.recoveryCodesLeft !== null ? { recoveryCodesLeft: a.recoveryCodesLeft } : {}) });
  const g = JSON.stringify(pick(got));
  const w = JSON.stringify(pick(want));
  if (g !== w) throw new Error(`${what}: the server said ${g}, the model ${w}`);
}

class AdvanceClock implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    r.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms / 1000}s)`;
}

class CodeFromWindow implements fc.AsyncCommand<Model, Real> {
  constructor(readonly offset: -1 | 0 | 1) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const at = new Date(r.clock.now().getTime() + this.offset * STEP);
    const step = stepOf(at);
    const got = await signIn(r, { otp: oathtool(r.secret, at) });
    const want = rightPasswordTry(m, r, () => {
      if (step <= m.lastStep) return { code: 'TOTP_CODE_REPLAYED' }; // a right code of a step already used (or before it): not a wrong code
      m.lastStep = step;
      m.wrongCodesInRow = 0;
      return { status: 'signed_in', recoveryCodesLeft: 8 - m.usedRecovery.size };
    });
    expectAnswer(got, want, this.toString());
  }
  toString = () => `code(step ${this.offset >= 0 ? '+' : ''}${this.offset})`;
}

class ParallelCopies implements fc.AsyncCommand<Model, Real> {
  constructor(readonly copies: number) {}
  // Not where the copies could take the address's own count to a wait (30 tries): whether they
  // do would depend on the order the database sees them in, and the model must be exact.
  check = (m: Readonly<Model>) => m.throttle.buckets.src.failures + this.copies < RULES.src.free;
  async run(m: Model, r: Real) {
    const now = r.clock.now();
    const at = now.getTime();
    const code = oathtool(r.secret, now);
    // The copies are charged one by one as the database sees them: every copy up to the first
    // charge that sets a wait is admitted; after it a copy MAY be refused (unless a winner's
    // right password cleared the count first), so at least `mustAdmit` get through.
    let mustAdmit = 0;
    const trial = structuredClone(m.throttle);
    while (mustAdmit < this.copies && charge(trial, at)) {
      mustAdmit++;
      if (Object.values(trial.buckets).some((b) => b.nextAt > at)) break;
    }
    const answers = await Promise.all(Array.from({ length: this.copies }, () => signIn(r, { otp: code })));
    const limited = answers.filter((a) => 'code' in a && a.code === 'RATE_LIMITED').length;
    const admitted = this.copies - limited;
    if (admitted < mustAdmit) throw new Error(`${this.toString()}: ${admitted} admitted by the limits, the model says at least ${mustAdmit}`);
    const signedIn = answers.filter((a) => 'status' in a && a.status === 'signed_in').length;
    const fresh = stepOf(now) > m.lastStep && admitted > 0;
    if (signedIn !== (fresh ? 1 : 0)) throw new Error(`${this.toString()}: ${signedIn} sign-ins, the model says ${fresh ? 1 : 0}`);
    for (const a of answers) if (!('status' in a) && a.code !== 'RATE_LIMITED') expectAnswer(a, { code: 'TOTP_CODE_REPLAYED' }, this.toString());
    if (admitted > 0) {
      // Every admitted copy was charged and, its password right, gave its try back: the login's
      // counts were cleared after the last charge, the address's count is where it was.
      const src = m.throttle.buckets.src;
      const charged = m.throttle.known ? src : { failures: src.updatedAt < at - RULES.src.resetMs ? 0 : src.failures, nextAt: 0, updatedAt: at };
      m.throttle = { buckets: { srcLogin: emptyBucket(), login: emptyBucket(), src: charged }, known: true };
    }
    if (fresh) {
      m.lastStep = stepOf(now);
      m.wrongCodesInRow = 0;
    }
  }
  toString = () => `parallel(${this.copies} copies of one code)`;
}

class WrongCode implements fc.AsyncCommand<Model, Real> {
  constructor(readonly salt: number) {}
  // Below the back-off threshold (10 in a row), which the unit tests cover with a moved clock.
  check = (m: Readonly<Model>) => m.wrongCodesInRow < 9;
  async run(m: Model, r: Real) {
    const now = r.clock.now().getTime();
    const valid = new Set([-1, 0, 1].map((o) => oathtool(r.secret, new Date(now + o * STEP))));
    let code = String(this.salt % 1_000_000).padStart(6, '0');
    while (valid.has(code)) code = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const got = await signIn(r, { otp: code });
    expectAnswer(
      got,
      rightPasswordTry(m, r, () => {
        m.wrongCodesInRow++;
        return { code: 'TOTP_CODE_INVALID' };
      }),
      this.toString(),
    );
  }
  toString = () => `wrongCode(${this.salt % 1_000_000})`;
}

class RecoveryCode implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => !m.usedRecovery.has(this.index) || m.wrongCodesInRow < 9;
  async run(m: Model, r: Real) {
    const got = await signIn(r, { recoveryCode: r.recoveryCodes[this.index]! });
    const want = rightPasswordTry(m, r, (): Answer => {
      if (m.usedRecovery.has(this.index)) {
        m.wrongCodesInRow++;
        return { code: 'RECOVERY_CODE_INVALID' };
      }
      m.usedRecovery.add(this.index);
      m.wrongCodesInRow = 0;
      return { status: 'signed_in', recoveryCodesLeft: 8 - m.usedRecovery.size };
    });
    expectAnswer(got, want, this.toString());
  }
  toString = () => `recoveryCode(#${this.index})`;
}

class WrongPassword implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    const got = await signIn(r, { password: `${r.password}x`, otp: oathtool(r.secret, r.clock.now()) });
    // Charged and not given back: after 5 in a row from this address the next try waits 1 s, then 2 s, 4 s...
    const admitted = charge(m.throttle, r.clock.now().getTime());
    expectAnswer(got, admitted ? { code: 'INVALID_CREDENTIALS' } : RATE_LIMITED, this.toString());
    if (admitted) m.wrongPasswords++;
  }
  toString = () => 'wrongPassword()';
}

/** A guesser's burst: wrong passwords one after another, until the limits hold them back. */
class WrongPasswords implements fc.AsyncCommand<Model, Real> {
  constructor(readonly count: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    for (let i = 0; i < this.count; i++) await new WrongPassword().run(m, r);
  }
  toString = () => `wrongPasswords(${this.count})`;
}

class PasswordOnly implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    const got = await signIn(r, {});
    expectAnswer(got, rightPasswordTry(m, r, () => ({ status: 'second_factor_required' })), this.toString());
  }
  toString = () => 'passwordOnly()';
}

const commands = [
  fc.constantFrom(0, 1_000, 10_000, 30_000, 45_000, 90_000).map((ms) => new AdvanceClock(ms)),
  fc.constantFrom<-1 | 0 | 1>(-1, 0, 1).map((o) => new CodeFromWindow(o)),
  fc.integer({ min: 2, max: 6 }).map((n) => new ParallelCopies(n)),
  fc.nat().map((s) => new WrongCode(s)),
  fc.integer({ min: 0, max: 7 }).map((i) => new RecoveryCode(i)),
  fc.constant(new WrongPassword()),
  fc.integer({ min: 3, max: 8 }).map((n) => new WrongPasswords(n)),
  fc.constant(new PasswordOnly()),
];

eachBackend('Two-step sign-in against a model', (backend) => {
  const clock = testClock();
  const { url } = useServer(backend, { now: clock.now, trustedProxies: ['127.0.0.1'] });
  let serial = 0;

  describe('random sequences of sign-ins and clock moves', () => {
    it('always answer as the model of the rules says', async () => {
      refusals = 0;
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
          // Each run: a fresh user, enrolled at a step boundary, the clock then moved a step on.
          clock.advance(STEP * 3);
          const login = `model.${backend.name.toLowerCase()}${++serial}`;
          const enrolledAt = clock.now();
          // The runs move the clock by hours in all: a fresh administrator session each time.
          const adminToken = okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).token;
          const u = await enrolledUser(url(), adminToken, login, enrolledAt);
          const throttle: Throttle = { buckets: { srcLogin: emptyBucket(), src: emptyBucket(), login: emptyBucket() }, known: false };
          const model: Model = { lastStep: stepOf(enrolledAt), usedRecovery: new Set(), wrongCodesInRow: 0, wrongPasswords: 0, throttle };
          const source = `10.${(serial >> 8) & 255}.${serial & 255}.7`;
          const real: Real = { url: url(), source, clock, login, password: u.password, secret: u.secret, recoveryCodes: u.recoveryCodes };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        }),
        { numRuns: 60 },
      );
      expect(refusals).toBeGreaterThan(0);
    }, 600_000);
  });
});

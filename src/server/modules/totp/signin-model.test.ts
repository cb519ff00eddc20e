import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ADMIN_PASSWORD, eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { enrolledUser, oathtool, testClock } from '../../test-support/two-step';

// Issue 12, point 7: a stateful model of two-step sign-in (fast-check's model-based testing).
// Random sequences of sign-ins (right and wrong passwords, authenticator codes from the
// window, replays, wrong codes, recovery codes new and used, parallel copies of one code) and
// clock moves are run against a real server; after each, the server's answer must be what a
// simple model of the rules says: a step is accepted once, a recovery code once, wrong codes
// and wrong passwords are refused, and the number of recovery codes left counts down.

const STEP = 30_000;

interface Model {
  /** The newest step accepted (enrolment used its own). */
  lastStep: number;
  usedRecovery: Set<number>;
  wrongCodesInRow: number;
  wrongPasswords: number;
}

interface Real {
  url: string;
  clock: ReturnType<typeof testClock>;
  login: string;
  password: string;
  secret: string;
  recoveryCodes: string[];
}

type Answer = { status: string; recoveryCodesLeft?: number | null } | { code: string };

async function signIn(r: Real, extra: { password?: string; otp?: string; recoveryCode?: string }): Promise<Answer> {
  const res = await call(r.url, 'userSignin', { body: { login: r.login, password: extra.password ?? r.password, ...(extra.otp ? { otp: extra.otp } : {}), ...(extra.recoveryCode ? { recoveryCode: extra.recoveryCode } : {}) } });
  return res.ok ? (res.body as Answer) : { code: res.error.code };
}

function stepOf(at: Date): number {
  return Math.floor(at.getTime() / STEP);
}

function expectAnswer(got: Answer, want: Answer, what: string): void {
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
    if (step > m.lastStep) {
      expectAnswer(got, { status: 'signed_in', recoveryCodesLeft: 8 - m.usedRecovery.size }, this.toString());
      m.lastStep = step;
      m.wrongCodesInRow = 0;
    } else {
      // A right code of a step already used (or before it): refused, and not a wrong code.
      expectAnswer(got, { code: 'TOTP_CODE_REPLAYED' }, this.toString());
    }
  }
  toString = () => `code(step ${this.offset >= 0 ? '+' : ''}${this.offset})`;
}

class ParallelCopies implements fc.AsyncCommand<Model, Real> {
  constructor(readonly copies: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const now = r.clock.now();
    const code = oathtool(r.secret, now);
    const answers = await Promise.all(Array.from({ length: this.copies }, () => signIn(r, { otp: code })));
    const signedIn = answers.filter((a) => 'status' in a && a.status === 'signed_in').length;
    const fresh = stepOf(now) > m.lastStep;
    if (signedIn !== (fresh ? 1 : 0)) throw new Error(`${this.toString()}: ${signedIn} sign-ins, the model says ${fresh ? 1 : 0}`);
    for (const a of answers) if (!('status' in a)) expectAnswer(a, { code: 'TOTP_CODE_REPLAYED' }, this.toString());
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
    expectAnswer(await signIn(r, { otp: code }), { code: 'TOTP_CODE_INVALID' }, this.toString());
    m.wrongCodesInRow++;
  }
  toString = () => `wrongCode(${this.salt % 1_000_000})`;
}

class RecoveryCode implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => !m.usedRecovery.has(this.index) || m.wrongCodesInRow < 9;
  async run(m: Model, r: Real) {
    const got = await signIn(r, { recoveryCode: r.recoveryCodes[this.index]! });
    if (m.usedRecovery.has(this.index)) {
      expectAnswer(got, { code: 'RECOVERY_CODE_INVALID' }, this.toString());
      m.wrongCodesInRow++;
    } else {
      m.usedRecovery.add(this.index);
      expectAnswer(got, { status: 'signed_in', recoveryCodesLeft: 8 - m.usedRecovery.size }, this.toString());
      m.wrongCodesInRow = 0;
    }
  }
  toString = () => `recoveryCode(#${this.index})`;
}

class WrongPassword implements fc.AsyncCommand<Model, Real> {
  // Below the per-login limit of 10 in 15 minutes.
  check = (m: Readonly<Model>) => m.wrongPasswords < 9;
  async run(m: Model, r: Real) {
    expectAnswer(await signIn(r, { password: `${r.password}x`, otp: oathtool(r.secret, r.clock.now()) }), { code: 'INVALID_CREDENTIALS' }, this.toString());
    m.wrongPasswords++;
  }
  toString = () => 'wrongPassword()';
}

class PasswordOnly implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_m: Model, r: Real) {
    expectAnswer(await signIn(r, {}), { status: 'second_factor_required' }, this.toString());
  }
  toString = () => 'passwordOnly()';
}

const commands = [
  fc.constantFrom(0, 10_000, 30_000, 45_000, 90_000).map((ms) => new AdvanceClock(ms)),
  fc.constantFrom<-1 | 0 | 1>(-1, 0, 1).map((o) => new CodeFromWindow(o)),
  fc.integer({ min: 2, max: 6 }).map((n) => new ParallelCopies(n)),
  fc.nat().map((s) => new WrongCode(s)),
  fc.integer({ min: 0, max: 7 }).map((i) => new RecoveryCode(i)),
  fc.constant(new WrongPassword()),
  fc.constant(new PasswordOnly()),
];

eachBackend('Two-step sign-in against a model', (backend) => {
  const clock = testClock();
  const { url } = useServer(backend, { now: clock.now });
  let serial = 0;

  describe('random sequences of sign-ins and clock moves', () => {
    it('always answer as the model of the rules says', async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
          // Each run: a fresh user, enrolled at a step boundary, the clock then moved a step on.
          clock.advance(STEP * 3);
          const login = `model.${backend.name.toLowerCase()}${++serial}`;
          const enrolledAt = clock.now();
          // The runs move the clock by hours in all: a fresh administrator session each time.
          const adminToken = okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).token;
          const u = await enrolledUser(url(), adminToken, login, enrolledAt);
          const model: Model = { lastStep: stepOf(enrolledAt), usedRecovery: new Set(), wrongCodesInRow: 0, wrongPasswords: 0 };
          const real: Real = { url: url(), clock, login, password: u.password, secret: u.secret, recoveryCodes: u.recoveryCodes };
          // Wrong passwords are counted per login in a 15-minute window: start each run outside the last one's.
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          clock.advance(16 * 60_000);
        }),
        { numRuns: 60 },
      );
    }, 600_000);
  });
});

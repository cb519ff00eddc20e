import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RouteBody } from '../../../shared/api/routes';
import { eachBackend, useServer } from '../../test-support/backends';
import { call, okBody, type Answer } from '../../test-support/client';
import { agentSignin, mailsTo, otpFromMail, registerComputer, requestOtp, smtpTo, waitForMail, type TestComputer } from '../../test-support/email-otp';
import { startSmtpSink, type SmtpSink } from '../../test-support/smtp-sink';
import { testClock, type TestClock } from '../../test-support/two-step';

// Issue 12, point 7: a stateful model of computer sign-in with one-time passwords by email
// (fast-check's model-based testing). Random sequences of what agents and administrators do
// (requests by typed address, emergency address, OS account and Gatepass login and password;
// sign-ins with the right password on the right computer, on another one, used, expired,
// wrong, in parallel copies; clock moves, also to the exact instant a rule changes; settings
// changes; a disabled and re-enabled user; a revoked computer; sign-outs) run against a real
// server on a real database, with the mail read from a real SMTP server. After each step the
// server's answer, the mail it sent and the reasons its audit gives must be what a model of
// the rules in docs/email-otp.md says. Never a 5xx, and never a sign-in allowed that the
// model denies (an authentication bypass).

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// The rules as docs/email-otp.md states them (written out here, not imported: the model is
// a second reading of the rules, not the server's constants).
const RESEND_INTERVAL = MINUTE;
const NEW_PASSWORD_INTERVAL = HOUR;
const MAX_WRONG_TRIES = 5;
const UNKNOWN_LIMIT = 10;
const UNKNOWN_WINDOW = 15 * MINUTE;
const SIGNIN_CANDIDATES = 20;

/** Steps per run at most (a run is a fresh pair of computers and users). */
const MAX_COMMANDS = 40;
/** Runs per backend: 200, issue 12's bar for fuzzing (OTP_MODEL_RUNS sets another count for a longer campaign). */
const RUNS = Math.max(1, Number(process.env.OTP_MODEL_RUNS ?? 200) || 200);

type Pc = 'A' | 'B';
/** D: a directory user (found by OS account); I: an internal user (found by login and password). Both have an address. */
type Who = 'D' | 'I';
type Mode = 'email' | 'directory' | 'internal' | 'emergency';
type Void = 'too_many_tries' | 'computer_revoked';

interface Settings {
  expirationMinutes: number;
  autoDirectory: boolean;
  autoInternal: boolean;
  emergencyAccess: boolean;
}

interface Password {
  requestId: string;
  /** As the mail carried it (the model learns it from the mail, as a user does). */
  code: string;
  pc: Pc;
  who: Who;
  /** Order of creation (created_at, with ties broken by this). */
  seq: number;
  expiresAt: number;
  lastSentAt: number;
  sends: number;
  tries: number;
  used: boolean;
  voided: Void | null;
  emergency: boolean;
  /** The OS account the request named (directory, emergency), shown when the sign-in names none. */
  osUser: string | null;
}

interface Session {
  id: string;
  pc: Pc;
  emergency: boolean;
  endedAt: string | null;
  endReason: 'signed_out' | 'computer_revoked' | null;
}

interface Model {
  settings: Settings;
  computers: Record<Pc, { revoked: boolean; nextNewAt: number; unknownAt: number[] }>;
  users: Record<Who, { disabled: boolean; mails: number }>;
  passwords: Password[];
  sessions: Session[];
  /** Audit entries whose actor is the computer, so far. */
  audit: Record<Pc, number>;
  seq: number;
}

interface RealUser {
  id: string;
  login: string;
  email: string;
  password: string;
}

interface Real {
  url: string;
  clock: TestClock;
  sink: SmtpSink;
  admin: () => Promise<string>;
  computers: Record<Pc, TestComputer>;
  users: Record<Who, RealUser>;
  serial: { n: number };
  tally: Map<string, number>;
  /** Steps run (those whose check let them), over all runs. */
  steps: { n: number };
}

const now = (r: Real) => r.clock.now().getTime();
const iso = (t: number) => new Date(t).toISOString();

/** Counts an outcome: the runs must reach each interesting one (MUST_REACH). */
function count(r: Real, label: string): void {
  r.tally.set(label, (r.tally.get(label) ?? 0) + 1);
}

/** The modes the settings offer (docs/email-otp.md, section 2). */
function offered(s: Settings): Mode[] {
  if (!s.autoDirectory && !s.autoInternal) return ['email'];
  return [...(s.autoDirectory ? ['directory' as const] : []), ...(s.autoInternal ? ['internal' as const] : []), ...(s.emergencyAccess ? ['emergency' as const] : [])];
}

const pending = (p: Password, t: number) => !p.used && p.voided === null && t < p.expiresAt;

/** Passwords mailed to a user's address, newest first. */
function mailedTo(m: Readonly<Model>, who: Who): Password[] {
  return m.passwords.filter((p) => p.who === who).sort((a, b) => b.seq - a.seq);
}

/** The computer and user of the newest password mailed: where the interesting states are. */
function newest(m: Readonly<Model>): { pc: Pc; who: Who } | null {
  const p = [...m.passwords].sort((x, y) => y.seq - x.seq)[0];
  return p ? { pc: p.pc, who: p.who } : null;
}

function fail(what: string, got: unknown, want: unknown): never {
  throw new Error(`${what}: the server said ${JSON.stringify(got)}, the model ${JSON.stringify(want)}`);
}

/** Never a 5xx, whatever the step. */
function no5xx(what: string, a: { status: number; error: { code: string; message: string } | null }): void {
  if (a.status >= 500) throw new Error(`${what}: ${a.status} ${a.error?.code}: ${a.error?.message}`);
}

// ---------------------------------------------------------------------------------------------
// Requests

type RequestSpec =
  | { mode: 'email' | 'emergency'; who: Who | 'nobody'; upper: boolean; osUser?: string | undefined }
  | { mode: 'directory'; who: Who | 'nobody'; form: 'domain' | 'upn' | 'bare' }
  | { mode: 'internal'; who: Who };

type RequestWant =
  | { ok: true; resent: boolean; email: string; emergency: boolean; expiresAt: string; requestId: string | null; password: Password; label: string }
  | { ok: false; status: number; code: string; details?: Record<string, unknown>; label: string };

function requestBody(r: Real, spec: RequestSpec, nobody: string): RouteBody<'requestOtp'> {
  if (spec.mode === 'internal') return { mode: 'internal', login: r.users[spec.who].login.toUpperCase(), password: r.users[spec.who].password };
  if (spec.mode === 'directory') {
    const login = spec.who === 'nobody' ? nobody : r.users[spec.who].login;
    const osUser = spec.form === 'domain' ? `CORP\\${login.toUpperCase()}` : spec.form === 'upn' ? `${login}@corp.example` : login;
    return { mode: 'directory', osUser };
  }
  const address = spec.who === 'nobody' ? `${nobody}@corp.example` : r.users[spec.who].email;
  const email = spec.upper ? address.toUpperCase() : address;
  return spec.mode === 'emergency' ? { mode: 'emergency', email, ...(spec.osUser ? { osUser: spec.osUser } : {}) } : { mode: 'email', email };
}

function rateLimited(retryAt: number, t: number, label: string): RequestWant {
  return { ok: false, status: 429, code: 'RATE_LIMITED', details: { retryAt: iso(retryAt), retryAfterSeconds: Math.max(1, Math.ceil((retryAt - t) / 1000)) }, label };
}

/**
 * What a request must get, and the model after it (mutated in place): the rules of
 * docs/email-otp.md sections 2 and 3, in the order the server applies them.
 */
function predictRequest(m: Model, r: Real, pc: Pc, spec: RequestSpec, body: RouteBody<'requestOtp'>, t: number): { want: RequestWant; audit: string[] } {
  const c = m.computers[pc];
  if (c.revoked) return { want: { ok: false, status: 401, code: 'AUTH_REQUIRED', label: 'request:AUTH_REQUIRED (revoked computer)' }, audit: [] };
  const modes = offered(m.settings);
  if (!modes.includes(spec.mode)) {
    return { want: { ok: false, status: 403, code: 'OTP_MODE_NOT_ALLOWED', details: { modes }, label: 'request:OTP_MODE_NOT_ALLOWED' }, audit: ['refused:mode_not_offered'] };
  }
  let who: Who;
  if (spec.mode === 'internal') {
    // Only the right password is sent (wrong ones belong to the sign-in limits, tested on their own).
    if (spec.who === 'D') return { want: { ok: false, status: 401, code: 'INVALID_CREDENTIALS', label: 'request:INVALID_CREDENTIALS (directory user)' }, audit: ['refused:not_internal'] };
    who = spec.who;
  } else {
    const recent = c.unknownAt.filter((at) => at > t - UNKNOWN_WINDOW);
    if (recent.length >= UNKNOWN_LIMIT) {
      return { want: rateLimited(Math.min(...recent) + UNKNOWN_WINDOW, t, 'request:RATE_LIMITED (named nobody too often)'), audit: ['refused:too_many_unknown'] };
    }
    const named: Who | null = spec.mode === 'directory' ? (spec.who === 'D' ? 'D' : null) : spec.who === 'nobody' ? null : spec.who;
    if (named === null || m.users[named].disabled) {
      c.unknownAt.push(t);
      const reason = named !== null ? 'user_disabled' : spec.mode === 'directory' ? 'unknown_os_user' : 'unknown_email';
      return { want: { ok: false, status: 404, code: 'OTP_RECIPIENT_UNKNOWN', label: `request:OTP_RECIPIENT_UNKNOWN (${reason})` }, audit: [`refused:${reason}`] };
    }
    who = named;
  }
  const emergency = spec.mode === 'emergency';
  const email = r.users[who].email;
  const live = m.passwords.filter((p) => p.pc === pc && p.who === who && pending(p, t)).sort((a, b) => b.seq - a.seq)[0];
  if (live) {
    if (live.lastSentAt + RESEND_INTERVAL > t) return { want: rateLimited(live.lastSentAt + RESEND_INTERVAL, t, 'request:RATE_LIMITED (re-sent less than a minute ago)'), audit: ['refused:resend_too_soon'] };
    // Asking again while it is valid mails the same password; emergency access is marked everywhere from then on.
    live.sends++;
    live.lastSentAt = t;
    live.emergency ||= emergency;
    m.users[who].mails++;
    return {
      want: { ok: true, resent: true, email, emergency: live.emergency, expiresAt: iso(live.expiresAt), requestId: live.requestId, password: live, label: 'request:re-sent' },
      audit: ['request:resend', 'send'],
    };
  }
  if (c.nextNewAt > t) return { want: rateLimited(c.nextNewAt, t, 'request:RATE_LIMITED (a new password within the hour)'), audit: ['refused:hourly_limit'] };
  c.nextNewAt = t + NEW_PASSWORD_INTERVAL;
  const osUser = body.mode === 'directory' ? body.osUser : body.mode === 'emergency' ? (body.osUser ?? null) : null;
  const password: Password = {
    requestId: '',
    code: '',
    pc,
    who,
    seq: ++m.seq,
    expiresAt: t + m.settings.expirationMinutes * MINUTE,
    lastSentAt: t,
    sends: 1,
    tries: 0,
    used: false,
    voided: null,
    emergency,
    osUser,
  };
  m.passwords.push(password);
  m.users[who].mails++;
  return {
    want: { ok: true, resent: false, email, emergency, expiresAt: iso(password.expiresAt), requestId: null, password, label: 'request:new password' },
    audit: ['request:new', 'send'],
  };
}

function projectRequest(a: Answer<'requestOtp'>) {
  if (a.ok) return { ok: true, resent: a.body.resent, email: a.body.email, emergency: a.body.emergency, expiresAt: a.body.expiresAt };
  const d = (a.error.details ?? {}) as Record<string, unknown>;
  const details = a.error.code === 'RATE_LIMITED' ? { retryAt: d.retryAt, retryAfterSeconds: d.retryAfterSeconds } : a.error.code === 'OTP_MODE_NOT_ALLOWED' ? { modes: d.modes } : undefined;
  return { ok: false, status: a.status, code: a.error.code, ...(details ? { details } : {}) };
}

function projectWant(w: RequestWant) {
  if (w.ok) return { ok: true, resent: w.resent, email: w.email, emergency: w.emergency, expiresAt: w.expiresAt };
  return { ok: false, status: w.status, code: w.code, ...(w.details ? { details: w.details } : {}) };
}

/** Checks a successful request's mail: the n-th message to the address, the password (the same one on a re-send), the computer, emergency or not. */
async function checkMail(m: Model, r: Real, want: Extract<RequestWant, { ok: true }>, what: string): Promise<void> {
  const p = want.password;
  const n = m.users[p.who].mails;
  const mail = await waitForMail(r.sink, r.users[p.who].email, n);
  // Every send, a re-send too, is a message of its own: one arriving twice is a duplicate delivery.
  const earlier = mailsTo(r.sink, r.users[p.who].email).slice(0, n - 1);
  if (earlier.some((e) => e.messageId === mail.messageId)) throw new Error(`${what}: mail #${n} repeats an earlier message (${mail.messageId}): delivered twice`);
  const code = otpFromMail(mail);
  if (want.resent && code !== p.code) fail(`${what}: the re-sent password`, code, p.code);
  if (!want.resent) {
    if (m.passwords.some((q) => q !== p && q.who === p.who && q.code === code)) throw new Error(`${what}: a new password equal to an earlier one (${code})`);
    p.code = code;
  }
  if (!mail.subject.includes(r.computers[p.pc].name)) fail(`${what}: the subject`, mail.subject, `names ${r.computers[p.pc].name}`);
  if (mail.subject.includes('emergency access') !== want.emergency) fail(`${what}: the subject`, mail.subject, want.emergency ? 'says emergency access' : 'says nothing of emergency access');
}

/** How a request chooses its mode: one the settings offer now (most often), or a fixed one (refused when not offered). */
type ModeChoice = { offered: number } | { fixed: Mode };

interface RequestOpts {
  upper: boolean;
  form: 'domain' | 'upn' | 'bare';
  osUser: string | undefined;
}

/**
 * The request a step makes under the settings of the moment, or null when it is left out:
 * internal mode only with the right password of an enabled user (a disabled one, or an
 * unknown login, is a failed password sign-in, which the sign-in limits count; they are tested
 * on their own).
 */
function resolveSpec(m: Readonly<Model>, who: Who | 'nobody', choice: ModeChoice, o: RequestOpts): RequestSpec | null {
  const modes = offered(m.settings);
  const mode = 'fixed' in choice ? choice.fixed : modes[choice.offered % modes.length]!;
  if (mode === 'internal') return who === 'nobody' || m.users[who].disabled ? null : { mode, who };
  if (mode === 'directory') return { mode, who, form: o.form };
  return { mode, who, upper: o.upper, ...(mode === 'emergency' && o.osUser ? { osUser: o.osUser } : {}) };
}

class Request implements fc.AsyncCommand<Model, Real> {
  constructor(
    /** Given, or the computer and user of the newest password (asking again). */
    readonly where: { pc: Pc; who: Who | 'nobody' } | 'newest',
    readonly choice: ModeChoice,
    readonly opts: RequestOpts,
  ) {}
  at = (m: Readonly<Model>) => (this.where === 'newest' ? newest(m) : this.where);
  check = (m: Readonly<Model>) => {
    const at = this.at(m);
    return at !== null && resolveSpec(m, at.who, this.choice, this.opts) !== null;
  };
  async run(m: Model, r: Real) {
    r.steps.n++;
    const t = now(r);
    const { pc, who } = this.at(m)!;
    const spec = resolveSpec(m, who, this.choice, this.opts)!;
    const what = `${this.toString()}: ${pc} ${JSON.stringify(spec)}`;
    const body = requestBody(r, spec, `nobody${++r.serial.n}`);
    const { want, audit } = predictRequest(m, r, pc, spec, body, t);
    const got = await requestOtp(r.url, r.computers[pc], body);
    no5xx(what, got);
    if (JSON.stringify(projectRequest(got)) !== JSON.stringify(projectWant(want))) fail(what, projectRequest(got), projectWant(want));
    if (got.ok && want.ok) {
      if (want.requestId !== null && got.body.requestId !== want.requestId) fail(`${what}: the request id`, got.body.requestId, want.requestId);
      if (want.requestId === null) want.password.requestId = got.body.requestId;
      await checkMail(m, r, want, what);
    }
    count(r, `${want.label} [${spec.mode}]`);
    await checkAudit(m, r, pc, audit, what);
  }
  toString = () => `request(${this.where === 'newest' ? 'newest' : `${this.where.pc}, ${this.where.who}`}, ${JSON.stringify(this.choice)}, ${JSON.stringify(this.opts)})`;
}

/** The user waits a little and clicks Request again on the same computer (a re-send, or "too soon"). */
class RequestAgain implements fc.AsyncCommand<Model, Real> {
  readonly request: Request;
  constructor(
    readonly afterMs: number,
    choice: ModeChoice,
    opts: RequestOpts,
  ) {
    this.request = new Request('newest', choice, opts);
  }
  check = (m: Readonly<Model>) => this.request.check(m);
  async run(m: Model, r: Real) {
    r.clock.advance(this.afterMs);
    await this.request.run(m, r);
  }
  toString = () => `after ${this.afterMs / 1000} s ${this.request.toString()}`;
}

/**
 * N copies of one request at once (an impatient user, or an agent guessing addresses): they
 * must answer as the same requests one after another would, in some order. At most one makes or
 * re-sends a password (one mail); guesses beyond the limit are refused however many arrive at once.
 */
class ParallelRequests implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pc: Pc,
    readonly who: Who | 'nobody',
    readonly n: number,
    readonly copies: number,
  ) {}
  // Internal mode is left out: parallel password checks are the sign-in limits' (tested on their own).
  spec = (m: Readonly<Model>) => resolveSpec(m, this.who, { offered: this.n }, { upper: false, form: 'domain', osUser: undefined });
  check = (m: Readonly<Model>) => {
    const spec = this.spec(m);
    return spec !== null && spec.mode !== 'internal';
  };
  async run(m: Model, r: Real) {
    r.steps.n++;
    const t = now(r);
    const spec = this.spec(m)!;
    const what = `${this.toString()}: ${JSON.stringify(spec)}`;
    const body = requestBody(r, spec, `nobody${++r.serial.n}`);
    const predicted = Array.from({ length: this.copies }, () => predictRequest(m, r, this.pc, spec, body, t));
    const answers = await Promise.all(Array.from({ length: this.copies }, () => requestOtp(r.url, r.computers[this.pc], body)));
    for (const a of answers) no5xx(what, a);
    const got = answers.map((a) => JSON.stringify(projectRequest(a))).sort();
    const want = predicted.map((p) => JSON.stringify(projectWant(p.want))).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) fail(what, got, want);
    const made = predicted.map((p) => p.want).filter((w): w is Extract<RequestWant, { ok: true }> => w.ok);
    if (made.length > 1) throw new Error(`${what}: the model sent ${made.length} copies`);
    const w = made[0];
    if (w) {
      const sent = answers.find((a) => a.ok);
      if (!sent?.ok) throw new Error(`${what}: no copy was sent`);
      if (w.requestId === null) w.password.requestId = sent.body.requestId;
      await checkMail(m, r, w, what);
    }
    for (const p of predicted) count(r, `${p.want.label} [${spec.mode}, parallel]`);
    count(r, `parallel requests: ${[...new Set(predicted.map((p) => p.want.label))].join(' + ')}`);
    await checkAudit(m, r, this.pc, predicted.flatMap((p) => p.audit), what);
  }
  toString = () => `parallelRequests(${this.pc}, ${this.who}, offered mode #${this.n}, ${this.copies} copies)`;
}

// ---------------------------------------------------------------------------------------------
// Sign-ins

type Pick = { kind: 'here' | 'any'; n: number } | { kind: 'wrong'; salt: number };
type Format = 'plain' | 'grouped' | 'dashed';

type SigninWant = { allowed: true; password: Password } | { allowed: false; status: 401 } | { allowed: false; status: 403; reason: string };

/** The password a pick names, or null (a wrong one). */
function picked(m: Readonly<Model>, pc: Pc, who: Who, pick: Pick): Password | null {
  if (pick.kind === 'wrong') return null;
  const list = mailedTo(m, who).filter((p) => pick.kind === 'any' || p.pc === pc);
  return list[pick.n % list.length] ?? null;
}

/** A password mailed to nobody: none of the user's (8 digits, so a guess has odds of 10^-8 anyway, but the model must be exact). */
function wrongCode(m: Readonly<Model>, who: Who, salt: number): string {
  const known = new Set(m.passwords.filter((p) => p.who === who).map((p) => p.code));
  let n = salt % 100_000_000;
  while (known.has(String(n).padStart(8, '0'))) n = (n + 1) % 100_000_000;
  return String(n).padStart(8, '0');
}

/**
 * What one sign-in must get, and the model after it (docs/email-otp.md section 4): the code is
 * compared with the newest passwords mailed to the address; none matching is a wrong try
 * against the pending password of that address on this computer (void at the fifth); a match
 * is allowed only on its computer, unused, not void, not expired, for an enabled user.
 */
function predictSignin(m: Model, pc: Pc, who: Who, code: string, t: number): SigninWant {
  if (m.computers[pc].revoked) return { allowed: false, status: 401 };
  const match = mailedTo(m, who)
    .slice(0, SIGNIN_CANDIDATES)
    .find((p) => p.code === code);
  if (!match) {
    const open = m.passwords.filter((p) => p.pc === pc && p.who === who && pending(p, t)).sort((a, b) => b.seq - a.seq)[0];
    if (!open) return { allowed: false, status: 403, reason: 'no_pending_password' };
    open.tries++;
    if (open.tries >= MAX_WRONG_TRIES) open.voided = 'too_many_tries';
    return { allowed: false, status: 403, reason: `wrong_password ${open.tries}` };
  }
  if (match.pc !== pc) return { allowed: false, status: 403, reason: 'other_computer' };
  if (match.used) return { allowed: false, status: 403, reason: 'used' };
  if (match.voided) return { allowed: false, status: 403, reason: `void_${match.voided}` };
  if (t >= match.expiresAt) return { allowed: false, status: 403, reason: 'expired' };
  if (m.users[who].disabled) return { allowed: false, status: 403, reason: 'user_disabled' };
  match.used = true;
  return { allowed: true, password: match };
}

function formatted(code: string, f: Format): string {
  return f === 'plain' ? code : `${code.slice(0, 4)}${f === 'grouped' ? ' ' : '-'}${code.slice(4)}`;
}

class SignIn implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly where: { pc: Pc; who: Who } | 'newest',
    readonly pick: Pick,
    readonly copies: number,
    readonly format: Format,
    readonly osUser: string | undefined,
    readonly upper: boolean,
  ) {}
  /** The computer and user: given, or those of the newest password mailed (where the interesting states are). */
  at = (m: Readonly<Model>) => (this.where === 'newest' ? newest(m) : this.where);
  check = (m: Readonly<Model>) => {
    const at = this.at(m);
    return at !== null && (this.pick.kind === 'wrong' || picked(m, at.pc, at.who, this.pick) !== null);
  };
  async run(m: Model, r: Real) {
    r.steps.n++;
    const t = now(r);
    const { pc, who } = this.at(m)!;
    const target = picked(m, pc, who, this.pick);
    const code = target ? target.code : wrongCode(m, who, this.pick.kind === 'wrong' ? this.pick.salt : 0);
    const email = this.upper ? r.users[who].email.toUpperCase() : r.users[who].email;
    const body = { email, otp: formatted(code, this.format), ...(this.osUser ? { osUser: this.osUser } : {}) };
    // Each copy in turn against the model: the first may win, the others see what it left.
    const wants = Array.from({ length: this.copies }, () => predictSignin(m, pc, who, code, t));
    const answers = await Promise.all(Array.from({ length: this.copies }, () => agentSignin(r.url, r.computers[pc], body)));
    const allowedWanted = wants.filter((w) => w.allowed).length;
    const allowedGot = answers.filter((a) => a.ok);
    for (const a of answers) no5xx(this.toString(), a);
    if (allowedGot.length > allowedWanted) {
      throw new Error(`AUTHENTICATION BYPASS: ${this.toString()}: ${allowedGot.length} sign-in(s) allowed, the model allows ${allowedWanted} (${JSON.stringify(wants)})`);
    }
    if (allowedGot.length < allowedWanted) fail(this.toString(), answers.map((a) => a.status), wants);
    for (const a of answers) {
      if (a.ok) continue;
      const status = wants.find((w) => !w.allowed)?.status;
      if (a.status !== status || a.error.code !== (status === 401 ? 'AUTH_REQUIRED' : 'ACCESS_DENIED')) fail(this.toString(), a.error, wants);
      // Every denial gets the one answer of the reference: the reason is for the audit only.
      if (a.status === 403 && a.error.message !== 'Access denied') fail(`${this.toString()}: the message`, a.error.message, 'Access denied');
    }
    const win = wants.find((w): w is Extract<SigninWant, { allowed: true }> => w.allowed);
    const session = allowedGot[0];
    if (win && session?.ok) {
      const p = win.password;
      const u = r.users[p.who];
      const want = {
        userName: `${this.osUser ?? p.osUser ?? u.login} (${u.email})`,
        login: u.login,
        email: u.email,
        computerId: r.computers[p.pc].id,
        computerName: r.computers[p.pc].name,
        emergency: p.emergency,
        endedAt: null,
      };
      const s = session.body.session;
      const gotSession = { userName: s.userName, login: s.login, email: s.email, computerId: s.computerId, computerName: s.computerName, emergency: s.emergency, endedAt: s.endedAt };
      if (JSON.stringify(gotSession) !== JSON.stringify(want)) fail(`${this.toString()}: the session`, gotSession, want);
      m.sessions.push({ id: s.id, pc: pc, emergency: p.emergency, endedAt: null, endReason: null });
    }
    const reasons = wants.flatMap((w) => (w.allowed ? ['signin'] : w.status === 403 ? [`denied:${w.reason}`] : []));
    const first = wants[0]!;
    const label = first.allowed ? 'allowed' : first.status === 401 ? 'AUTH_REQUIRED (revoked computer)' : `denied:${first.reason.replace(/ \d+$/, '')}`;
    count(r, this.copies > 1 ? `signin: ${first.allowed ? 'allowed (one of parallel copies, the rest denied:used)' : `${label} (parallel copies)`}` : `signin: ${label}`);
    await checkAudit(m, r, pc, reasons, this.toString());
  }
  toString = () => `signIn(${this.where === 'newest' ? 'newest' : `${this.where.pc}, ${this.where.who}`}, ${JSON.stringify(this.pick)}, x${this.copies}, ${this.format}${this.osUser ? `, ${this.osUser}` : ''}${this.upper ? ', ADDRESS' : ''})`;
}

/** The agent ends a session (the user signs out): on the session's own computer, or the other computer tries to. */
class SignOut implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly on: 'own' | 'other',
    readonly n: number,
  ) {}
  check = (m: Readonly<Model>) => m.sessions.length > 0;
  async run(m: Model, r: Real) {
    r.steps.n++;
    const s = m.sessions[this.n % m.sessions.length]!;
    const pc: Pc = this.on === 'own' ? s.pc : s.pc === 'A' ? 'B' : 'A';
    const what = `${this.toString()} on ${pc}`;
    const got = await call(r.url, 'agentSignout', { params: { id: s.id } }, r.computers[pc].credential);
    no5xx(what, got);
    let audit: string[] = [];
    let want: { status: number; code?: string; endedAt?: string | null; endReason?: string | null };
    let label: string;
    if (m.computers[pc].revoked) [want, label] = [{ status: 401, code: 'AUTH_REQUIRED' }, 'AUTH_REQUIRED'];
    else if (s.pc !== pc) [want, label] = [{ status: 404, code: 'NOT_FOUND' }, "another computer's session"];
    else {
      label = s.endedAt === null ? 'ended' : 'already ended';
      if (s.endedAt === null) {
        s.endedAt = r.clock.now().toISOString();
        s.endReason = 'signed_out';
        audit = ['signout'];
      }
      want = { status: 200, endedAt: s.endedAt, endReason: s.endReason };
    }
    const projected = got.ok ? { status: 200, endedAt: got.body.session.endedAt, endReason: got.body.session.endReason } : { status: got.status, code: got.error.code };
    if (JSON.stringify(projected) !== JSON.stringify(want)) fail(what, projected, want);
    count(r, `signout: ${label}`);
    await checkAudit(m, r, pc, audit, what);
  }
  toString = () => `signOut(${this.on}, session #${this.n})`;
}

// ---------------------------------------------------------------------------------------------
// The administrator and the clock

class Revoke implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pc: Pc) {}
  check = () => true;
  async run(m: Model, r: Real) {
    r.steps.n++;
    const t = now(r);
    const c = m.computers[this.pc];
    const open = m.sessions.filter((s) => s.pc === this.pc && s.endedAt === null);
    const live = m.passwords.filter((p) => p.pc === this.pc && pending(p, t));
    const want = c.revoked ? { sessionsEnded: 0, passwordsVoided: 0 } : { sessionsEnded: open.length, passwordsVoided: live.length };
    const got = okBody(await call(r.url, 'revokeComputer', { params: { id: r.computers[this.pc].id } }, await r.admin()));
    const projected = { sessionsEnded: got.sessionsEnded, passwordsVoided: got.passwordsVoided };
    if (JSON.stringify(projected) !== JSON.stringify(want)) fail(this.toString(), projected, want);
    if (!c.revoked) {
      for (const s of open) Object.assign(s, { endedAt: iso(t), endReason: 'computer_revoked' });
      for (const p of live) p.voided = 'computer_revoked';
    }
    c.revoked = true;
    count(r, 'revoke computer');
  }
  toString = () => `revoke(${this.pc})`;
}

class SetDisabled implements fc.AsyncCommand<Model, Real> {
  constructor(
    /** Given, or the user of the newest password (disabled while it is pending). */
    readonly target: Who | 'newest',
    readonly disabled: boolean,
  ) {}
  who = (m: Readonly<Model>) => (this.target === 'newest' ? (newest(m)?.who ?? null) : this.target);
  check = (m: Readonly<Model>) => {
    const who = this.who(m);
    return who !== null && m.users[who].disabled !== this.disabled;
  };
  async run(m: Model, r: Real) {
    r.steps.n++;
    const who = this.who(m)!;
    const got = okBody(await call(r.url, 'userActions', { body: { action: this.disabled ? 'disable' : 'enable', userIds: [r.users[who].id] } }, await r.admin()));
    expect(got.results).toMatchObject([{ ok: true }]);
    m.users[who].disabled = this.disabled;
    count(r, this.disabled ? 'disable user' : 'enable user');
  }
  toString = () => `${this.disabled ? 'disable' : 'enable'}(${this.target})`;
}

class SetSettings implements fc.AsyncCommand<Model, Real> {
  constructor(readonly settings: Settings) {}
  check = () => true;
  async run(m: Model, r: Real) {
    r.steps.n++;
    const got = okBody(await call(r.url, 'setEmailOtpSettings', { body: this.settings }, await r.admin()));
    expect(got).toMatchObject(this.settings);
    m.settings = { ...this.settings };
    count(r, 'settings');
  }
  toString = () => `settings(${JSON.stringify(this.settings)})`;
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    r.steps.n++;
    r.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms / 1000} s)`;
}

type Instant = 'expiry' | 'resend' | 'hourly' | 'unknownWindow';

/** The instants at which a rule changes its answer, still ahead. */
function instants(m: Readonly<Model>, kind: Instant, t: number): number[] {
  const all =
    kind === 'expiry'
      ? m.passwords.map((p) => p.expiresAt)
      : kind === 'resend'
        ? m.passwords.map((p) => p.lastSentAt + RESEND_INTERVAL)
        : kind === 'hourly'
          ? Object.values(m.computers).map((c) => c.nextNewAt)
          : Object.values(m.computers).flatMap((c) => c.unknownAt.map((at) => at + UNKNOWN_WINDOW));
  return [...new Set(all.filter((x) => x > t))].sort((a, b) => a - b);
}

/** Moves the clock to the very instant a rule changes, or 1 ms before it: the boundaries must be exact. */
class AdvanceTo implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly kind: Instant,
    readonly n: number,
    readonly before: boolean,
    readonly clock: TestClock,
  ) {}
  check = (m: Readonly<Model>) => instants(m, this.kind, this.clock.now().getTime() + 1).length > 0;
  async run(m: Model, r: Real) {
    r.steps.n++;
    const t = now(r);
    const list = instants(m, this.kind, t + 1);
    const to = list[this.n % list.length]!;
    r.clock.set(new Date(to - (this.before ? 1 : 0)));
    count(r, `clock to ${this.before ? 'just before ' : ''}${this.kind}`);
  }
  toString = () => `advanceTo(${this.before ? '1 ms before ' : ''}${this.kind} #${this.n})`;
}

// ---------------------------------------------------------------------------------------------
// The audit: what each step wrote under the computer's name, by reason

function auditLabel(e: { action: string; detail: string | null }): string {
  const d = e.detail ?? '';
  const reason = d.split(':')[0] ?? '';
  switch (e.action) {
    case 'otp.request':
      return d.includes('; re-send of the pending password') ? 'request:resend' : 'request:new';
    case 'otp.send':
      return 'send';
    case 'otp.request_refused':
      return `refused:${reason}`;
    case 'otp.signin_denied': {
      const n = /wrong try (\d+) of 5/.exec(d);
      return `denied:${reason}${n ? ` ${n[1]}` : ''}`;
    }
    case 'otp.signin':
      return 'signin';
    case 'client_session.end':
      return 'signout';
    default:
      return e.action;
  }
}

/** The entries the step added under `computer <name>` must be, by reason, the model's (in any order: parallel copies race). */
async function checkAudit(m: Model, r: Real, pc: Pc, expected: string[], what: string): Promise<void> {
  const page = okBody(await call(r.url, 'listAudit', { query: { actor: `computer ${r.computers[pc].name}`, limit: Math.max(1, expected.length) } }, await r.admin()));
  const got = expected.length === 0 ? [] : page.items.map(auditLabel);
  if (page.total !== m.audit[pc] + expected.length || JSON.stringify([...got].sort()) !== JSON.stringify([...expected].sort())) {
    fail(`${what}: the audit`, { added: page.total - m.audit[pc], newest: page.items.map(auditLabel) }, { added: expected.length, newest: expected });
  }
  m.audit[pc] += expected.length;
}

// ---------------------------------------------------------------------------------------------
// The commands

const pcs = fc.constantFrom<Pc>('A', 'B');
const whos = fc.constantFrom<Who>('D', 'I');
const settingsArb: fc.Arbitrary<Settings> = fc.oneof(
  // The default way (an address typed) most often; the automatic options and emergency access the rest of the time.
  { weight: 2, arbitrary: fc.record({ expirationMinutes: fc.constantFrom(2, 30, 30, 90), autoDirectory: fc.constant(false), autoInternal: fc.constant(false), emergencyAccess: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({ expirationMinutes: fc.constantFrom(1, 2, 30, 90), autoDirectory: fc.boolean(), autoInternal: fc.boolean(), emergencyAccess: fc.boolean() }),
  },
);

function commands(clock: TestClock) {
  const who = fc.oneof({ weight: 6, arbitrary: whos }, { weight: 1, arbitrary: fc.constant('nobody' as const) });
  const choice: fc.Arbitrary<ModeChoice> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ offered: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ fixed: fc.constantFrom<Mode>('email', 'directory', 'internal', 'emergency') }) },
  );
  const opts: fc.Arbitrary<RequestOpts> = fc.record({
    upper: fc.boolean(),
    form: fc.constantFrom('domain' as const, 'upn' as const, 'bare' as const),
    osUser: fc.option(fc.constant('CORP\\visitor'), { nil: undefined }),
  });
  const pick: fc.Arbitrary<Pick> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('here' as const), n: fc.constantFrom(0, 0, 1, 2) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('any' as const), n: fc.nat(3) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('wrong' as const), salt: fc.nat() }) },
  );
  const where = fc.oneof({ weight: 2, arbitrary: fc.constant('newest' as const) }, { weight: 1, arbitrary: fc.record({ pc: pcs, who: whos }) });
  const copies = fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 8 }) });
  const step = fc.oneof(
    { weight: 20, arbitrary: fc.tuple(fc.record({ pc: pcs, who }), choice, opts).map(([at, c, o]) => new Request(at, c, o)) },
    // Asking again for the newest password's user on its computer (a re-send, or what the hourly rule says).
    { weight: 6, arbitrary: fc.tuple(choice, opts).map(([c, o]) => new Request('newest', c, o)) },
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(30_000, 61_000, 90_000), choice, opts).map(([ms, c, o]) => new RequestAgain(ms, c, o)) },
    { weight: 4, arbitrary: fc.tuple(pcs, whos, fc.nat(3), fc.integer({ min: 2, max: 5 })).map(([pc, w, n, k]) => new ParallelRequests(pc, w, n, k)) },
    // An agent guessing addresses or accounts, many at once.
    { weight: 2, arbitrary: fc.tuple(pcs, fc.nat(3), fc.integer({ min: 4, max: 12 })).map(([pc, n, k]) => new ParallelRequests(pc, 'nobody', n, k)) },
    {
      weight: 30,
      arbitrary: fc
        .tuple(where, pick, copies, fc.constantFrom<Format>('plain', 'grouped', 'dashed'), fc.option(fc.constant('PC\\kiosk'), { nil: undefined }), fc.boolean())
        .map(([at, p, k, format, osUser, upper]) => new SignIn(at, p, k, format, osUser, upper)),
    },
    // Someone trying codes against the newest password's address on its computer, some at once.
    { weight: 4, arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 2, max: 6 })).map(([salt, k]) => new SignIn('newest', { kind: 'wrong', salt }, k, 'plain', undefined, false)) },
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom('own' as const, 'own' as const, 'other' as const), fc.nat(4)).map(([on, n]) => new SignOut(on, n)) },
    { weight: 10, arbitrary: fc.constantFrom(1_000, 30_000, 61_000, 61_000, 61_000, 90_000, 5 * MINUTE, 16 * MINUTE, 31 * MINUTE, 61 * MINUTE, 2 * HOUR).map((ms) => new Advance(ms)) },
    {
      weight: 10,
      arbitrary: fc.tuple(fc.constantFrom<Instant>('expiry', 'expiry', 'resend', 'hourly', 'unknownWindow'), fc.nat(3), fc.boolean()).map(([k, n, before]) => new AdvanceTo(k, n, before, clock)),
    },
    {
      weight: 10,
      arbitrary: fc.tuple(fc.oneof({ weight: 1, arbitrary: whos }, { weight: 3, arbitrary: fc.constant('newest' as const) }), fc.boolean()).map(([w, d]) => new SetDisabled(w, d)),
    },
    { weight: 3, arbitrary: settingsArb.map((s) => new SetSettings(s)) },
    // A revoked computer is revoked for the rest of the run: rarely.
    { weight: 1, arbitrary: pcs.map((pc) => new Revoke(pc)) },
  );
  return [step];
}

/** What each backend's runs must have reached at least once: else the property tested less than it says. */
const MUST_REACH = [
  'request:new password [email]',
  'request:new password [directory]',
  'request:new password [internal]',
  'request:new password [emergency]',
  'request:re-sent',
  'request:RATE_LIMITED (re-sent less than a minute ago)',
  'request:RATE_LIMITED (a new password within the hour)',
  'request:RATE_LIMITED (named nobody too often)',
  'request:OTP_RECIPIENT_UNKNOWN (unknown_email)',
  'request:OTP_RECIPIENT_UNKNOWN (unknown_os_user)',
  'request:OTP_RECIPIENT_UNKNOWN (user_disabled)',
  'request:OTP_MODE_NOT_ALLOWED',
  'request:INVALID_CREDENTIALS (directory user)',
  'request:AUTH_REQUIRED (revoked computer)',
  'signin: allowed',
  'signin: denied:used',
  'signin: denied:other_computer',
  'signin: denied:expired',
  'signin: denied:wrong_password',
  'signin: denied:void_too_many_tries',
  'signin: denied:no_pending_password',
  'signin: denied:user_disabled',
  'signin: AUTH_REQUIRED (revoked computer)',
  'signin: allowed (one of parallel copies',
  'signin: denied:wrong_password (parallel copies',
  'parallel requests',
  'signout: ended',
  'signout: another computer\'s session',
  'clock to expiry',
  'clock to just before expiry',
];

// ---------------------------------------------------------------------------------------------

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink?.close();
});

eachBackend('Computer sign-in with one-time passwords by email against a model', (backend) => {
  const clock = testClock();
  const { url, server } = useServer(backend, () => ({ now: clock.now, mail: smtpTo(sink) }));
  const tag = backend.name.toLowerCase();
  let run = 0;
  const tally = new Map<string, number>();
  const steps = { n: 0 };
  const timing = { setup: 0, final: 0 };

  it(`answers every random sequence of requests, sign-ins, clock moves and administration as the model says (${RUNS} runs)`, async () => {
    let token = '';
    let tokenAt = -Infinity;
    // Runs move the clock by hours: a fresh administrator session every few hours of it.
    const admin = async () => {
      if (clock.now().getTime() - tokenAt > 6 * HOUR) {
        token = await server().issueAdminToken();
        tokenAt = clock.now().getTime();
      }
      return token;
    };
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(settingsArb, fc.commands(commands(clock), { maxCommands: MAX_COMMANDS, size: 'max' }), async (settings, cmds) => {
        // Each run: its own two computers and two users (a directory one and an internal one), and the settings it starts with.
        const n = ++run;
        const s0 = Date.now();
        clock.advance(HOUR);
        const adminToken = await admin();
        okBody(await call(url(), 'setEmailOtpSettings', { body: settings }, adminToken));
        const [a, b] = await Promise.all([registerComputer(url(), adminToken, `PC-${tag}-${n}-A`), registerComputer(url(), adminToken, `PC-${tag}-${n}-B`)]);
        const user = async (who: Who): Promise<RealUser> => {
          const login = `${who === 'D' ? 'dir' : 'int'}${n}.${tag}`;
          const email = `${login}@corp.example`;
          const password = 'Granite-Orchard-58';
          const body = { login, displayName: `Person ${login}`, email, password, source: who === 'D' ? 'directory' : 'internal' };
          const u = okBody(await call(url(), 'createUser', { body }, adminToken));
          return { id: u.id, login, email, password };
        };
        const real: Real = { url: url(), clock, sink, admin, computers: { A: a!, B: b! }, users: { D: await user('D'), I: await user('I') }, serial: { n: 0 }, tally, steps };
        timing.setup += Date.now() - s0;
        const model: Model = {
          settings: { ...settings },
          computers: { A: { revoked: false, nextNewAt: 0, unknownAt: [] }, B: { revoked: false, nextNewAt: 0, unknownAt: [] } },
          users: { D: { disabled: false, mails: 0 }, I: { disabled: false, mails: 0 } },
          passwords: [],
          sessions: [],
          audit: { A: 0, B: 0 },
          seq: 0,
        };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        const f0 = Date.now();
        await finalState(model, real, server().mail.idle);
        timing.final += Date.now() - f0;
      }),
      { numRuns: RUNS },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const outcomes = [...tally.entries()].sort(([x], [y]) => x.localeCompare(y));
    console.log(`otp-model on ${backend.name}: ${RUNS} runs, ${steps.n} steps, in ${seconds} s (setup ${timing.setup} ms, final ${timing.final} ms); outcomes: ${outcomes.map(([k, v]) => `${k} = ${v}`).join('; ')}`);
    const missing = MUST_REACH.filter((label) => !outcomes.some(([k]) => k.startsWith(label)));
    expect(missing, 'outcomes the runs never reached').toEqual([]);
  }, 900_000);
});

/**
 * After a run: every message the model expects arrived, and none more; the administrator's
 * lists (pending passwords, client sessions) show what the model holds.
 */
async function finalState(m: Model, r: Real, idle: () => Promise<void>): Promise<void> {
  await idle();
  for (const who of ['D', 'I'] as const) {
    const got = mailsTo(r.sink, r.users[who].email).length;
    if (got !== m.users[who].mails) fail(`mail to ${who}`, got, m.users[who].mails);
  }
  const t = now(r);
  const token = await r.admin();
  for (const pc of ['A', 'B'] as const) {
    const listed = okBody(await call(r.url, 'listPendingOtps', { query: { computerId: r.computers[pc].id } }, token));
    const got = listed.items.map((i) => ({ id: i.id, sends: i.sends, failedTries: i.failedTries, emergency: i.emergency, expiresAt: i.expiresAt })).sort((x, y) => x.id.localeCompare(y.id));
    const want = m.passwords
      .filter((p) => p.pc === pc && pending(p, t))
      .map((p) => ({ id: p.requestId, sends: p.sends, failedTries: p.tries, emergency: p.emergency, expiresAt: iso(p.expiresAt) }))
      .sort((x, y) => x.id.localeCompare(y.id));
    if (JSON.stringify(got) !== JSON.stringify(want)) fail(`pending passwords of ${pc}`, got, want);
    const sessions = okBody(await call(r.url, 'listClientSessions', { query: { computer: r.computers[pc].id, limit: 500 } }, token));
    const gotSessions = sessions.items.map((s) => ({ id: s.id, endedAt: s.endedAt, endReason: s.endReason, emergency: s.emergency })).sort((x, y) => x.id.localeCompare(y.id));
    const wantSessions = m.sessions
      .filter((s) => s.pc === pc)
      .map((s) => ({ id: s.id, endedAt: s.endedAt, endReason: s.endReason, emergency: s.emergency }))
      .sort((x, y) => x.id.localeCompare(y.id));
    if (JSON.stringify(gotSessions) !== JSON.stringify(wantSessions)) fail(`client sessions of ${pc}`, gotSessions, wantSessions);
  }
}

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../../shared/model/user';
import { eachBackend, postgres, sqlite, startTestServer, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { agentSignin, auditOf, mailsTo, otpFromMail, registerComputer, requestOtp, setOtpSettings, smtpTo, waitForMail, type TestComputer } from '../../test-support/email-otp';
import { startSmtpSink, type SmtpSink } from '../../test-support/smtp-sink';
import { testClock } from '../../test-support/two-step';
import { newSecretKey } from '../../security/secret-box';
import { sweepEmailOtps } from './service';

const clock = testClock();
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink?.close();
});

const HOUR = 60 * 60 * 1000;

eachBackend('one-time passwords by email', (backend) => {
  const { url, admin, newUser, db, server } = useServer(backend, () => ({ now: clock.now, mail: smtpTo(sink) }));
  let serial = 0;
  const tag = backend.name.toLowerCase();
  const computer = (): Promise<TestComputer> => registerComputer(url(), admin(), `PC-${tag}-${++serial}`);
  /** A user with an address of their own (and a password or source when asked). */
  const person = (prefix: string, extra: { password?: string; source?: 'internal' | 'directory'; login?: string } = {}): Promise<User> => {
    const n = ++serial;
    const email = `${prefix}${n}.${tag}@corp.example`;
    if (extra.login !== undefined) {
      return call(url(), 'createUser', { body: { login: extra.login, displayName: `Person ${n}`, email, ...extra } }, admin()).then(okBody);
    }
    return newUser(prefix, { email, ...extra });
  };
  /** Requests by address and reads the password from the message that arrived. */
  const mailedCode = async (pc: TestComputer, u: User, nth = 1) => {
    okBody(await requestOtp(url(), pc, { mode: 'email', email: u.email }));
    return otpFromMail(await waitForMail(sink, u.email, nth));
  };
  const lastDenial = async () => (await auditOf(url(), admin(), 'otp.signin_denied', 1))[0]?.detail ?? '';

  beforeAll(async () => {
    await setOtpSettings(url(), admin());
  });

  it('mails a password to the address typed; signing in with it starts a session listed as "<signed-in user> (<email>)"', async () => {
    const pc = await computer();
    const u = await person('a.berg');
    const asked = okBody(await requestOtp(url(), pc, { mode: 'email', email: u.email.toUpperCase() }));
    expect(asked).toMatchObject({ status: 'sent', email: u.email, resent: false, emergency: false });
    expect(Date.parse(asked.expiresAt) - clock.now().getTime()).toBe(30 * 60 * 1000);

    const mail = await waitForMail(sink, u.email);
    const code = otpFromMail(mail);
    expect(code).toMatch(/^\d{8}$/);
    expect(mail.subject).toContain(pc.name);
    expect(mail.subject).not.toMatch(/\d{4}/);
    expect(mail.text).toContain(`only on ${pc.name}`);

    const signedIn = okBody(await agentSignin(url(), pc, { email: u.email, otp: `${code.slice(0, 4)} ${code.slice(4)}`, osUser: 'CORP\\a.berg' }));
    expect(signedIn.allowed).toBe(true);
    expect(signedIn.session).toMatchObject({ userName: `CORP\\a.berg (${u.email})`, login: u.login, email: u.email, computerName: pc.name, endedAt: null, emergency: false });

    const listed = okBody(await call(url(), 'listClientSessions', { query: { computer: pc.name } }, admin()));
    expect(listed.total).toBe(1);
    expect(listed.items[0]).toMatchObject({ id: signedIn.session.id, userName: `CORP\\a.berg (${u.email})`, computerId: pc.id, endedAt: null });

    // The audit has the request, the mail and the use; no entry holds the password.
    expect((await auditOf(url(), admin(), 'otp.request', 1))[0]).toMatchObject({ actor: `computer ${pc.name}`, target: u.login });
    expect((await auditOf(url(), admin(), 'otp.send', 1))[0]?.detail).toContain(`queued to ${u.email}`);
    expect((await auditOf(url(), admin(), 'otp.signin', 1))[0]?.detail).toContain(`CORP\\a.berg (${u.email}) signed in to ${pc.name}`);
    expect(okBody(await call(url(), 'listAudit', { query: { search: code } }, admin())).total).toBe(0);

    // Stored as an HMAC under the server key: not the code, not its bare SHA-256; the sealed copy is gone once used.
    const row = await db().selectFrom('email_otps').selectAll().where('id', '=', asked.requestId).executeTakeFirstOrThrow();
    expect(row.code_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(row.code_hmac).not.toBe(createHash('sha256').update(code).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(code);
    expect(row.code_sealed).toBeNull();
    expect(row.used_at).not.toBeNull();

    // The message went through the outbox, queued with the password: one row, sent under the
    // Message-ID the audit names, its content (which held the password) dropped once sent.
    await server().mail.idle();
    const out = await db().selectFrom('mail_outbox').select(['kind', 'status', 'message_id', 'content', 'subject', 'to_address']).where('ref', '=', asked.requestId).execute();
    expect(out).toEqual([{ kind: 'otp', status: 'sent', message_id: mail.messageId, content: null, subject: mail.subject, to_address: u.email }]);
    expect((await auditOf(url(), admin(), 'otp.send', 5)).some((e) => e.detail?.includes(`Mail ${mail.messageId} queued to ${u.email}`))).toBe(true);
  });

  it('denies a used password, another computer\'s, an expired one and a wrong one: one answer to the client, its own reason in the audit', async () => {
    const pc1 = await computer();
    const pc2 = await computer();
    const u = await person('b.chen');
    const code = await mailedCode(pc1, u);

    const elsewhere = await agentSignin(url(), pc2, { email: u.email, otp: code });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.error).toEqual({ code: 'ACCESS_DENIED', message: 'Access denied' });
    expect(await lastDenial()).toMatch(new RegExp(`^other_computer: the password was requested on ${pc1.name}, not on ${pc2.name}`));

    okBody(await agentSignin(url(), pc1, { email: u.email, otp: code }));
    const again = await agentSignin(url(), pc1, { email: u.email, otp: code });
    expect(again.error).toEqual({ code: 'ACCESS_DENIED', message: 'Access denied' });
    expect(await lastDenial()).toMatch(/^used: the password was used at /);

    const pc3 = await computer();
    const late = await person('c.diaz');
    const lateCode = await mailedCode(pc3, late);
    clock.advance(30 * 60 * 1000);
    const expired = await agentSignin(url(), pc3, { email: late.email, otp: lateCode });
    expect(expired.error).toEqual({ code: 'ACCESS_DENIED', message: 'Access denied' });
    expect(await lastDenial()).toMatch(/^expired: the password expired at /);

    const wrong = await agentSignin(url(), pc1, { email: u.email, otp: code === '12345678' ? '87654321' : '12345678' });
    expect(wrong.error).toEqual({ code: 'ACCESS_DENIED', message: 'Access denied' });
    expect(await lastDenial()).toMatch(/^no_pending_password: /);
  });

  it('refuses a new password for the same computer within the hour with RATE_LIMITED and the time to ask again', async () => {
    const pc = await computer();
    const [first, second] = [await person('d.eve'), await person('e.fox')];
    const askedAt = clock.now().getTime();
    okBody(await requestOtp(url(), pc, { mode: 'email', email: first.email }));
    clock.advance(10 * 60 * 1000);

    const res = await fetch(`${url()}/api/v1/agent/otp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pc.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'email', email: second.email }),
    });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { code: string; details: { retryAt: string; retryAfterSeconds: number } };
    expect(body.code).toBe('RATE_LIMITED');
    expect(body.details.retryAt).toBe(new Date(askedAt + HOUR).toISOString());
    expect(res.headers.get('retry-after')).toBe(String(50 * 60));
    expect((await auditOf(url(), admin(), 'otp.request_refused', 1))[0]?.detail).toMatch(/^hourly_limit: /);
    expect(mailsTo(sink, second.email)).toHaveLength(0);

    // Used, the password is not "valid" any more: asking for the same user again is a new one, refused too.
    const code = otpFromMail(await waitForMail(sink, first.email));
    okBody(await agentSignin(url(), pc, { email: first.email, otp: code }));
    expect((await requestOtp(url(), pc, { mode: 'email', email: first.email })).error?.code).toBe('RATE_LIMITED');

    clock.advance(50 * 60 * 1000);
    expect(okBody(await requestOtp(url(), pc, { mode: 'email', email: second.email })).resent).toBe(false);
  });

  it('of 10 parallel requests for one computer (10 users) one makes a password; the others are refused by the hourly rule', async () => {
    const pc = await computer();
    const users = await Promise.all(Array.from({ length: 10 }, () => person('par')));
    const answers = await Promise.all(users.map((u) => requestOtp(url(), pc, { mode: 'email', email: u.email })));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    for (const a of answers.filter((x) => !x.ok)) expect(a.error?.code).toBe('RATE_LIMITED');
    expect(await db().selectFrom('email_otps').select('id').where('computer_id', '=', pc.id).execute()).toHaveLength(1);
  });

  it('asking again while the password is valid mails the same password, at most once a minute', async () => {
    const pc = await computer();
    const u = await person('f.gray');
    const first = okBody(await requestOtp(url(), pc, { mode: 'email', email: u.email }));
    const code = otpFromMail(await waitForMail(sink, u.email));

    const tooSoon = await requestOtp(url(), pc, { mode: 'email', email: u.email });
    expect(tooSoon.error?.code).toBe('RATE_LIMITED');
    expect((tooSoon.error?.details as { retryAt: string }).retryAt).toBe(new Date(clock.now().getTime() + 60_000).toISOString());

    clock.advance(61_000);
    const again = okBody(await requestOtp(url(), pc, { mode: 'email', email: u.email }));
    expect(again).toMatchObject({ requestId: first.requestId, resent: true, expiresAt: first.expiresAt });
    expect(otpFromMail(await waitForMail(sink, u.email, 2))).toBe(code);
    expect((await auditOf(url(), admin(), 'otp.send', 1))[0]?.detail).toContain('send 2 of the same password');

    const pending = okBody(await call(url(), 'listPendingOtps', { query: { computerId: pc.id } }, admin()));
    expect(pending.items).toHaveLength(1);
    expect(pending.items[0]).toMatchObject({ id: first.requestId, login: u.login, email: u.email, sends: 2, failedTries: 0, mode: 'email', emergency: false });
    expect(JSON.stringify(pending)).not.toContain(code);

    okBody(await agentSignin(url(), pc, { email: u.email, otp: code }));
    expect(okBody(await call(url(), 'listPendingOtps', { query: { computerId: pc.id } }, admin())).total).toBe(0);
  });

  it('voids a password after five wrong tries: the right one is denied after that', async () => {
    const pc = await computer();
    const u = await person('g.hall');
    const code = await mailedCode(pc, u);
    const wrong = String((Number(code) + 1) % 100_000_000).padStart(8, '0');
    for (let i = 1; i <= 5; i++) {
      expect((await agentSignin(url(), pc, { email: u.email, otp: wrong })).error?.code).toBe('ACCESS_DENIED');
      expect(await lastDenial()).toContain(`wrong try ${i} of 5`);
    }
    expect(await lastDenial()).toContain('the pending password is now void');
    const right = await agentSignin(url(), pc, { email: u.email, otp: code });
    expect(right.error).toEqual({ code: 'ACCESS_DENIED', message: 'Access denied' });
    expect(await lastDenial()).toMatch(/^void_too_many_tries: /);
    const row = await db().selectFrom('email_otps').select(['failed_tries', 'voided_at', 'code_sealed']).where('user_id', '=', u.id).executeTakeFirstOrThrow();
    expect(Number(row.failed_tries)).toBe(5);
    expect(row.voided_at).not.toBeNull();
    expect(row.code_sealed).toBeNull();
  });

  it('of 12 parallel wrong tries against a pending password 5 count and the fifth voids it; the audit names the rest as finding no pending password', async () => {
    const pc = await computer();
    const u = await person('w.par');
    const code = await mailedCode(pc, u);
    const wrong = String((Number(code) + 1) % 100_000_000).padStart(8, '0');
    const answers = await Promise.all(Array.from({ length: 12 }, () => agentSignin(url(), pc, { email: u.email, otp: wrong })));
    for (const a of answers) expect(a.error).toEqual({ code: 'ACCESS_DENIED', message: 'Access denied' });
    const row = await db().selectFrom('email_otps').select(['failed_tries', 'void_reason']).where('user_id', '=', u.id).executeTakeFirstOrThrow();
    expect(Number(row.failed_tries)).toBe(5);
    expect(row.void_reason).toBe('too_many_tries');
    // Each try the audit counts is numbered once, 1 to 5; a try that came too late to count says so.
    const denied = okBody(await call(url(), 'listAudit', { query: { action: 'otp.signin_denied', target: u.email, limit: 50 } }, admin())).items.map((e) => e.detail ?? '');
    expect(denied).toHaveLength(12);
    const numbered = denied.map((d) => /^wrong_password: wrong try (\d+) of 5/.exec(d)?.[1]).filter((n) => n !== undefined);
    expect(numbered.sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(denied.filter((d) => d.startsWith('no_pending_password: '))).toHaveLength(7);
  });

  it('of 20 parallel sign-ins with one password exactly one is allowed', async () => {
    const pc = await computer();
    const u = await person('h.ito');
    const code = await mailedCode(pc, u);
    const answers = await Promise.all(Array.from({ length: 20 }, () => agentSignin(url(), pc, { email: u.email, otp: code })));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    for (const a of answers.filter((x) => !x.ok)) expect(a.error).toEqual({ code: 'ACCESS_DENIED', message: 'Access denied' });
    const sessions = await db().selectFrom('client_sessions').select('id').where('user_id', '=', u.id).execute();
    expect(sessions).toHaveLength(1);
    const denied = okBody(await call(url(), 'listAudit', { query: { action: 'otp.signin_denied', target: u.email, limit: 50 } }, admin()));
    expect(denied.total).toBe(19);
    expect(denied.items.every((e) => e.detail?.startsWith('used: '))).toBe(true);
  });

  it('a revoked computer is refused at once: its pending password is void and its open session ends', async () => {
    const pc = await computer();
    const [u1, u2] = [await person('i.jo'), await person('j.kay')];
    const session = okBody(await agentSignin(url(), pc, { email: u1.email, otp: await mailedCode(pc, u1) })).session;
    clock.advance(HOUR);
    const pendingCode = await mailedCode(pc, u2);
    const revoked = okBody(await call(url(), 'revokeComputer', { params: { id: pc.id } }, admin()));
    expect(revoked).toMatchObject({ sessionsEnded: 1, passwordsVoided: 1 });
    expect(revoked.computer.revokedAt).not.toBeNull();

    const refused = await agentSignin(url(), pc, { email: u2.email, otp: pendingCode });
    expect(refused.status).toBe(401);
    expect(refused.error?.code).toBe('AUTH_REQUIRED');
    expect((await call(url(), 'agentInfo', {}, pc.credential)).status).toBe(401);
    const listed = okBody(await call(url(), 'listClientSessions', { query: { computer: pc.id } }, admin()));
    expect(listed.items[0]).toMatchObject({ id: session.id, endReason: 'computer_revoked' });
    expect(listed.items[0]?.endedAt).not.toBeNull();
    expect(okBody(await call(url(), 'listPendingOtps', { query: { computerId: pc.id } }, admin())).total).toBe(0);
  });

  describe('with "send to directory users"', () => {
    beforeAll(async () => {
      await setOtpSettings(url(), admin(), { autoDirectory: true });
    });
    afterAll(async () => {
      await setOtpSettings(url(), admin());
    });

    it('finds the directory user of the signed-in OS account (DOMAIN\\login or login@domain, any case) and mails their address', async () => {
      const info = okBody(await call(url(), 'agentInfo', {}, (await computer()).credential));
      expect(info.modes).toEqual(['directory', 'emergency']);
      const pc = await computer();
      const u = await person('dir', { login: `d.kim${tag}`, source: 'directory' });
      expect(u.source).toBe('directory');
      const asked = okBody(await requestOtp(url(), pc, { mode: 'directory', osUser: `CORP\\D.KIM${tag.toUpperCase()}` }));
      expect(asked).toMatchObject({ email: u.email, resent: false, emergency: false });
      const code = otpFromMail(await waitForMail(sink, u.email));
      // The agent names no one at sign-in: the session shows the OS account the request named.
      const s = okBody(await agentSignin(url(), pc, { email: u.email, otp: code })).session;
      expect(s.userName).toBe(`CORP\\D.KIM${tag.toUpperCase()} (${u.email})`);
      expect((await auditOf(url(), admin(), 'otp.request', 1))[0]?.detail).toContain(`directory user, OS account CORP\\D.KIM${tag.toUpperCase()}`);

      const upn = await computer();
      okBody(await requestOtp(url(), upn, { mode: 'directory', osUser: `d.kim${tag}@corp.example` }));
      await waitForMail(sink, u.email, 2);
    });

    it('finds no internal user that way, and refuses a typed address (only the emergency option takes one)', async () => {
      const pc = await computer();
      const internal = await person('int', { login: `n.lee${tag}` });
      const r = await requestOtp(url(), pc, { mode: 'directory', osUser: `CORP\\n.lee${tag}` });
      expect(r.status).toBe(404);
      expect(r.error?.code).toBe('OTP_RECIPIENT_UNKNOWN');
      expect((await auditOf(url(), admin(), 'otp.request_refused', 1))[0]?.detail).toMatch(/^unknown_os_user: /);
      const typed = await requestOtp(url(), pc, { mode: 'email', email: internal.email });
      expect(typed.status).toBe(403);
      expect(typed.error?.code).toBe('OTP_MODE_NOT_ALLOWED');
      expect(typed.error?.details).toEqual({ modes: ['directory', 'emergency'] });
    });

    it('asking with "I need emergency access" while a password is pending re-sends it marked as emergency everywhere: answer, mail, pending list, session', async () => {
      const pc = await computer();
      const u = await person('emr', { login: `e.ray${tag}`, source: 'directory' });
      const first = okBody(await requestOtp(url(), pc, { mode: 'directory', osUser: `CORP\\e.ray${tag}` }));
      expect(first.emergency).toBe(false);
      const code = otpFromMail(await waitForMail(sink, u.email));
      clock.advance(61_000);
      const again = okBody(await requestOtp(url(), pc, { mode: 'emergency', email: u.email }));
      expect(again).toMatchObject({ requestId: first.requestId, resent: true, emergency: true });
      const mail = await waitForMail(sink, u.email, 2);
      expect(otpFromMail(mail)).toBe(code);
      expect(mail.subject).toContain('emergency access');
      const pending = okBody(await call(url(), 'listPendingOtps', { query: { computerId: pc.id } }, admin()));
      expect(pending.items[0]).toMatchObject({ id: first.requestId, emergency: true, sends: 2 });
      const s = okBody(await agentSignin(url(), pc, { email: u.email, otp: code })).session;
      expect(s.emergency).toBe(true);
      expect((await auditOf(url(), admin(), 'otp.signin', 1))[0]?.detail).toContain('with EMERGENCY ACCESS');
      const listed = okBody(await call(url(), 'listClientSessions', { query: { emergency: 'true', computer: pc.id } }, admin()));
      expect(listed.items.map((i) => i.id)).toEqual([s.id]);
    });

    it('"I need emergency access" mails the address typed, marked as emergency in the mail, the audit and the lists', async () => {
      const pc = await computer();
      const u = await person('emg');
      const asked = okBody(await requestOtp(url(), pc, { mode: 'emergency', email: u.email, osUser: 'CORP\\visitor' }));
      expect(asked.emergency).toBe(true);
      const mail = await waitForMail(sink, u.email);
      expect(mail.subject).toContain('emergency access');
      expect((await auditOf(url(), admin(), 'otp.request', 1))[0]?.detail).toContain('EMERGENCY ACCESS');
      const pending = okBody(await call(url(), 'listPendingOtps', { query: { computerId: pc.id } }, admin()));
      expect(pending.items[0]).toMatchObject({ mode: 'emergency', emergency: true, osUser: 'CORP\\visitor' });
      const s = okBody(await agentSignin(url(), pc, { email: u.email, otp: otpFromMail(mail) })).session;
      expect(s).toMatchObject({ emergency: true, userName: `CORP\\visitor (${u.email})` });
      expect((await auditOf(url(), admin(), 'otp.signin', 1))[0]?.detail).toContain('EMERGENCY ACCESS');
      const listed = okBody(await call(url(), 'listClientSessions', { query: { emergency: 'true', computer: pc.id } }, admin()));
      expect(listed.items.map((i) => i.id)).toEqual([s.id]);

      await setOtpSettings(url(), admin(), { autoDirectory: true, emergencyAccess: false });
      const off = await requestOtp(url(), await computer(), { mode: 'emergency', email: u.email });
      expect(off.error?.code).toBe('OTP_MODE_NOT_ALLOWED');
      await setOtpSettings(url(), admin(), { autoDirectory: true });
    });
  });

  describe('with "send to internal users"', () => {
    beforeAll(async () => {
      await setOtpSettings(url(), admin(), { autoInternal: true });
    });
    afterAll(async () => {
      await setOtpSettings(url(), admin());
    });

    it('mails an internal user who gives their Gatepass login and password', async () => {
      const pc = await computer();
      const u = await person('in', { password: 'Granite-Orchard-58' });
      const asked = okBody(await requestOtp(url(), pc, { mode: 'internal', login: u.login.toUpperCase(), password: 'Granite-Orchard-58' }));
      expect(asked.email).toBe(u.email);
      const s = okBody(await agentSignin(url(), pc, { email: u.email, otp: otpFromMail(await waitForMail(sink, u.email)), osUser: 'PC\\kiosk' })).session;
      expect(s.userName).toBe(`PC\\kiosk (${u.email})`);
    });

    it('counts a wrong password with the other password sign-in failures, and refuses directory users', async () => {
      const pc = await computer();
      const u = await person('wp', { password: 'Granite-Orchard-58' });
      for (let i = 0; i < 4; i++) {
        const r = await requestOtp(url(), pc, { mode: 'internal', login: u.login, password: `wrong-${i}` });
        expect(r.status).toBe(401);
        expect(r.error?.code).toBe('INVALID_CREDENTIALS');
      }
      expect((await auditOf(url(), admin(), 'otp.request_refused', 1))[0]?.detail).toMatch(/^wrong_password: /);
      // The fifth failure comes from the ordinary password sign-in: the count is one (5 free tries
      // per address and login, then waits: signin-throttle.ts).
      expect((await call(url(), 'userSignin', { body: { login: u.login, password: 'wrong-5' } })).error?.code).toBe('INVALID_CREDENTIALS');
      const locked = await requestOtp(url(), pc, { mode: 'internal', login: u.login, password: 'Granite-Orchard-58' });
      expect(locked.error?.code).toBe('RATE_LIMITED');
      expect(mailsTo(sink, u.email)).toHaveLength(0);

      const dir = await person('dp', { password: 'Granite-Orchard-58', source: 'directory' });
      const r = await requestOtp(url(), pc, { mode: 'internal', login: dir.login, password: 'Granite-Orchard-58' });
      expect(r.error?.code).toBe('INVALID_CREDENTIALS');
      expect((await auditOf(url(), admin(), 'otp.request_refused', 1))[0]?.detail).toMatch(/^not_internal: /);
    });
  });

  it('names nobody for an unknown address, and stops a computer that guesses addresses', async () => {
    const pc = await computer();
    for (let i = 0; i < 10; i++) {
      const r = await requestOtp(url(), pc, { mode: 'email', email: `nobody${i}.${tag}@corp.example` });
      expect(r.error?.code).toBe('OTP_RECIPIENT_UNKNOWN');
    }
    expect((await auditOf(url(), admin(), 'otp.request_refused', 1))[0]?.detail).toMatch(/^unknown_email: /);
    const u = await person('k.lim');
    const stopped = await requestOtp(url(), pc, { mode: 'email', email: u.email });
    expect(stopped.error?.code).toBe('RATE_LIMITED');
    expect((await auditOf(url(), admin(), 'otp.request_refused', 1))[0]?.detail).toMatch(/^too_many_unknown: /);
  });

  it('stops a computer that guesses addresses in parallel too: of 20 guesses at once 10 are answered, the rest RATE_LIMITED', async () => {
    const pc = await computer();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => requestOtp(url(), pc, { mode: 'email', email: `guess${i}.${tag}@corp.example` })));
    expect(answers.filter((a) => a.error?.code === 'OTP_RECIPIENT_UNKNOWN')).toHaveLength(10);
    expect(answers.filter((a) => a.error?.code === 'RATE_LIMITED')).toHaveLength(10);
    const refused = okBody(await call(url(), 'listAudit', { query: { action: 'otp.request_refused', actor: `computer ${pc.name}`, limit: 50 } }, admin())).items;
    expect(refused.filter((e) => e.detail?.startsWith('unknown_email: '))).toHaveLength(10);
    expect(refused.filter((e) => e.detail?.startsWith('too_many_unknown: '))).toHaveLength(10);
    // A known address from that computer waits for the window too.
    expect((await requestOtp(url(), pc, { mode: 'email', email: (await person('q.par')).email })).error?.code).toBe('RATE_LIMITED');
  });

  it('the hourly sweep drops the sealed copy of an expired password at once, and the row after 7 days', async () => {
    const pc = await computer();
    const u = await person('s.weep');
    const asked = okBody(await requestOtp(url(), pc, { mode: 'email', email: u.email }));
    const row = () => db().selectFrom('email_otps').select(['code_sealed', 'code_hmac']).where('id', '=', asked.requestId).executeTakeFirst();
    expect((await row())?.code_sealed).toMatch(/^gp1\./);
    // Sweeps as a replica would run them, at later times (the suite's clock stays where it is).
    const sweepAt = (ms: number) =>
      sweepEmailOtps({ db: db(), now: () => new Date(clock.now().getTime() + ms) });
    await sweepAt(29 * 60 * 1000);
    expect((await row())?.code_sealed).not.toBeNull();
    await sweepAt(30 * 60 * 1000);
    expect(await row()).toMatchObject({ code_sealed: null, code_hmac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await sweepAt(30 * 60 * 1000 + 7 * 24 * HOUR + 1000);
    expect(await row()).toBeUndefined();
  });

  it('keeps the expiration time from 1 to 1,440 minutes and applies it to requests', async () => {
    for (const bad of [0, 1441, 2.5]) {
      const r = await call(url(), 'setEmailOtpSettings', { body: { expirationMinutes: bad, autoDirectory: false, autoInternal: false, emergencyAccess: true } }, admin());
      expect(r.error?.code).toBe('VALIDATION_FAILED');
    }
    expect((await setOtpSettings(url(), admin(), { expirationMinutes: 1440 })).expirationMinutes).toBe(1440);
    const s = await setOtpSettings(url(), admin(), { expirationMinutes: 1 });
    expect(s).toMatchObject({ expirationMinutes: 1, updatedBy: 'admin' });
    expect(okBody(await call(url(), 'getEmailOtpSettings', {}, admin())).expirationMinutes).toBe(1);
    expect((await auditOf(url(), admin(), 'otp.settings', 1))[0]?.detail).toBe('expiration 1440 -> 1 min');
    const pc = await computer();
    const asked = okBody(await requestOtp(url(), pc, { mode: 'email', email: (await person('m.moe')).email }));
    expect(Date.parse(asked.expiresAt) - clock.now().getTime()).toBe(60_000);
    await setOtpSettings(url(), admin());
  });
});

describe('one-time passwords on a server that sends no mail', () => {
  const { url, admin, db } = useServer(sqlite);
  it('are unavailable, say why, and leave nothing behind', async () => {
    await setOtpSettings(url(), admin());
    const pc = await registerComputer(url(), admin(), 'PC-nomail');
    const u = okBody(await call(url(), 'createUser', { body: { login: 'n.mail', email: 'n.mail@corp.example' } }, admin()));
    const r = await requestOtp(url(), pc, { mode: 'email', email: u.email });
    expect(r.status).toBe(503);
    expect(r.error?.code).toBe('EMAIL_OTP_UNAVAILABLE');
    expect(r.error?.message).toContain('no mail transport');
    expect(await db().selectFrom('email_otps').select('id').execute()).toEqual([]);
    expect((await db().selectFrom('computers').select('next_new_otp_at').where('id', '=', pc.id).executeTakeFirstOrThrow()).next_new_otp_at).toBe('');
  });
});

describe('one-time passwords on PostgreSQL without a secret key', () => {
  const { url, admin } = useServer(postgres, () => ({ noSecretKey: true, mail: smtpTo(sink) }));
  it('are unavailable, and say why', async () => {
    const pc = await registerComputer(url(), admin(), 'PC-nokey');
    const r = await requestOtp(url(), pc, { mode: 'email', email: 'x@corp.example' });
    expect(r.status).toBe(503);
    expect(r.error?.code).toBe('EMAIL_OTP_UNAVAILABLE');
    expect(r.error?.message).toContain('GATEPASS_SECRET_KEY');
  });
});

describe('one-time passwords across a key rotation', () => {
  it('the old key still checks and re-sends what it made; once it is removed those passwords are void and a new one may be asked at once', async () => {
    const location = await sqlite.freshDb();
    const [keyA, keyB] = [newSecretKey(), newSecretKey()];
    const start = (secretKey: string) => startTestServer(location, { secretKey, now: clock.now, mail: smtpTo(sink) });
    let s = await start(keyA);
    let token = await s.issueAdminToken();
    await setOtpSettings(s.url, token);
    const [pc1, pc2] = [await registerComputer(s.url, token, 'PC-rot-1'), await registerComputer(s.url, token, 'PC-rot-2')];
    const [u1, u2] = await Promise.all(
      ['r.one', 'r.two'].map((login) => call(s.url, 'createUser', { body: { login, email: `${login}@corp.example` } }, token).then(okBody)),
    );
    okBody(await requestOtp(s.url, pc1, { mode: 'email', email: u1!.email }));
    okBody(await requestOtp(s.url, pc2, { mode: 'email', email: u2!.email }));
    const code1 = otpFromMail(await waitForMail(sink, u1!.email));
    const code2 = otpFromMail(await waitForMail(sink, u2!.email));
    await s.close();

    // Rotated: B first, A still listed.
    s = await start(`${keyB},${keyA}`);
    clock.advance(61_000);
    expect(okBody(await requestOtp(s.url, pc1, { mode: 'email', email: u1!.email })).resent).toBe(true);
    expect(otpFromMail(await waitForMail(sink, u1!.email, 2))).toBe(code1);
    okBody(await agentSignin(s.url, pc1, { email: u1!.email, otp: code1 }));
    await s.close();

    // A removed: u2's password cannot be checked (denied), and asking again voids it and makes a new one at once.
    s = await start(keyB);
    token = await s.issueAdminToken();
    expect((await agentSignin(s.url, pc2, { email: u2!.email, otp: code2 })).error?.code).toBe('ACCESS_DENIED');
    const again = okBody(await requestOtp(s.url, pc2, { mode: 'email', email: u2!.email }));
    expect(again.resent).toBe(false);
    const fresh = otpFromMail(await waitForMail(sink, u2!.email, 2));
    expect(okBody(await agentSignin(s.url, pc2, { email: u2!.email, otp: fresh })).session.login).toBe('r.two');
    await s.close();
  });
});

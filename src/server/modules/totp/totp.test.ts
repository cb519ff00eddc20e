import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { naturalCompare } from '../../../shared/natural-sort';
import { QUIET_ZONE_MODULES } from '../../../shared/qr/matrix';
import { openDatabase } from '../../db/connect';
import { newSecretKey } from '../../security/secret-box';
import { ADMIN_PASSWORD, eachBackend, postgres, startTestServer, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { enrolledUser, oathtool, passwordSession, testClock, userWithPassword } from '../../test-support/two-step';
import { zbarRead } from '../../../test-support/zbar';

const STEP = 30_000;
const scratch = mkdtempSync(join(tmpdir(), 'gp-totp-qr-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Reads the server's QR SVG back into modules and lets zbarimg decode it: the URI an app would scan. */
function decodeQrSvg(svg: string): string {
  const view = /viewBox="(-?\d+) (-?\d+) (\d+) (\d+)"/.exec(svg);
  const path = /<path fill="#000" d="([^"]*)"/.exec(svg);
  if (!view || !path) throw new Error('not our QR SVG');
  const side = Number(view[3]);
  const size = side - 2 * QUIET_ZONE_MODULES;
  const dark = new Uint8Array(size * size);
  for (const m of path[1]!.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    const [x, y, w] = [Number(m[1]), Number(m[2]), Number(m[3])];
    for (let i = x; i < x + w; i++) dark[y * size + i] = 1;
  }
  const scale = 6;
  const rows: string[] = [];
  for (let py = 0; py < side * scale; py++) {
    let row = '';
    for (let px = 0; px < side * scale; px++) {
      const mx = Math.floor(px / scale) - QUIET_ZONE_MODULES;
      const my = Math.floor(py / scale) - QUIET_ZONE_MODULES;
      row += mx >= 0 && my >= 0 && mx < size && my < size && dark[my * size + mx] === 1 ? '1' : '0';
    }
    rows.push(row);
  }
  const file = join(scratch, `qr-${Math.random().toString(36).slice(2)}.pbm`);
  writeFileSync(file, `P1\n${side * scale} ${side * scale}\n${rows.join('\n')}\n`);
  const uri = zbarRead(file);
  if (uri === null) throw new Error('zbarimg found no code in the QR SVG');
  return uri;
}

eachBackend('Two-step verification (TOTP)', (backend) => {
  const clock = testClock();
  const { url, admin, db, dbLocation } = useServer(backend, { now: clock.now, name: 'Harbour Gate' });
  let serial = 0;
  const login = (p: string) => `${p}.${backend.name.toLowerCase()}${++serial}`;
  const signin = (l: string, password: string, extra: { otp?: string; recoveryCode?: string } = {}) => call(url(), 'userSignin', { body: { login: l, password, ...extra } });
  const state = async (userId: string) => okBody(await call(url(), 'userTwoStep', { params: { id: userId } }, adminNow()));
  // The admin session of useServer was made at the clock's start; a test that moves the clock far signs in again.
  let adminToken: string | null = null;
  const adminNow = () => adminToken ?? admin();
  const refreshAdmin = async () => {
    adminToken = okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).token;
  };

  describe('enrolment', () => {
    it('starts with a key URI apps read, its QR code from the server and the 160-bit secret as text', async () => {
      const l = login('enrol');
      await userWithPassword(url(), adminNow(), l);
      const token = await passwordSession(url(), l, 'Granite-Orchard-58');
      const start = okBody(await call(url(), 'startEnrolment', {}, token));
      expect(start.secret).toMatch(/^[A-Z2-7]{32}$/); // base32: 32 characters x 5 bits = 160 bits
      expect(start.otpauthUri).toBe(`otpauth://totp/Harbour%20Gate:${encodeURIComponent(l)}?secret=${start.secret}&issuer=Harbour%20Gate`);
      expect(start).toMatchObject({ issuer: 'Harbour Gate', accountName: l, algorithm: 'SHA1', digits: 6, period: 30 });
      expect(decodeQrSvg(start.qrSvg)).toBe(start.otpauthUri);
      expect(Date.parse(start.expiresAt) - clock.now().getTime()).toBe(15 * 60_000);
      // Stored sealed: neither table holds the secret, and the value names its key.
      const rows = await db().selectFrom('totp_enrolments').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(start.secret);
      expect(rows.find((r) => r.secret_enc.startsWith('gp1.'))).toBeDefined();
    });

    it('turns on with one oathtool code: recovery codes once, totp_enabled set, and that code cannot sign in again', async () => {
      clock.advance(STEP);
      const l = login('confirm');
      const u = await userWithPassword(url(), adminNow(), l);
      const token = await passwordSession(url(), l, 'Granite-Orchard-58');
      const start = okBody(await call(url(), 'startEnrolment', {}, token));
      const wrong = await call(url(), 'confirmEnrolment', { body: { code: oathtool(start.secret, new Date(clock.now().getTime() + 5 * STEP)) } }, token);
      expect(wrong.error?.code).toBe('TOTP_CODE_INVALID');
      const code = oathtool(start.secret, clock.now());
      const confirmed = okBody(await call(url(), 'confirmEnrolment', { body: { code } }, token));
      expect(confirmed.recoveryCodes).toHaveLength(8);
      expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, adminNow())).totpEnabled).toBe(true);
      const flag = await db().selectFrom('users').select('totp_enabled').where('id', '=', u.id).executeTakeFirstOrThrow();
      expect(flag.totp_enabled).toBe(1);
      const st = await state(u.id);
      expect(st).toMatchObject({ enabled: true, recoveryCodesLeft: 8, failedAttempts: 0, locked: false, enrolmentPendingUntil: null });
      const again = await signin(l, 'Granite-Orchard-58', { otp: code });
      expect(again.error?.code).toBe('TOTP_CODE_REPLAYED');
      const account = okBody(await call(url(), 'accountTwoStep', {}, token));
      expect(account).toMatchObject({ enabled: true, kind: 'user', login: l, scope: 'full', mandatory: false });
    });

    it('expires when not confirmed within 15 minutes', async () => {
      const l = login('expire');
      await userWithPassword(url(), adminNow(), l);
      const token = await passwordSession(url(), l, 'Granite-Orchard-58');
      const start = okBody(await call(url(), 'startEnrolment', {}, token));
      clock.advance(15 * 60_000 + 1000);
      const late = await call(url(), 'confirmEnrolment', { body: { code: oathtool(start.secret, clock.now()) } }, token);
      expect(late.status).toBe(409);
      expect(late.error?.code).toBe('TOTP_ENROLMENT_EXPIRED');
      expect((await call(url(), 'confirmEnrolment', { body: { code: '123456' } }, token)).error?.code).toBe('TOTP_ENROLMENT_EXPIRED');
    });

    it('is not open to a device session from a QR card', async () => {
      const l = login('device');
      const u = await userWithPassword(url(), adminNow(), l);
      const issued = okBody(await call(url(), 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Lantern-Meadow-71' }] } }, adminNow())).results[0];
      if (!issued?.ok) throw new Error('issue failed');
      const device = okBody(await call(url(), 'qrSignin', { body: { login: l, credential: issued.issued.credential } }));
      const r = await call(url(), 'startEnrolment', {}, device.token);
      expect(r.status).toBe(401);
      expect(r.error?.code).toBe('AUTH_REQUIRED');
    });

    it('keeps secrets sealed in the database and the key outside it', async () => {
      clock.advance(STEP);
      const e = await enrolledUser(url(), adminNow(), login('sealed'), clock.now());
      const factors = JSON.stringify(await db().selectFrom('totp_factors').selectAll().execute());
      expect(factors).not.toContain(e.secret);
      const codes = JSON.stringify(await db().selectFrom('recovery_codes').selectAll().execute());
      for (const c of e.recoveryCodes) expect(codes).not.toContain(c.replace(/-/g, ''));
      if (backend.name === 'SQLite') {
        // A 0600 key file beside the database file, and neither key nor secret in the database's own files.
        const keyFile = `${dbLocation()}.key`;
        expect(existsSync(keyFile)).toBe(true);
        expect(statSync(keyFile).mode & 0o777).toBe(0o600);
        const key = readFileSync(keyFile, 'utf8').split('\n').find((l) => l && !l.startsWith('#')) ?? '';
        const files = [dbLocation(), `${dbLocation()}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1'));
        for (const f of files) {
          expect(f).not.toContain(key);
          expect(f).not.toContain(e.secret);
        }
      }
    });
  });

  describe('sign-in with a code', () => {
    it('asks for the second factor after the password, and completes with a code within one step either side', async () => {
      const boundary = Math.floor(clock.now().getTime() / STEP) * STEP + 10 * STEP;
      clock.set(new Date(boundary));
      const e = await enrolledUser(url(), adminNow(), login('window'), clock.now());
      clock.set(new Date(boundary + 6 * STEP)); // a step boundary, well past the enrolment's step
      const t0 = clock.now();
      const first = okBody(await signin(e.user.login, e.password));
      expect(first.status).toBe('second_factor_required');
      if (first.status !== 'second_factor_required') return;
      expect(first.methods).toEqual(['totp', 'recoveryCode']);
      expect(Date.parse(first.expiresAt) - t0.getTime()).toBe(5 * 60_000);
      // One step back (the code the app showed a moment ago) is accepted...
      const back = okBody(await call(url(), 'userSecondFactor', { body: { pendingToken: first.pendingToken, otp: oathtool(e.secret, new Date(t0.getTime() - STEP)) } }));
      expect(back).toMatchObject({ status: 'signed_in', secondFactor: 'totp', recoveryCodesLeft: 8, user: { login: e.user.login } });
      expect(okBody(await call(url(), 'me', {}, back.token)).login).toBe(e.user.login);
      // ...and the pending token was used up by it.
      const reuse = await call(url(), 'userSecondFactor', { body: { pendingToken: first.pendingToken, otp: oathtool(e.secret, t0) } });
      expect(reuse.error?.code).toBe('AUTH_REQUIRED');
      // The current step and one ahead, each once; then two ahead and two back are outside.
      expect(okBody(await signin(e.user.login, e.password, { otp: oathtool(e.secret, t0) })).status).toBe('signed_in');
      expect(okBody(await signin(e.user.login, e.password, { otp: oathtool(e.secret, new Date(t0.getTime() + STEP)) })).status).toBe('signed_in');
      expect((await signin(e.user.login, e.password, { otp: oathtool(e.secret, new Date(t0.getTime() + 2 * STEP)) })).error?.code).toBe('TOTP_CODE_INVALID');
      // At the last millisecond of the step, the edges move with it: the step before (ended a
      // step ago) and the next one are in; a millisecond more either way is out.
      clock.set(new Date(t0.getTime() - 5 * STEP));
      const e2 = await enrolledUser(url(), adminNow(), login('edge'), clock.now());
      clock.set(new Date(t0.getTime() + STEP - 1));
      expect((await signin(e2.user.login, e2.password, { otp: oathtool(e2.secret, new Date(t0.getTime() - STEP - 1)) })).error?.code).toBe('TOTP_CODE_INVALID');
      expect((await signin(e2.user.login, e2.password, { otp: oathtool(e2.secret, new Date(t0.getTime() + 2 * STEP)) })).error?.code).toBe('TOTP_CODE_INVALID');
      expect(okBody(await signin(e2.user.login, e2.password, { otp: oathtool(e2.secret, new Date(t0.getTime() - STEP)) })).status).toBe('signed_in');
      expect(okBody(await signin(e2.user.login, e2.password, { otp: oathtool(e2.secret, new Date(t0.getTime() + 2 * STEP - 1)) })).status).toBe('signed_in');
    });

    it('refuses a replayed code (not counted as a wrong one) and audits every check, never the code', async () => {
      clock.advance(10 * STEP);
      const e = await enrolledUser(url(), adminNow(), login('replay'), clock.now());
      clock.advance(STEP);
      const code = oathtool(e.secret, clock.now());
      expect(okBody(await signin(e.user.login, e.password, { otp: code })).status).toBe('signed_in');
      const replay = await signin(e.user.login, e.password, { otp: code });
      expect(replay.status).toBe(401);
      expect(replay.error?.code).toBe('TOTP_CODE_REPLAYED');
      const wrong = code === '000000' ? '000001' : '000000';
      expect((await signin(e.user.login, e.password, { otp: wrong })).error?.code).toBe('TOTP_CODE_INVALID');
      expect((await state(e.user.id)).failedAttempts).toBe(1);
      const audit = okBody(await call(url(), 'listAudit', { query: { target: e.user.login, action: 'totp.' } }, adminNow()));
      const actions = audit.items.map((i) => i.action);
      expect(actions.filter((a) => a === 'totp.verify')).toHaveLength(1);
      expect(actions.filter((a) => a === 'totp.verify_failed')).toHaveLength(2);
      expect(audit.items.some((i) => i.detail?.includes('Replayed'))).toBe(true);
      const everything = JSON.stringify(await db().selectFrom('audit_log').selectAll().execute());
      for (const secretish of [code, wrong, e.secret, ...e.recoveryCodes]) expect(everything).not.toContain(secretish);
    });

    it('accepts exactly one of 50 parallel submissions of one code', async () => {
      clock.advance(10 * STEP);
      const e = await enrolledUser(url(), adminNow(), login('race'), clock.now());
      clock.advance(STEP);
      const pending: string[] = [];
      for (let i = 0; i < 50; i++) {
        const r = okBody(await signin(e.user.login, e.password));
        if (r.status !== 'second_factor_required') throw new Error(r.status);
        pending.push(r.pendingToken);
      }
      const code = oathtool(e.secret, clock.now());
      const answers = await Promise.all(pending.map((pendingToken) => call(url(), 'userSecondFactor', { body: { pendingToken, otp: code } })));
      expect(answers.filter((a) => a.ok)).toHaveLength(1);
      for (const a of answers.filter((x) => !x.ok)) expect(a.error?.code).toBe('TOTP_CODE_REPLAYED');
      expect(okBody(await call(url(), 'getUser', { params: { id: e.user.id } }, adminNow())).activeSessions).toBe(1);
    });

    it('gives nobody without the password a way to count wrong codes against the account', async () => {
      clock.advance(10 * STEP);
      const e = await enrolledUser(url(), adminNow(), login('nopw'), clock.now());
      for (let i = 0; i < 5; i++) {
        const r = await signin(e.user.login, `wrong-${i}`, { otp: '123456' });
        expect(r.error?.code).toBe('INVALID_CREDENTIALS');
      }
      // The sign-in limits hold the guesser back (5 free tries from one address, then waits).
      expect((await signin(e.user.login, 'wrong-x', { otp: '123456' })).error?.code).toBe('RATE_LIMITED');
      expect((await state(e.user.id)).failedAttempts).toBe(0);
      // The wait passes with time; the owner signs in as before.
      clock.advance(1000);
      expect(okBody(await signin(e.user.login, e.password, { otp: oathtool(e.secret, clock.now()) })).status).toBe('signed_in');
    });

    it('makes each try wait longer after 10 wrong codes, says how long, and locks at 100 until an administrator resets it', async () => {
      clock.advance(10 * STEP);
      const e = await enrolledUser(url(), adminNow(), login('backoff'), clock.now());
      const wrongCode = (at: Date) => {
        const right = new Set([-1, 0, 1].map((d) => oathtool(e.secret, new Date(at.getTime() + d * STEP))));
        for (let n = 0; ; n++) {
          const c = String(n).padStart(6, '0');
          if (!right.has(c)) return c;
        }
      };
      for (let i = 1; i <= 9; i++) {
        const r = await signin(e.user.login, e.password, { otp: wrongCode(clock.now()) });
        expect(r.error?.code).toBe('TOTP_CODE_INVALID');
        expect(r.error?.details).toEqual({ failedAttempts: i });
      }
      const tenth = await signin(e.user.login, e.password, { otp: wrongCode(clock.now()) });
      expect(tenth.error?.details).toEqual({ failedAttempts: 10, retryAfterSeconds: 1 });
      expect(tenth.error?.message).toBe('Wrong code. Wait 1 s before the next try.');
      // Inside the wait even the right code is not looked at; the answer says how long, also in Retry-After.
      const early = await fetch(`${url()}/api/v1/auth/user`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: e.user.login, password: e.password, otp: oathtool(e.secret, clock.now()) }),
      });
      expect(early.status).toBe(429);
      expect(early.headers.get('retry-after')).toBe('1');
      expect(await early.json()).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
      let previousWait = 1;
      for (let n = 11; n <= 14; n++) {
        clock.advance(previousWait * 1000);
        const r = await signin(e.user.login, e.password, { otp: wrongCode(clock.now()) });
        const wait = (r.error?.details as { retryAfterSeconds: number }).retryAfterSeconds;
        expect(wait).toBeGreaterThan(previousWait);
        previousWait = wait;
      }
      expect(previousWait).toBe(16);
      for (let n = 15; n <= 100; n++) {
        clock.advance(previousWait * 1000);
        const r = await signin(e.user.login, e.password, { otp: wrongCode(clock.now()) });
        expect(r.error?.code).toBe('TOTP_CODE_INVALID');
        previousWait = (r.error?.details as { retryAfterSeconds?: number }).retryAfterSeconds ?? 3600;
      }
      clock.advance(10 * 86_400_000);
      const locked = await signin(e.user.login, e.password, { otp: oathtool(e.secret, clock.now()) });
      expect(locked.status).toBe(403);
      expect(locked.error?.code).toBe('TOTP_LOCKED');
      expect(okBody(await signin(e.user.login, e.password)).status).toBe('second_factor_required');
      await refreshAdmin();
      expect(await state(e.user.id)).toMatchObject({ failedAttempts: 100, locked: true });
      const reset = okBody(await call(url(), 'resetUserTotpAttempts', { params: { id: e.user.id } }, adminNow()));
      expect(reset).toMatchObject({ failedAttempts: 0, locked: false, nextTryAt: null });
      expect(okBody(await signin(e.user.login, e.password, { otp: oathtool(e.secret, clock.now()) })).status).toBe('signed_in');
      const audit = okBody(await call(url(), 'listAudit', { query: { target: e.user.login, action: 'totp.reset_attempts' } }, adminNow()));
      expect(audit.items[0]).toMatchObject({ actor: 'admin', detail: 'Wrong-code count and wait cleared' });
    });
  });

  describe('resync', () => {
    it('finds the drift from two consecutive codes, applies it, and refuses replayed or non-consecutive codes', async () => {
      await refreshAdmin();
      clock.advance(10 * STEP);
      const e = await enrolledUser(url(), adminNow(), login('drift'), clock.now());
      // The phone runs 5 minutes ahead: its codes are 10 steps off, outside the sign-in window.
      const phone = () => new Date(clock.now().getTime() + 10 * STEP);
      clock.advance(STEP);
      expect((await signin(e.user.login, e.password, { otp: oathtool(e.secret, phone()) })).error?.code).toBe('TOTP_CODE_INVALID');
      const code1 = oathtool(e.secret, phone());
      clock.advance(STEP);
      const code2 = oathtool(e.secret, phone());
      const skipped = oathtool(e.secret, new Date(phone().getTime() + STEP));
      expect((await call(url(), 'resyncUserTotp', { params: { id: e.user.id }, body: { code1, code2: skipped } }, adminNow())).error?.code).toBe('TOTP_CODE_INVALID');
      const fixed = okBody(await call(url(), 'resyncUserTotp', { params: { id: e.user.id }, body: { code1, code2 } }, adminNow()));
      expect(fixed).toEqual({ driftSteps: 10, driftSeconds: 300 });
      expect((await state(e.user.id)).driftSteps).toBe(10);
      const replayed = await call(url(), 'resyncUserTotp', { params: { id: e.user.id }, body: { code1, code2 } }, adminNow());
      expect(replayed.error?.code).toBe('TOTP_CODE_REPLAYED');
      clock.advance(STEP);
      expect(okBody(await signin(e.user.login, e.password, { otp: oathtool(e.secret, phone()) })).status).toBe('signed_in');
      const audit = okBody(await call(url(), 'listAudit', { query: { target: e.user.login, action: 'totp.resync' } }, adminNow()));
      expect(audit.items[0]?.detail).toBe('Drift +10 step(s) (300 s), was 0');
    });

    it('looks no further than 10 minutes either side, and works for the signed-in user too', async () => {
      clock.advance(10 * STEP);
      const e = await enrolledUser(url(), adminNow(), login('far'), clock.now());
      clock.advance(STEP);
      const session = okBody(await signin(e.user.login, e.password, { otp: oathtool(e.secret, clock.now()) }));
      if (session.status !== 'signed_in') throw new Error(session.status);
      const at = (steps: number) => oathtool(e.secret, new Date(clock.now().getTime() + steps * STEP));
      for (const [a, b] of [
        [21, 22],
        [-22, -21],
      ] as const) {
        const tooFar = await call(url(), 'resyncOwnTotp', { body: { code1: at(a), code2: at(b) } }, session.token);
        expect(tooFar.error?.code).toBe('TOTP_CODE_INVALID');
      }
      expect(okBody(await call(url(), 'resyncOwnTotp', { body: { code1: at(19), code2: at(20) } }, session.token))).toEqual({ driftSteps: 20, driftSeconds: 600 });
    });
  });

  describe('administrators helping users', () => {
    it('removes a user\'s 2FA (and recovery codes), so the list filter and the flag follow', async () => {
      await refreshAdmin();
      clock.advance(10 * STEP);
      const e = await enrolledUser(url(), adminNow(), login('remove'), clock.now());
      const filtered = okBody(await call(url(), 'listUsers', { query: { search: e.user.login, totp: 'enabled' } }, adminNow()));
      expect(filtered.items.map((u) => u.id)).toEqual([e.user.id]);
      expect(okBody(await call(url(), 'removeUserTotp', { params: { id: e.user.id } }, adminNow()))).toEqual({ removed: true });
      expect(okBody(await call(url(), 'removeUserTotp', { params: { id: e.user.id } }, adminNow()))).toEqual({ removed: false });
      expect(await state(e.user.id)).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
      expect(okBody(await call(url(), 'listUsers', { query: { search: e.user.login, totp: 'enabled' } }, adminNow())).total).toBe(0);
      expect(okBody(await call(url(), 'listUsers', { query: { search: e.user.login, totp: 'disabled' } }, adminNow())).total).toBe(1);
      expect(okBody(await signin(e.user.login, e.password)).status).toBe('signed_in');
      const rows = await db().selectFrom('recovery_codes').select('code_hash').where('account_id', '=', e.user.id).execute();
      expect(rows).toEqual([]);
      const audit = okBody(await call(url(), 'listAudit', { query: { target: e.user.login, action: 'totp.remove' } }, adminNow()));
      expect(audit.items.map((i) => i.detail)).toEqual(['Had no two-step verification', 'Two-step verification and recovery codes removed']);
    });

    it('filters the list by 2FA with the right totals, sorted by login', async () => {
      const tag = `tf${backend.name.toLowerCase()}`;
      const c = await enrolledUser(url(), adminNow(), `${tag}.c`, clock.now());
      await enrolledUser(url(), adminNow(), `${tag}.a`, clock.now());
      await userWithPassword(url(), adminNow(), `${tag}.b`);
      const enabled = okBody(await call(url(), 'listUsers', { query: { search: tag, totp: 'enabled' } }, adminNow()));
      expect(enabled).toMatchObject({ total: 2 });
      expect(enabled.items.map((u) => u.login)).toEqual([`${tag}.a`, `${tag}.c`]);
      const disabled = okBody(await call(url(), 'listUsers', { query: { search: tag, totp: 'disabled' } }, adminNow()));
      expect(disabled.items.map((u) => u.login)).toEqual([`${tag}.b`]);
      // Without a search the filter walks a sort's index (or the users_totp index for login):
      // same answers, in the sort asked for.
      const byName = okBody(await call(url(), 'listUsers', { query: { totp: 'enabled', sort: 'displayName', order: 'desc', limit: 500 } }, adminNow()));
      const names = byName.items.map((u) => u.displayName);
      expect(names).toEqual([...names].sort((a, b) => naturalCompare(b, a)));
      expect(byName.items.map((u) => u.login)).toEqual(expect.arrayContaining([`${tag}.a`, `${tag}.c`]));
      expect(byName.items.every((u) => u.totpEnabled)).toBe(true);
      const activeWithout = okBody(await call(url(), 'listUsers', { query: { totp: 'disabled', disabled: 'false', limit: 500 } }, adminNow()));
      expect(activeWithout.items.map((u) => u.login)).toContain(`${tag}.b`);
      expect(activeWithout.items.every((u) => !u.totpEnabled && u.disabledAt === null)).toBe(true);
      const logins = activeWithout.items.map((u) => u.login);
      expect(logins).toEqual([...logins].sort(naturalCompare));
      // Locating a user in the filtered list gives the offset the list shows them at.
      for (const view of [{ sort: 'login' as const }, { sort: 'displayName' as const, order: 'desc' as const }]) {
        const at = okBody(await call(url(), 'locateUsers', { body: { totp: 'enabled', ...view, userIds: [c.user.id] } }, adminNow()));
        expect(at.userId).toBe(c.user.id);
        const page = okBody(await call(url(), 'listUsers', { query: { totp: 'enabled', ...view, offset: at.index ?? -1, limit: 1 } }, adminNow()));
        expect(page.items[0]?.id).toBe(c.user.id);
      }
      const hidden = okBody(await call(url(), 'locateUsers', { body: { totp: 'disabled', userIds: [c.user.id] } }, adminNow()));
      expect(hidden).toEqual({ userId: null, index: null });
      const all = okBody(await call(url(), 'listUsers', { query: { totp: 'enabled', limit: 500 } }, adminNow()));
      const flags = await db().selectFrom('users').select('id').where('totp_enabled', '=', 1).execute();
      expect(all.total).toBe(flags.length);
      expect(all.items.every((u) => u.totpEnabled)).toBe(true);
      expect((await call(url(), 'listUsers', { query: { totp: 'yes' } }, adminNow())).error?.code).toBe('VALIDATION_FAILED');
    });

    it('deletes a user with their two-step rows', async () => {
      const e = await enrolledUser(url(), adminNow(), login('gone'), clock.now());
      clock.advance(STEP);
      okBody(await call(url(), 'deleteUser', { params: { id: e.user.id } }, adminNow()));
      for (const table of ['totp_factors', 'recovery_codes'] as const) {
        expect(await db().selectFrom(table).select('kind').where('account_id', '=', e.user.id).execute()).toEqual([]);
      }
    });
  });
});

eachBackend('Secret keys', (backend) => {
  it('rotate: a new current key re-seals the secrets at start, older keys still open them until dropped', async () => {
    const location = await backend.freshDb();
    const [keyA, keyB] = [newSecretKey(), newSecretKey()];
    const clock = testClock();
    const run = async (secretKey: string, fn: (url: string, admin: string) => Promise<void>) => {
      const s = await startTestServer(location, { secretKey, now: clock.now });
      try {
        await fn(s.url, await s.issueAdminToken());
      } finally {
        await s.close();
      }
    };
    let enrolled: Awaited<ReturnType<typeof enrolledUser>> | undefined;
    await run(keyA, async (url, admin) => {
      enrolled = await enrolledUser(url, admin, 'rot.user', clock.now());
    });
    if (!enrolled) throw new Error('not enrolled');
    const e = enrolled;
    const h = openDatabase(location);
    const keyIdNow = async () => (await h.db.selectFrom('totp_factors').select('secret_enc').executeTakeFirstOrThrow()).secret_enc.split('.')[1];
    try {
      const before = await keyIdNow();
      for (const [keys, ok] of [
        [`${keyB},${keyA}`, true],
        [keyB, true],
        [keyA, false],
      ] as const) {
        clock.advance(STEP);
        await run(keys, async (url) => {
          const r = await call(url, 'userSignin', { body: { login: 'rot.user', password: e.password, otp: oathtool(e.secret, clock.now()) } });
          if (ok) expect(okBody(r).status).toBe('signed_in');
          else {
            expect(r.status).toBe(503);
            expect(r.error?.code).toBe('TWO_STEP_UNAVAILABLE');
            // Recovery codes are hashed, not sealed: they still let the user in.
            const viaRecovery = await call(url, 'userSignin', { body: { login: 'rot.user', password: e.password, recoveryCode: e.recoveryCodes[0]! } });
            expect(okBody(viaRecovery)).toMatchObject({ status: 'signed_in', secondFactor: 'recoveryCode' });
          }
        });
        if (keys === keyB) expect(await keyIdNow()).not.toBe(before);
      }
    } finally {
      await h.close();
    }
  });
});

describe('PostgreSQL without GATEPASS_SECRET_KEY', () => {
  it('runs, and says why two-step verification is unavailable', async () => {
    const s = await startTestServer(await postgres.freshDb(), { noSecretKey: true });
    try {
      const admin = await s.issueAdminToken();
      const r = await call(s.url, 'startEnrolment', {}, admin);
      expect(r.status).toBe(503);
      expect(r.error).toMatchObject({ code: 'TWO_STEP_UNAVAILABLE', message: expect.stringContaining('GATEPASS_SECRET_KEY') });
    } finally {
      await s.close();
    }
  });
});

import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { decodeProvisioningPayload, encodeProvisioningPayload } from '../../../shared/provisioning-payload';
import { encodeSigninPayload } from '../../../shared/qr-payload';
import { eachBackend, startTestServer, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { FUZZ_RUNS, nastyString, wellFormed } from '../../test-support/fuzz';
import { zbarReadBytes } from '../../../test-support/zbar';
import { fetchQrImage, issueCode, zbarReadSvg } from '../../test-support/provisioning';
import { testClock } from '../../test-support/two-step';
import { PROVISION_FAILURE_WINDOW_MS, PROVISION_FAILURES_PER_LOGIN, PROVISION_FAILURES_PER_SOURCE, sweepProvisioning } from './service';

const HOUR = 60 * 60 * 1000;

eachBackend('Mobile provisioning', (backend) => {
  const clock = testClock();
  const { url, admin, db, dbLocation, newUser } = useServer(backend, { now: clock.now, name: 'Harbour Gate' });

  // Failed redemptions from this test process all come from 127.0.0.1: each test starts in a
  // fresh rate-limit window (codes last hours, so they outlive the step).
  beforeEach(() => clock.advance(PROVISION_FAILURE_WINDOW_MS + 1000));

  const info = async () => okBody(await call(url(), 'serverInfo'));
  const redeem = (body: { serverId?: string; login: string; code: string; deviceName?: string }) => call(url(), 'redeemProvisioningCode', { body });
  const redeemIssued = async (issued: { payload: string }, deviceName?: string) => {
    const p = decodeProvisioningPayload(issued.payload);
    return redeem({ serverId: p.serverId, login: p.login, code: p.code, ...(deviceName ? { deviceName } : {}) });
  };
  const userById = async (id: string) => okBody(await call(url(), 'getUser', { params: { id } }, admin()));

  describe('the server ID', () => {
    it('is in /api/v1/info, random, and the same after a restart on the same database', async () => {
      const first = await info();
      expect(first.serverId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const again = await startTestServer(dbLocation());
      try {
        expect(okBody(await call(again.url, 'serverInfo')).serverId).toBe(first.serverId);
        expect(again.serverId).toBe(first.serverId);
      } finally {
        await again.close();
      }
      const other = await startTestServer(await backend.freshDb());
      try {
        expect(other.serverId).not.toBe(first.serverId);
      } finally {
        await other.close();
      }
    });
  });

  describe('issuing', () => {
    it('gives each user a 128-bit code once, valid 24 hours by default, in a payload naming this server; the database keeps only its hash', async () => {
      const a = await newUser('issue');
      const b = await newUser('issue');
      const res = okBody(await call(url(), 'issueProvisioningCodes', { body: { userIds: [a.id, b.id] } }, admin()));
      expect(res.results.map((r) => r.ok)).toEqual([true, true]);
      const serverId = (await info()).serverId;
      for (const [i, u] of [a, b].entries()) {
        const r = res.results[i];
        if (!r?.ok) throw new Error('not issued');
        expect(Buffer.from(r.provisionCode, 'base64url')).toHaveLength(16);
        expect(decodeProvisioningPayload(r.payload)).toEqual({ server: url(), serverId, login: u.login, code: r.provisionCode, tlsPin: null });
        expect(r.qrImageUrl).toBe(`${url()}/userportal/getQRCode?text=${encodeURIComponent(r.payload)}`);
        expect(Date.parse(r.expiresAt) - clock.now().getTime()).toBe(24 * HOUR);
        expect(r.replacedUnused).toBe(false);
      }
      const rows = await db().selectFrom('provision_codes').selectAll().where('user_id', 'in', [a.id, b.id]).execute();
      expect(rows).toHaveLength(2);
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'provision.issue', limit: 10 } }, admin()));
      const codes = res.results.flatMap((r) => (r.ok ? [r.provisionCode] : []));
      for (const code of codes) {
        expect(JSON.stringify(rows)).not.toContain(code);
        expect(JSON.stringify(audit)).not.toContain(code);
      }
      expect(audit.items.filter((e) => e.target === a.login || e.target === b.login)).toHaveLength(2);
    });

    it('issues 250 users in one request (in groups), each their own code, in the order asked', async () => {
      const tag = `bulk${backend.name}`;
      const imported = okBody(await call(url(), 'importUsers', { body: { users: Array.from({ length: 250 }, (_, i) => ({ login: `${tag}.${i}` })) } }, admin()));
      const ids = imported.results.flatMap((r) => (r.ok ? [r.userId] : []));
      expect(ids).toHaveLength(250);
      const res = okBody(await call(url(), 'issueProvisioningCodes', { body: { userIds: [...ids].reverse() } }, admin()));
      expect(res.results.map((r) => r.userId)).toEqual([...ids].reverse());
      expect(res.results.every((r) => r.ok)).toBe(true);
      const codes = new Set(res.results.flatMap((r) => (r.ok ? [r.provisionCode] : [])));
      expect(codes.size).toBe(250);
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'provision.issue', search: tag, limit: 500 } }, admin()));
      expect(audit.total).toBe(250);
    });

    it('takes a validity from 10 minutes to 30 days and refuses anything else', async () => {
      const u = await newUser('validity');
      const two = await issueCode(url(), admin(), u.id, 2 * 3600);
      expect(Date.parse(two.expiresAt) - clock.now().getTime()).toBe(2 * HOUR);
      for (const validitySeconds of [599, 30 * 86_400 + 1]) {
        const r = await call(url(), 'issueProvisioningCodes', { body: { userIds: [u.id], validitySeconds } }, admin());
        expect(r.error?.code).toBe('VALIDATION_FAILED');
        expect(r.error?.message).toMatch(/at (least 10 minutes|most 30 days)/);
      }
    });

    it('voids the earlier code when a new one is issued', async () => {
      const u = await newUser('again');
      const first = await issueCode(url(), admin(), u.id);
      const second = await issueCode(url(), admin(), u.id);
      expect(second.replacedUnused).toBe(true);
      expect((await redeemIssued(first)).error?.code).toBe('INVALID_PROVISION_CODE');
      expect((await redeemIssued(second)).ok).toBe(true);
    });

    it('refuses, per user, users who may not use mobile authentication, disabled users and unknown ids, and audits the refusals', async () => {
      const ok = await newUser('mixed');
      const barred = await newUser('mixed');
      const off = await newUser('mixed');
      okBody(await call(url(), 'updateUser', { params: { id: barred.id }, body: { mobileAllowed: false } }, admin()));
      okBody(await call(url(), 'userActions', { body: { action: 'disable', userIds: [off.id] } }, admin()));
      const res = okBody(await call(url(), 'issueProvisioningCodes', { body: { userIds: [ok.id, barred.id, off.id, 'no-such-user'] } }, admin()));
      expect(res.results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'NOT_ENTITLED', 'FORBIDDEN', 'NOT_FOUND']);
      const refused = okBody(await call(url(), 'listAudit', { query: { action: 'provision.issue_failed', target: barred.login } }, admin()));
      expect(refused.items[0]?.detail).toContain('NOT_ENTITLED');
    });
  });

  describe('redeeming', () => {
    it('creates a device once: its credential and TOTP seed in the answer, the code used up, the user provisioned', async () => {
      const u = await newUser('life');
      const issued = await issueCode(url(), admin(), u.id);
      expect((await userById(u.id)).provisioning).toEqual({ state: 'pending', at: issued.expiresAt });
      const done = okBody(await redeemIssued(issued, 'Anna’s phone'));
      expect(done.user).toMatchObject({ id: u.id, login: u.login });
      expect(done.server).toEqual({ url: url(), id: (await info()).serverId, name: 'Harbour Gate' });
      expect(done.device.name).toBe('Anna’s phone');
      expect(done.credential).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      expect(done.credential.split('.')[0]).toBe(done.device.id);
      expect(done.totp).toMatchObject({ algorithm: 'SHA1', digits: 6, period: 30 });
      expect(done.totp.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(done.totp.otpauthUri).toBe(`otpauth://totp/Harbour%20Gate:${encodeURIComponent(u.login)}?secret=${done.totp.secret}&issuer=Harbour%20Gate`);
      // Stored hashed and sealed: no table holds the credential's secret or the seed.
      const dump = JSON.stringify([await db().selectFrom('devices').selectAll().execute(), await db().selectFrom('totp_factors').selectAll().execute()]);
      expect(dump).not.toContain(done.credential.split('.')[1]);
      expect(dump).not.toContain(done.totp.secret);
      // The second attempt with the used code: the reference's "Invalid Provision Code".
      const second = await redeemIssued(issued, 'Thief');
      expect(second.status).toBe(401);
      expect(second.error?.code).toBe('INVALID_PROVISION_CODE');
      const user = await userById(u.id);
      expect(user.provisioning).toEqual({ state: 'provisioned', at: done.device.createdAt });
      expect(user.totpEnabled).toBe(true);
      expect(okBody(await call(url(), 'listUserDevices', { params: { id: u.id } }, admin())).items).toEqual([
        { id: done.device.id, name: 'Anna’s phone', createdAt: done.device.createdAt, lastUsedAt: null, revokedAt: null },
      ]);
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'provision.', target: u.login } }, admin()));
      expect(audit.items.map((e) => e.action)).toEqual(['provision.redeem_failed', 'provision.redeem', 'provision.issue']);
      expect(audit.items[0]?.detail).toContain('Code used already');
      expect(JSON.stringify(audit)).not.toContain(issued.provisionCode);
    });

    it('answers each error the reference documents with its stable code', async () => {
      const u = await newUser('errors');
      const issued = await issueCode(url(), admin(), u.id);
      const p = decodeProvisioningPayload(issued.payload);
      const cases: Array<[Parameters<typeof redeem>[0], number, string]> = [
        [{ login: p.login, code: p.code }, 404, 'UNKNOWN_SERVER_ID'],
        [{ serverId: 'AAAAAAAAAAAAAAAAAAAAAA', login: p.login, code: p.code }, 404, 'UNKNOWN_SERVER_ID'],
        [{ serverId: p.serverId, login: 'nobody.here', code: p.code }, 404, 'INVALID_USERNAME'],
        [{ serverId: p.serverId, login: '', code: p.code }, 404, 'INVALID_USERNAME'],
        [{ serverId: p.serverId, login: p.login, code: 'not-a-code' }, 401, 'INVALID_PROVISION_CODE'],
      ];
      for (const [body, status, code] of cases) {
        const r = await redeem(body);
        expect([r.status, r.error?.code], JSON.stringify(body)).toEqual([status, code]);
      }
      // None of them used the code up, and the login is matched whatever its case.
      expect((await redeem({ serverId: p.serverId, login: p.login.toUpperCase(), code: p.code })).ok).toBe(true);
    });

    it('refuses an expired code with the same answer (the server clock moved past it)', async () => {
      const u = await newUser('expiry');
      const issued = await issueCode(url(), admin(), u.id, 600);
      clock.advance(600_000);
      const r = await redeemIssued(issued);
      expect(r.error?.code).toBe('INVALID_PROVISION_CODE');
      expect((await userById(u.id)).provisioning).toEqual({ state: 'expired', at: issued.expiresAt });
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'provision.redeem_failed', target: u.login } }, admin()));
      expect(audit.items[0]?.detail).toContain('Code expired');
    });

    it('counts wrong codes per user: after 5 the code is void, even the right one', async () => {
      const u = await newUser('wrong');
      const issued = await issueCode(url(), admin(), u.id);
      const p = decodeProvisioningPayload(issued.payload);
      for (let i = 0; i < 5; i++) {
        const r = await redeem({ serverId: p.serverId, login: p.login, code: `WRONG${i}`.padEnd(22, 'x') });
        expect(r.error?.code).toBe('INVALID_PROVISION_CODE');
      }
      expect((await redeemIssued(issued)).error?.code).toBe('INVALID_PROVISION_CODE');
      expect((await userById(u.id)).provisioning.state).toBe('expired');
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'provision.redeem_failed', target: u.login, limit: 10 } }, admin()));
      expect(audit.items.map((e) => e.detail?.replace(/ \(from .*\)$/, ''))).toEqual([
        'Code void after 5 wrong codes',
        'Wrong code (5 of 5); the code is now void',
        'Wrong code (4 of 5)',
        'Wrong code (3 of 5)',
        'Wrong code (2 of 5)',
        'Wrong code (1 of 5)',
      ]);
      // Four wrong codes leave it working.
      const v = await newUser('wrong');
      const fresh = await issueCode(url(), admin(), v.id);
      const q = decodeProvisioningPayload(fresh.payload);
      for (let i = 0; i < 4; i++) await redeem({ serverId: q.serverId, login: q.login, code: `WRONG${i}`.padEnd(22, 'x') });
      clock.advance(PROVISION_FAILURE_WINDOW_MS + 1000);
      expect((await redeemIssued(fresh)).ok).toBe(true);
    });

    it('answers NOT_ENTITLED to a user who may no longer use mobile authentication, and the attempt uses the code up', async () => {
      const u = await newUser('entitled');
      const issued = await issueCode(url(), admin(), u.id);
      okBody(await call(url(), 'updateUser', { params: { id: u.id }, body: { mobileAllowed: false } }, admin()));
      expect((await userById(u.id)).mobileAllowed).toBe(false);
      const r = await redeemIssued(issued);
      expect([r.status, r.error?.code]).toEqual([403, 'NOT_ENTITLED']);
      okBody(await call(url(), 'updateUser', { params: { id: u.id }, body: { mobileAllowed: true } }, admin()));
      expect((await redeemIssued(issued)).error?.code).toBe('INVALID_PROVISION_CODE');
      expect(await db().selectFrom('devices').select('id').where('user_id', '=', u.id).execute()).toEqual([]);
      // A disabled user likewise.
      const d = await newUser('entitled');
      const forD = await issueCode(url(), admin(), d.id);
      okBody(await call(url(), 'userActions', { body: { action: 'disable', userIds: [d.id] } }, admin()));
      expect((await redeemIssued(forD)).error?.code).toBe('NOT_ENTITLED');
    });

    it('answers REPROVISION_NOT_AVAILABLE when the user was removed after the code was issued (only to the right code)', async () => {
      const u = await newUser('removed');
      const issued = await issueCode(url(), admin(), u.id);
      okBody(await call(url(), 'deleteUser', { params: { id: u.id } }, admin()));
      const r = await redeemIssued(issued);
      expect([r.status, r.error?.code]).toEqual([410, 'REPROVISION_NOT_AVAILABLE']);
      const p = decodeProvisioningPayload(issued.payload);
      expect((await redeem({ serverId: p.serverId, login: p.login, code: 'A'.repeat(22) })).error?.code).toBe('INVALID_USERNAME');
      // The QR image route says so too: the reference's "Reprovision URL not retrieved".
      const img = await fetchQrImage(url(), { text: issued.payload });
      expect(JSON.parse(img.body.toString('utf8'))).toMatchObject({ code: 'REPROVISION_NOT_AVAILABLE' });
      // A new user with the same login is a new user: the old code is not theirs.
      const again = okBody(await call(url(), 'createUser', { body: { login: u.login } }, admin()));
      expect((await redeemIssued(issued)).error?.code).toBe('INVALID_PROVISION_CODE');
      expect((await redeemIssued(await issueCode(url(), admin(), again.id))).ok).toBe(true);
    });

    it('limits failed redemptions per login and per source address, counted in the database, until the window passes', async () => {
      const u = await newUser('limit');
      const issued = await issueCode(url(), admin(), u.id);
      const p = decodeProvisioningPayload(issued.payload);
      // Per login: wrong server IDs count too, and they do not use up the user's code.
      for (let i = 0; i < PROVISION_FAILURES_PER_LOGIN; i++) {
        expect((await redeem({ serverId: 'wrong', login: p.login, code: p.code })).error?.code).toBe('UNKNOWN_SERVER_ID');
      }
      const limited = await redeemIssued(issued);
      expect([limited.status, limited.error?.code]).toEqual([429, 'RATE_LIMITED']);
      expect(limited.error?.details).toMatchObject({ retryAfterSeconds: 900 });
      const counted = await db().selectFrom('provision_failures').select('id').where('login_key', '=', p.login.toLowerCase()).execute();
      expect(counted).toHaveLength(PROVISION_FAILURES_PER_LOGIN);
      clock.advance(PROVISION_FAILURE_WINDOW_MS + 1000);
      expect((await redeemIssued(issued)).ok).toBe(true);

      // Per source: many logins tried from one address (a scan for who exists) are stopped.
      clock.advance(PROVISION_FAILURE_WINDOW_MS + 1000);
      const v = await newUser('limit');
      const forV = await issueCode(url(), admin(), v.id);
      for (let i = 0; i < PROVISION_FAILURES_PER_SOURCE; i++) {
        expect((await redeem({ serverId: p.serverId, login: `scan.${i}`, code: p.code })).error?.code).toBe('INVALID_USERNAME');
      }
      expect((await redeem({ serverId: p.serverId, login: 'scan.next', code: p.code })).error?.code).toBe('RATE_LIMITED');
      expect((await redeemIssued(forV)).error?.code).toBe('RATE_LIMITED');
      clock.advance(PROVISION_FAILURE_WINDOW_MS + 1000);
      expect((await redeemIssued(forV)).ok).toBe(true);
    });

    it('sweeps failures older than the window, and a removed user\'s code 30 days after it expired', async () => {
      const u = await newUser('sweep');
      const issued = await issueCode(url(), admin(), u.id, 600);
      const p = decodeProvisioningPayload(issued.payload);
      await redeem({ serverId: p.serverId, login: 'sweep.nobody', code: p.code });
      okBody(await call(url(), 'deleteUser', { params: { id: u.id } }, admin()));
      const failures = () => db().selectFrom('provision_failures').select('id').where('login_key', '=', 'sweep.nobody').execute();
      const tombstone = () => db().selectFrom('provision_codes').select('user_id').where('user_id', '=', u.id).execute();
      await sweepProvisioning({ db: db(), now: clock.now });
      expect([(await failures()).length, (await tombstone()).length]).toEqual([1, 1]);
      clock.advance(PROVISION_FAILURE_WINDOW_MS);
      await sweepProvisioning({ db: db(), now: clock.now });
      expect([(await failures()).length, (await tombstone()).length]).toEqual([0, 1]);
      // Thirty days on (then back, so the suite's admin session, 12 hours, still works).
      const back = clock.now();
      clock.advance(30 * 86_400_000);
      await sweepProvisioning({ db: db(), now: clock.now });
      clock.set(back);
      expect((await tombstone()).length).toBe(0);
    });

    it('of 20 parallel redemptions of one code, exactly one creates a device', async () => {
      const u = await newUser('race');
      const issued = await issueCode(url(), admin(), u.id);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => redeemIssued(issued, `Phone ${i}`)));
      expect(answers.filter((a) => a.ok)).toHaveLength(1);
      for (const a of answers.filter((x) => !x.ok)) expect(['INVALID_PROVISION_CODE', 'RATE_LIMITED']).toContain(a.error?.code);
      const devices = await db().selectFrom('devices').select('id').where('user_id', '=', u.id).execute();
      expect(devices).toHaveLength(1);
      expect(await db().selectFrom('totp_factors').select('account_id').where('kind', '=', 'device').where('account_id', '=', devices[0]!.id).execute()).toHaveLength(1);
    });
  });

  describe('the QR image URL', () => {
    it("serves this server's live payload as a PNG and an SVG that zbarimg reads back, never cached", async () => {
      const u = await newUser('image');
      const issued = await issueCode(url(), admin(), u.id);
      const png = await fetch(issued.qrImageUrl);
      expect(png.status).toBe(200);
      expect(png.headers.get('content-type')).toBe('image/png');
      expect(png.headers.get('cache-control')).toBe('no-store');
      const bytes = Buffer.from(await png.arrayBuffer());
      const decoded = PNG.sync.read(bytes);
      expect(decoded.width).toBeLessThanOrEqual(1024);
      expect(zbarReadBytes(bytes)).toBe(issued.payload);
      const svg = await fetchQrImage(url(), { text: issued.payload, format: 'svg' });
      expect([svg.status, svg.contentType, svg.cacheControl]).toEqual([200, 'image/svg+xml; charset=utf-8', 'no-store']);
      expect(zbarReadSvg(svg.body.toString('utf8'))).toBe(issued.payload);
      // A big scale is capped, so no request draws a huge bitmap.
      const big = await fetchQrImage(url(), { text: issued.payload, scale: '16' });
      expect(PNG.sync.read(big.body).width).toBeLessThanOrEqual(1024);
    });

    it('refuses any other text: foreign, a sign-in code, another server, a dead or made-up code, too long', async () => {
      const u = await newUser('phish');
      const issued = await issueCode(url(), admin(), u.id);
      const p = decodeProvisioningPayload(issued.payload);
      const cases: Array<[string, number, string]> = [
        ['https://evil.example/login', 400, 'PAYLOAD_INVALID'],
        [encodeSigninPayload({ server: url(), login: p.login, credential: 'x.y', issuedAt: new Date().toISOString(), expiresAt: null }), 400, 'PAYLOAD_INVALID'],
        [encodeProvisioningPayload({ ...p, serverId: 'AAAAAAAAAAAAAAAAAAAAAA' }), 400, 'PAYLOAD_INVALID'],
        [encodeProvisioningPayload({ ...p, server: 'https://evil.example' }), 400, 'PAYLOAD_INVALID'],
        [encodeProvisioningPayload({ ...p, code: 'B'.repeat(22) }), 401, 'INVALID_PROVISION_CODE'],
        [encodeProvisioningPayload({ ...p, login: 'someone.else' }), 401, 'INVALID_PROVISION_CODE'],
        [issued.payload + ' '.repeat(1100), 400, 'VALIDATION_FAILED'],
      ];
      for (const [text, status, code] of cases) {
        const r = await fetchQrImage(url(), { text });
        expect([r.status, JSON.parse(r.body.toString('utf8')).code], text.slice(0, 60)).toEqual([status, code]);
        expect(r.contentType).toContain('application/json');
        expect(r.cacheControl).toBe('no-store');
      }
      expect((await fetchQrImage(url(), {})).status).toBe(400);
      // Once used, the code's image is gone too.
      okBody(await redeemIssued(issued));
      const used = await fetchQrImage(url(), { text: issued.payload });
      expect([used.status, JSON.parse(used.body.toString('utf8')).code]).toEqual([401, 'INVALID_PROVISION_CODE']);
    });
  });

  describe('the QR image URL under fuzzing', () => {
    it(`never answers 5xx or draws anything but a live payload of this server (${FUZZ_RUNS} inputs: any text, payload-shaped text, any format and scale)`, async () => {
      const u = await newUser('fuzzimg');
      const issued = await issueCode(url(), admin(), u.id);
      const p = decodeProvisioningPayload(issued.payload);
      // Payloads that look like ours, with each field replaced by anything at all now and then.
      const shaped = fc
        .record({ s: fc.oneof(fc.constant(p.server), nastyString()), sid: fc.oneof(fc.constant(p.serverId), nastyString()), l: fc.oneof(fc.constant(p.login), nastyString()), c: nastyString() })
        .map((w) => JSON.stringify({ gp: 'provision', v: 1, ...w }));
      await fc.assert(
        fc.asyncProperty(fc.oneof(nastyString(), shaped), fc.option(nastyString(), { nil: undefined }), fc.option(nastyString(), { nil: undefined }), async (text, format, scale) => {
          const query: Record<string, string> = { text: wellFormed(text) };
          if (format !== undefined) query.format = wellFormed(format);
          if (scale !== undefined) query.scale = wellFormed(scale);
          const r = await fetchQrImage(url(), query);
          expect(r.status, text.slice(0, 80)).toBeLessThan(500);
          expect(r.status, text.slice(0, 80)).not.toBe(200);
          expect(Object.keys(JSON.parse(r.body.toString('utf8')) as object).sort()).toEqual(expect.arrayContaining(['code', 'message']));
          expect(r.cacheControl).toBe('no-store');
        }),
        { numRuns: FUZZ_RUNS },
      );
    }, 300_000);
  });

  describe('settings', () => {
    it('default to 24 hours and this server\'s own QR Code URL; a custom URL is what url4 and the answers use; audited', async () => {
      const s = okBody(await call(url(), 'getProvisioningSettings', {}, admin()));
      expect(s).toMatchObject({ codeValiditySeconds: 86_400, qrCodeUrl: `${url()}/userportal/getQRCode?text=`, qrCodeUrlCustom: null, publicUrl: url(), serverId: (await info()).serverId });
      const set = okBody(
        await call(url(), 'setProvisioningSettings', { body: { codeValiditySeconds: 7200, qrCodeUrl: 'https://portal.example.org:8443/userportal/getQRCode?text=' } }, admin()),
      );
      expect(set).toMatchObject({ codeValiditySeconds: 7200, qrCodeUrl: 'https://portal.example.org:8443/userportal/getQRCode?text=', updatedBy: 'admin' });
      const u = await newUser('settings');
      const issued = await issueCode(url(), admin(), u.id);
      expect(Date.parse(issued.expiresAt) - clock.now().getTime()).toBe(2 * HOUR);
      expect(issued.qrImageUrl).toBe(`https://portal.example.org:8443/userportal/getQRCode?text=${encodeURIComponent(issued.payload)}`);
      expect((await call(url(), 'setProvisioningSettings', { body: { qrCodeUrl: 'ftp://x.example/' } }, admin())).error?.code).toBe('VALIDATION_FAILED');
      expect((await call(url(), 'setProvisioningSettings', { body: { codeValiditySeconds: 60 } }, admin())).error?.code).toBe('VALIDATION_FAILED');
      const back = okBody(await call(url(), 'setProvisioningSettings', { body: { qrCodeUrl: null, codeValiditySeconds: 86_400 } }, admin()));
      expect(back.qrCodeUrl).toBe(`${url()}/userportal/getQRCode?text=`);
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'provision.settings' } }, admin()));
      expect(audit.items[1]?.detail).toBe('Provision code validity 2 hour(s); QR Code URL https://portal.example.org:8443/userportal/getQRCode?text=');
    });

    it('take the payload URL from --public-url', async () => {
      const s = await startTestServer(await backend.freshDb(), { publicUrl: 'https://gatepass.example.org/' });
      try {
        expect(s.publicUrl).toBe('https://gatepass.example.org');
        const token = await s.issueAdminToken();
        const u = okBody(await call(s.url, 'createUser', { body: { login: 'p.public' } }, token));
        const issued = await issueCode(s.url, token, u.id);
        expect(decodeProvisioningPayload(issued.payload).server).toBe('https://gatepass.example.org');
        expect(issued.qrImageUrl.startsWith('https://gatepass.example.org/userportal/getQRCode?text=')).toBe(true);
        // Served here under the public name: the image route checks the payload names it.
        expect(zbarReadBytes((await fetchQrImage(s.url, { text: issued.payload })).body)).toBe(issued.payload);
      } finally {
        await s.close();
      }
    });
  });

  describe('the users list', () => {
    it('shows and filters the provisioning state, computed in SQL: none, pending, provisioned, expired', async () => {
      const tag = `state${backend.name}`;
      const none = await newUser(tag);
      const pending = await newUser(tag);
      const provisioned = await newUser(tag);
      const expired = await newUser(tag);
      await issueCode(url(), admin(), pending.id);
      okBody(await redeemIssued(await issueCode(url(), admin(), provisioned.id)));
      await issueCode(url(), admin(), expired.id, 600);
      clock.advance(10 * 60_000);
      const forState = async (provisioning: string) =>
        okBody(await call(url(), 'listUsers', { query: { search: tag, provisioning } }, admin())).items.map((u) => u.login);
      expect(await forState('none')).toEqual([none.login]);
      expect(await forState('pending')).toEqual([pending.login]);
      expect(await forState('provisioned')).toEqual([provisioned.login]);
      expect(await forState('expired')).toEqual([expired.login]);
      const all = okBody(await call(url(), 'listUsers', { query: { search: tag } }, admin())).items;
      expect(Object.fromEntries(all.map((u) => [u.login, u.provisioning.state]))).toEqual({
        [none.login]: 'none',
        [pending.login]: 'pending',
        [provisioned.login]: 'provisioned',
        [expired.login]: 'expired',
      });
      // Without a search, the filter stands alone (the whole table, still exact).
      expect(okBody(await call(url(), 'listUsers', { query: { provisioning: 'expired', limit: 500 } }, admin())).items.map((u) => u.login)).toContain(expired.login);
      expect((await call(url(), 'listUsers', { query: { provisioning: 'sometimes' } }, admin())).error?.code).toBe('VALIDATION_FAILED');
    });

    it('lets an administrator create a user who may not use mobile authentication, and change it', async () => {
      const created = okBody(await call(url(), 'createUser', { body: { login: `nomobile.${backend.name}`, mobileAllowed: false } }, admin()));
      expect(created.mobileAllowed).toBe(false);
      const changed = okBody(await call(url(), 'updateUser', { params: { id: created.id }, body: { mobileAllowed: true } }, admin()));
      expect(changed.mobileAllowed).toBe(true);
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'user.update', target: created.login } }, admin()));
      expect(audit.items[0]?.detail).toBe('Changed may use mobile authentication');
    });
  });
});

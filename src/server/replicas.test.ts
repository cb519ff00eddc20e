import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from './db/connect';
import type { RunningServer } from './index';
import { insertMail, prepareMail } from './mail/outbox';
import { loadMailSettings } from './mail/settings';
import { ADMIN_PASSWORD, postgres, startTestServer, useDatabases } from './test-support/backends';
import { call, okBody } from './test-support/client';
import { decodeProvisioningPayload } from '../shared/provisioning-payload';
import { zbarReadBytes } from '../test-support/zbar';
import { issueCode } from './test-support/provisioning';
import { oathtool, passwordSession, testClock, userWithPassword } from './test-support/two-step';
import { startSmtpSink, type SmtpSink } from './test-support/smtp-sink';
import { agentSignin, otpFromMail, registerComputer, requestOtp, smtpTo, waitForMail } from './test-support/email-otp';

useDatabases();

describe('two replicas on one PostgreSQL database', () => {
  let a: RunningServer;
  let b: RunningServer;
  let tokenA: string;
  let tokenB: string;
  // One clock for both, as replicas synchronised by NTP would have.
  const clock = testClock();
  let dbh: DbHandle;
  let sink: SmtpSink;

  beforeAll(async () => {
    // A relay that takes a few ms a message, so both replicas' senders have work at once.
    sink = await startSmtpSink({ delayMs: 3 });
    const db = await postgres.freshDb();
    dbh = openDatabase(db);
    // Started together, as a deployment would: migrations and the first admin must not collide.
    // Both get the same GATEPASS_SECRET_KEY (startTestServer), as a deployment must give them.
    // Behind one load balancer: one public URL, which provisioning payloads name.
    const publicUrl = 'https://gatepass.example.org';
    [a, b] = await Promise.all([startTestServer(db, { now: clock.now, publicUrl, trustedProxies: ['127.0.0.1'] }), startTestServer(db, { now: clock.now, publicUrl, trustedProxies: ['127.0.0.1'] })]);
    tokenA = await a.issueAdminToken();
    tokenB = await b.issueAdminToken();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dbh?.close();
    await sink?.close();
  });

  it('agree on credentials and sessions: issued on A, signed in on B, ended by a re-issue on B', async () => {
    const u = okBody(await call(a.url, 'createUser', { body: { login: 'r.replica', displayName: 'Rosa Replica' } }, tokenA));
    const batchA = okBody(await call(a.url, 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Amber-Lighthouse-5' }] } }, tokenA));
    const firstA = batchA.results[0];
    if (!firstA?.ok) throw new Error('issue on A failed');
    const onB = okBody(await call(b.url, 'qrSignin', { body: { login: u.login, credential: firstA.issued.credential } }));
    expect(okBody(await call(a.url, 'me', {}, onB.token)).login).toBe('r.replica');

    const batchB = okBody(await call(b.url, 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Amber-Lighthouse-6' }] } }, tokenB));
    expect(batchB.results[0]).toMatchObject({ ok: true, issued: { sessionsEnded: 1 } });
    expect((await call(a.url, 'me', {}, onB.token)).status).toBe(401);
    expect((await call(a.url, 'qrSignin', { body: { login: u.login, credential: firstA.issued.credential } })).status).toBe(401);
    expect(okBody(await call(a.url, 'getUser', { params: { id: u.id } }, tokenA)).activeSessions).toBe(0);
  });

  it('never leave a session from a credential that a racing re-issue voided', async () => {
    const u = okBody(await call(a.url, 'createUser', { body: { login: 'r.race', displayName: 'Race Case' } }, tokenA));
    const first = okBody(await call(a.url, 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Amber-Lighthouse-7' }] } }, tokenA)).results[0];
    if (!first?.ok) throw new Error('issue failed');
    // From 20 addresses (a trusted proxy's X-Forwarded-For): the sign-in limits admit them all
    // (5 in flight per address and login, 20 per login from new addresses), so every one races.
    const signins = Array.from({ length: 20 }, (_, i) =>
      call(i % 2 ? a.url : b.url, 'qrSignin', { body: { login: u.login, credential: first.issued.credential }, headers: { 'x-forwarded-for': `192.0.2.${i + 1}` } }),
    );
    const reissue = call(b.url, 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Amber-Lighthouse-8' }] } }, tokenB);
    const [answers, second] = await Promise.all([Promise.all(signins), reissue]);
    expect(okBody(second).results[0]?.ok).toBe(true);
    // Each sign-in either lost the race (401) or won it and had its session ended by the re-issue.
    for (const r of answers) {
      expect([200, 401]).toContain(r.status);
      if (r.ok) expect((await call(a.url, 'me', {}, r.body.token)).status).toBe(401);
    }
    expect(okBody(await call(b.url, 'getUser', { params: { id: u.id } }, tokenB)).activeSessions).toBe(0);
  });

  it('count sign-in failures together, so spreading guesses over replicas or addresses does not help, and never lock the owner out', async () => {
    // The administrator signs in from here (127.0.0.1) as every day: an address the login is known from.
    expect((await call(a.url, 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).status).toBe(200);
    // One address, guesses spread over both replicas: 5 free tries, then both make it wait.
    for (let i = 0; i < 5; i++) {
      const target = i % 2 === 0 ? a : b;
      expect((await call(target.url, 'adminSignin', { body: { login: 'admin', password: `guess-${i}` }, headers: { 'x-forwarded-for': '198.51.100.9' } })).status).toBe(401);
    }
    for (const s of [a, b]) {
      const r = await call(s.url, 'adminSignin', { body: { login: 'admin', password: 'guess-x' }, headers: { 'x-forwarded-for': '198.51.100.9' } });
      expect(r.status).toBe(429);
    }
    // A botnet: one guess from each of many new addresses. The login's count from addresses it
    // never signed in from (20 free) is shared by the replicas too.
    for (let i = 0; i < 15; i++) {
      const target = i % 2 === 0 ? a : b;
      expect((await call(target.url, 'adminSignin', { body: { login: 'admin', password: `spread-${i}` }, headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } })).status).toBe(401);
    }
    for (const s of [a, b]) {
      const r = await call(s.url, 'adminSignin', { body: { login: 'admin', password: 'spread-x' }, headers: { 'x-forwarded-for': '203.0.113.200' } });
      expect(r.status).toBe(429);
    }
    // The administrator, from the address they signed in from before, is not held back at all.
    for (const s of [a, b]) expect((await call(s.url, 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).status).toBe(200);
  });

  it('see one admin and one audit log', async () => {
    const logA = okBody(await call(a.url, 'listAudit', {}, tokenA));
    const logB = okBody(await call(b.url, 'listAudit', {}, tokenB));
    expect(logA).toEqual(logB);
    expect(logA.items.some((e) => e.action === 'qr.issue' && e.target === 'r.replica')).toBe(true);
  });

  it('share two-step verification: enrolled on A, confirmed on B; of 50 copies of one code sent to both, one signs in', async () => {
    await userWithPassword(a.url, tokenA, 'r.totp');
    const session = await passwordSession(a.url, 'r.totp', 'Granite-Orchard-58');
    const start = okBody(await call(a.url, 'startEnrolment', {}, session));
    const confirmed = okBody(await call(b.url, 'confirmEnrolment', { body: { code: oathtool(start.secret, clock.now()) } }, session));
    clock.advance(30_000);
    const pending: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = okBody(await call(i % 2 ? a.url : b.url, 'userSignin', { body: { login: 'r.totp', password: 'Granite-Orchard-58' } }));
      if (r.status !== 'second_factor_required') throw new Error(r.status);
      pending.push(r.pendingToken);
    }
    const code = oathtool(start.secret, clock.now());
    const answers = await Promise.all(pending.map((pendingToken, i) => call(i % 2 ? b.url : a.url, 'userSecondFactor', { body: { pendingToken, otp: code } })));
    expect(answers.filter((r) => r.ok)).toHaveLength(1);
    for (const r of answers.filter((x) => !x.ok)) expect(r.error?.code).toBe('TOTP_CODE_REPLAYED');

    // And of 20 copies of one recovery code, one signs in.
    const uses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(i % 2 ? a.url : b.url, 'userSignin', { body: { login: 'r.totp', password: 'Granite-Orchard-58', recoveryCode: confirmed.recoveryCodes[2]! } }),
      ),
    );
    expect(uses.filter((r) => r.ok)).toHaveLength(1);
    expect(uses.find((r) => r.ok)?.body).toMatchObject({ recoveryCodesLeft: 7 });
  });

  it('count wrong codes together, so spreading them over replicas does not escape the back-off', async () => {
    const u = await userWithPassword(a.url, tokenA, 'r.backoff');
    const session = await passwordSession(a.url, 'r.backoff', 'Granite-Orchard-58');
    const start = okBody(await call(a.url, 'startEnrolment', {}, session));
    okBody(await call(a.url, 'confirmEnrolment', { body: { code: oathtool(start.secret, clock.now()) } }, session));
    const right = new Set([-1, 0, 1].map((d) => oathtool(start.secret, new Date(clock.now().getTime() + d * 30_000))));
    const wrong = ['000000', '111111', '222222', '333333', '444444'].find((c) => !right.has(c))!;
    for (let i = 0; i < 10; i++) {
      const r = await call(i % 2 ? a.url : b.url, 'userSignin', { body: { login: 'r.backoff', password: 'Granite-Orchard-58', otp: wrong } });
      expect(r.error?.code).toBe('TOTP_CODE_INVALID');
    }
    for (const s of [a, b]) expect((await call(s.url, 'userSignin', { body: { login: 'r.backoff', password: 'Granite-Orchard-58', otp: wrong } })).error?.code).toBe('RATE_LIMITED');
    expect(okBody(await call(b.url, 'userTwoStep', { params: { id: u.id } }, tokenB)).failedAttempts).toBe(10);
  });

  it('share one outbox: every message is sent once, by one replica or the other, under its Message-ID', async () => {
    okBody(
      await call(a.url, 'setMailSettings', { body: { transport: 'smtp', from: 'gp@example.org', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: '' } } }, tokenA),
    );
    expect(okBody(await call(b.url, 'getMailSettings', {}, tokenB)).smtp?.port).toBe(sink.port);
    const n = 600;
    const settings = await loadMailSettings(dbh.db);
    const drafts = Array.from({ length: n }, (_, i) => ({ to: `r${i}@example.org`, content: { subject: `Replica ${i}`, html: `<p>${i}</p>`, text: `${i}` } }));
    const prepared = prepareMail(settings, drafts);
    // Queued on the replicas' own clock (a shared test clock, a year ahead), as they would queue it.
    await dbh.db.transaction().execute((trx) => insertMail(trx, prepared, { kind: 'test', createdBy: 'admin', now: clock.now(), transport: settings.transport }));
    await sink.waitForReceived(n, 60_000);
    await Promise.all([a.mail.idle(), b.mail.idle()]);
    const ids = sink.received.map((m) => m.messageId);
    expect(ids).toHaveLength(n);
    expect(new Set(ids)).toEqual(new Set(prepared.map((p) => p.messageId)));
    const rows = await dbh.db.selectFrom('mail_outbox').select(['status', 'claimed_by']).execute();
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const bySender = new Map<string, number>();
    for (const r of rows) bySender.set(r.claimed_by ?? '', (bySender.get(r.claimed_by ?? '') ?? 0) + 1);
    expect([...bySender.keys()].sort()).toEqual([a.mail.senderId, b.mail.senderId].sort());
  });

  it('share one server ID and provisioning: of 20 redemptions of one code spread over both, one makes a device; revoked on one, refused on both', async () => {
    const idA = okBody(await call(a.url, 'serverInfo')).serverId;
    expect(idA).toBeTruthy();
    expect(okBody(await call(b.url, 'serverInfo')).serverId).toBe(idA);
    const u = await userWithPassword(a.url, tokenA, 'r.provision');
    const issued = await issueCode(a.url, tokenA, u.id);
    const p = decodeProvisioningPayload(issued.payload);
    expect(p.serverId).toBe(idA);
    // The image is served by either replica: the code is live in the shared database.
    const png = Buffer.from(await (await fetch(`${b.url}/userportal/getQRCode?text=${encodeURIComponent(issued.payload)}`)).arrayBuffer());
    expect(zbarReadBytes(png)).toBe(issued.payload);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(i % 2 ? a.url : b.url, 'redeemProvisioningCode', { body: { serverId: p.serverId, login: p.login, code: p.code, deviceName: `Phone ${i}` } }),
      ),
    );
    const won = answers.filter((r) => r.ok);
    expect(won).toHaveLength(1);
    for (const r of answers.filter((x) => !x.ok)) expect(['INVALID_PROVISION_CODE', 'RATE_LIMITED']).toContain(r.error?.code);
    const device = okBody<'redeemProvisioningCode'>(won[0]!);
    expect(okBody(await call(a.url, 'listUserDevices', { params: { id: u.id } }, tokenA)).items).toHaveLength(1);

    // Its code is a second factor on either replica; revoked on B, its sign-in and codes stop on A.
    clock.advance(30_000);
    const signin = await call(b.url, 'userSignin', { body: { login: 'r.provision', password: 'Granite-Orchard-58', otp: oathtool(device.totp.secret, clock.now()) } });
    expect(okBody(signin).status).toBe('signed_in');
    expect((await call(a.url, 'deviceSignin', { body: { login: 'r.provision', credential: device.credential } })).ok).toBe(true);
    okBody(await call(b.url, 'revokeDevice', { params: { id: u.id, deviceId: device.device.id } }, tokenB));
    clock.advance(30_000);
    expect((await call(a.url, 'deviceSignin', { body: { login: 'r.provision', credential: device.credential } })).error?.code).toBe('QR_CREDENTIAL_INVALID');
    expect(okBody(await call(a.url, 'userSignin', { body: { login: 'r.provision', password: 'Granite-Orchard-58' } })).status).toBe('signed_in');
  });
});

describe('two replicas on one PostgreSQL database: one-time passwords by email', () => {
  let a: RunningServer;
  let b: RunningServer;
  let token: string;
  let sink: SmtpSink;
  const clock = testClock();

  beforeAll(async () => {
    sink = await startSmtpSink();
    const db = await postgres.freshDb();
    [a, b] = await Promise.all([startTestServer(db, { now: clock.now, mail: smtpTo(sink) }), startTestServer(db, { now: clock.now, mail: smtpTo(sink) })]);
    token = await a.issueAdminToken();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sink?.close();
  });

  it('give one client session for 20 parallel sign-ins with one password, spread over both', async () => {
    const pc = await registerComputer(a.url, token, 'PC-replicas');
    const u = okBody(await call(a.url, 'createUser', { body: { login: 'r.otp', email: 'r.otp@corp.example' } }, token));
    okBody(await requestOtp(b.url, pc, { mode: 'email', email: u.email }));
    const code = otpFromMail(await waitForMail(sink, u.email));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => agentSignin(i % 2 ? a.url : b.url, pc, { email: u.email, otp: code })));
    expect(answers.filter((r) => r.ok)).toHaveLength(1);
    for (const r of answers.filter((x) => !x.ok)) expect(r.error).toEqual({ code: 'ACCESS_DENIED', message: 'Access denied' });
    expect(okBody(await call(b.url, 'listClientSessions', { query: { computer: pc.id } }, token)).total).toBe(1);
  });

  it('make one new password when both are asked for the same computer at once; the other is refused until the hour is over', async () => {
    const pc = await registerComputer(b.url, token, 'PC-replicas-2');
    const users = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(a.url, 'createUser', { body: { login: `r.hour${i}`, email: `r.hour${i}@corp.example` } }, token).then(okBody)),
    );
    const answers = await Promise.all(users.map((u, i) => requestOtp(i % 2 ? a.url : b.url, pc, { mode: 'email', email: u.email })));
    expect(answers.filter((r) => r.ok)).toHaveLength(1);
    for (const r of answers.filter((x) => !x.ok)) expect(r.error?.code).toBe('RATE_LIMITED');
    expect(okBody(await call(a.url, 'listPendingOtps', { query: { computerId: pc.id } }, token)).total).toBe(1);
  });
});

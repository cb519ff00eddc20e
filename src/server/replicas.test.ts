import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './index';
import { postgres, startTestServer, useDatabases } from './test-support/backends';
import { call, okBody } from './test-support/client';

useDatabases();

describe('two replicas on one PostgreSQL database', () => {
  let a: RunningServer;
  let b: RunningServer;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    const db = await postgres.freshDb();
    // Started together, as a deployment would: migrations and the first admin must not collide.
    [a, b] = await Promise.all([startTestServer(db), startTestServer(db)]);
    tokenA = await a.issueAdminToken();
    tokenB = await b.issueAdminToken();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
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
    const signins = Array.from({ length: 24 }, (_, i) =>
      call(i % 2 ? a.url : b.url, 'qrSignin', { body: { login: u.login, credential: first.issued.credential } }),
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

  it('count sign-in failures together, so spreading guesses over replicas does not help', async () => {
    for (let i = 0; i < 10; i++) {
      const target = i % 2 === 0 ? a : b;
      expect((await call(target.url, 'adminSignin', { body: { login: 'mallory', password: `guess-${i}` } })).status).toBe(401);
    }
    for (const s of [a, b]) {
      const r = await call(s.url, 'adminSignin', { body: { login: 'mallory', password: 'guess-x' } });
      expect(r.status).toBe(429);
    }
  });

  it('see one admin and one audit log', async () => {
    const logA = okBody(await call(a.url, 'listAudit', {}, tokenA));
    const logB = okBody(await call(b.url, 'listAudit', {}, tokenB));
    expect(logA).toEqual(logB);
    expect(logA.items.some((e) => e.action === 'qr.issue' && e.target === 'r.replica')).toBe(true);
  });
});

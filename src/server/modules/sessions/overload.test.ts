import { describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '../../../shared/errors';
import { ADMIN_PASSWORD, eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { alertsOf, PortalBrowser } from '../../test-support/portal-browser';
import { chargedTries } from '../../test-support/throttle';

const PASSWORD = 'Lantern-Meadow-71';

/** A password sign-in over HTTP with what a client reads of the answer: status, code, Retry-After. */
async function signin(base: string, login: string, password: string, path = '/api/v1/auth/user'): Promise<{ status: number; code: string | null; retryAfter: string | null; wait: unknown }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
  const json: unknown = await res.json();
  if (res.status === 200) return { status: 200, code: null, retryAfter: res.headers.get('retry-after'), wait: null };
  const err = ErrorBodySchema.parse(json);
  return { status: res.status, code: err.code, retryAfter: res.headers.get('retry-after'), wait: (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds };
}

// Production argon2id, one hash at a time and one sign-in waiting: overload within reach of a test.
eachBackend('Overload of password hashing', (backend) => {
  const { url, admin, db, newUser } = useServer(backend, { hashCost: 'production', hashGate: { slots: 1, maxQueue: 1 } });

  it('answers sign-ins beyond the queue with 503 SERVER_BUSY and Retry-After, counts none as a wrong password, then signs in normally', async () => {
    const u = await newUser('busy', { password: PASSWORD });
    const answers = await Promise.all(Array.from({ length: 24 }, () => signin(url(), u.login, PASSWORD)));
    const busy = answers.filter((a) => a.status === 503);
    expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    expect(busy.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(1);
    for (const a of busy) {
      expect(a.code).toBe('SERVER_BUSY');
      expect(a.retryAfter).toMatch(/^[1-9]\d*$/);
      expect(Number(a.retryAfter)).toBe(a.wait);
    }
    // A busy server is not a wrong password: nothing charged to the sign-in limits, nothing audited as a failure.
    expect(await chargedTries(db(), 'user', u.login)).toBe(0);
    const failures = await db().selectFrom('audit_log').select('id').where('action', '=', 'user.signin_failed').where('target', '=', u.login).execute();
    expect(failures).toEqual([]);
    // Afterwards, one at a time, more sign-ins than the wrong-password limit (10): all signed in.
    for (let i = 0; i < 12; i++) expect(await signin(url(), u.login, PASSWORD)).toMatchObject({ status: 200 });
    // A wrong password is still told apart from a busy server.
    expect(await signin(url(), u.login, 'Wrong-Password-99')).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
  });

  it('holds administrators and the portal to the same bounds: 503 with Retry-After, the portal saying why in words', async () => {
    const admins = await Promise.all(Array.from({ length: 24 }, () => signin(url(), 'admin', ADMIN_PASSWORD, '/api/v1/auth/admin')));
    expect(admins.every((a) => a.status === 200 || (a.status === 503 && a.code === 'SERVER_BUSY' && /^[1-9]\d*$/.test(a.retryAfter ?? '')))).toBe(true);
    expect(admins.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expect(await chargedTries(db(), 'admin', 'admin')).toBe(0);

    const u = await newUser('portal', { password: PASSWORD });
    const browsers = Array.from({ length: 16 }, () => new PortalBrowser(url()));
    for (const b of browsers) await b.get('/portal/sign-in');
    const pages = await Promise.all(browsers.map((b) => b.post('/portal/sign-in', { login: u.login, password: PASSWORD })));
    const busy = pages.filter((p) => p.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    for (const p of pages.filter((x) => x.status !== 503)) expect(p).toMatchObject({ status: 200, path: '/portal/' });
    for (const p of busy) {
      expect(p.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(alertsOf(p.html).join(' ')).toMatch(/busy.*try again in \d+ seconds?/i);
    }
    // The refused browsers sign in once the rush is over.
    for (const b of browsers.slice(0, 3)) expect(await b.post('/portal/sign-in', { login: u.login, password: PASSWORD })).toMatchObject({ status: 200, path: '/portal/' });
  });

  describe('an issuing batch beside sign-ins', () => {
    it('is never refused for a busy server, and sign-ins still get their turns while it runs', async () => {
      const signer = await newUser('turns', { password: PASSWORD });
      const targets = await Promise.all(Array.from({ length: 30 }, () => newUser('batch')));
      let batchDone = false;
      const batch = call(url(), 'issueQrBatch', { body: { items: targets.map((t) => ({ userId: t.id, password: 'Copper-Lantern-42' })) } }, admin());
      const settle = () => (batchDone = true);
      void batch.then(settle, settle);
      const during: number[] = [];
      // Bounded: at most 200 sign-ins, one at a time, while the batch runs.
      for (let i = 0; i < 200 && !batchDone; i++) {
        const a = await signin(url(), signer.login, PASSWORD);
        if (!batchDone) during.push(a.status);
      }
      const results = okBody(await batch).results;
      expect(results.filter((r) => r.ok)).toHaveLength(30);
      // A sign-in waits for at most a turn or two of the batch, never for the whole batch.
      expect(during.length).toBeGreaterThanOrEqual(3);
      expect(during.every((s) => s === 200)).toBe(true);
    });
  });
});

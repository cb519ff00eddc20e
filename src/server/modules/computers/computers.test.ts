import { expect, it } from 'vitest';
import { decodeAgentFile } from '../../../shared/agent-file';
import { eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { testClock } from '../../test-support/two-step';
import { sha256Hex } from '../../security/tokens';

const clock = testClock();

eachBackend('computers', (backend) => {
  const { url, admin, db } = useServer(backend, { now: clock.now, name: 'Plant 1' });
  const tag = backend.name.toLowerCase();

  it('registers a computer and answers its agent file: server, computer, a credential of its own (stored only hashed), no TLS pin over plain http', async () => {
    const r = okBody(await call(url(), 'registerComputer', { body: { name: `  WS-${tag}-01  `, serverUrl: url() } }, admin()));
    expect(r.computer).toMatchObject({ name: `WS-${tag}-01`, registeredBy: 'admin', lastSeenAt: null, revokedAt: null, sessions: 0, activeSessions: 0 });
    const file = decodeAgentFile(r.agentFile);
    expect(file).toMatchObject({ format: 'gatepass-agent', version: 1, server: { url: url(), name: 'Plant 1', tlsPin: null }, computer: { id: r.computer.id, name: `WS-${tag}-01` } });
    expect(file.credential).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(r.agentFile.endsWith('\n')).toBe(true);

    const [id, secret] = file.credential.split('.') as [string, string];
    const row = await db().selectFrom('computers').selectAll().where('id', '=', r.computer.id).executeTakeFirstOrThrow();
    expect(row.credential_id).toBe(id);
    expect(row.secret_hash).toBe(sha256Hex(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect((await call(url(), 'listAudit', { query: { action: 'computer.register', target: `WS-${tag}-01` } }, admin())).body).toMatchObject({ total: 1 });
  });

  it('authenticates every agent call with the credential: seen, last seen kept to the minute; a wrong secret or no credential is refused', async () => {
    const r = okBody(await call(url(), 'registerComputer', { body: { name: `WS-${tag}-02`, serverUrl: url() } }, admin()));
    const { credential } = decodeAgentFile(r.agentFile);
    const info = okBody(await call(url(), 'agentInfo', {}, credential));
    expect(info).toEqual({ computer: { id: r.computer.id, name: `WS-${tag}-02` }, serverName: 'Plant 1', modes: ['email'], expirationMinutes: 30 });
    const seen = okBody(await call(url(), 'getComputer', { params: { id: r.computer.id } }, admin())).lastSeenAt;
    expect(seen).toBe(clock.now().toISOString());
    clock.advance(30_000);
    okBody(await call(url(), 'agentInfo', {}, credential));
    expect(okBody(await call(url(), 'getComputer', { params: { id: r.computer.id } }, admin())).lastSeenAt).toBe(seen);
    clock.advance(31_000);
    okBody(await call(url(), 'agentInfo', {}, credential));
    expect(okBody(await call(url(), 'getComputer', { params: { id: r.computer.id } }, admin())).lastSeenAt).toBe(clock.now().toISOString());

    const last = credential.at(-1) === 'A' ? 'B' : 'A';
    for (const bad of [`${credential.slice(0, -1)}${last}`, 'not-a-credential', undefined]) {
      const res = await call(url(), 'agentInfo', {}, bad);
      expect(res.status).toBe(401);
      expect(res.error?.code).toBe('AUTH_REQUIRED');
    }
    // An administrator's session is not a computer's credential, nor the other way round.
    expect((await call(url(), 'agentInfo', {}, admin())).status).toBe(401);
    expect((await call(url(), 'listComputers', {}, credential)).status).toBe(401);
  });

  it('keeps names unique among live computers, any case; a revoked one frees its name', async () => {
    const first = okBody(await call(url(), 'registerComputer', { body: { name: `Kiosk-${tag}`, serverUrl: url() } }, admin()));
    const taken = await call(url(), 'registerComputer', { body: { name: `KIOSK-${tag}`, serverUrl: url() } }, admin());
    expect(taken.status).toBe(409);
    expect(taken.error?.code).toBe('COMPUTER_EXISTS');
    for (const body of [{ name: '', serverUrl: url() }, { name: 'a\u202Eb', serverUrl: url() }, { name: 'ok', serverUrl: 'ftp://x' }]) {
      expect((await call(url(), 'registerComputer', { body }, admin())).error?.code).toBe('VALIDATION_FAILED');
    }
    okBody(await call(url(), 'revokeComputer', { params: { id: first.computer.id } }, admin()));
    const again = okBody(await call(url(), 'registerComputer', { body: { name: `KIOSK-${tag}`, serverUrl: url() } }, admin()));
    expect(again.computer.id).not.toBe(first.computer.id);
  });

  it('revokes: the credential stops working at once, revoking again changes nothing, and the list shows it by state', async () => {
    const r = okBody(await call(url(), 'registerComputer', { body: { name: `Lab-${tag}`, serverUrl: url() } }, admin()));
    const { credential } = decodeAgentFile(r.agentFile);
    okBody(await call(url(), 'agentInfo', {}, credential));
    const revoked = okBody(await call(url(), 'revokeComputer', { params: { id: r.computer.id } }, admin()));
    expect(revoked).toMatchObject({ sessionsEnded: 0, passwordsVoided: 0, computer: { revokedBy: 'admin' } });
    const refused = await call(url(), 'agentInfo', {}, credential);
    expect(refused.status).toBe(401);
    expect(refused.error?.message).toContain('revoked');
    const twice = okBody(await call(url(), 'revokeComputer', { params: { id: r.computer.id } }, admin()));
    expect(twice.computer.revokedAt).toBe(revoked.computer.revokedAt);
    expect((await call(url(), 'revokeComputer', { params: { id: 'no-such-id' } }, admin())).error?.code).toBe('NOT_FOUND');

    const active = okBody(await call(url(), 'listComputers', { query: { search: `lab-${tag}` } }, admin()));
    expect(active.total).toBe(0);
    const gone = okBody(await call(url(), 'listComputers', { query: { search: `lab-${tag}`, state: 'revoked' } }, admin()));
    expect(gone.items.map((c) => c.name)).toEqual([`Lab-${tag}`]);
    const audit = okBody(await call(url(), 'listAudit', { query: { action: 'computer.revoke', target: `Lab-${tag}` } }, admin()));
    expect(audit.items.map((e) => e.detail)).toEqual([expect.stringMatching(/^Already revoked at /), expect.stringMatching(/^Credential revoked; 0 client session/)]);
  });

  it('lists computers by name with paging and a total', async () => {
    for (const n of ['c', 'a', 'b']) okBody(await call(url(), 'registerComputer', { body: { name: `Row-${tag}-${n}`, serverUrl: url() } }, admin()));
    const page = okBody(await call(url(), 'listComputers', { query: { search: `row-${tag}-`, limit: 2 } }, admin()));
    expect(page.total).toBe(3);
    expect(page.items.map((c) => c.name)).toEqual([`Row-${tag}-a`, `Row-${tag}-b`]);
    const next = okBody(await call(url(), 'listComputers', { query: { search: `row-${tag}-`, limit: 2, offset: 2 } }, admin()));
    expect(next.items.map((c) => c.name)).toEqual([`Row-${tag}-c`]);
  });
});

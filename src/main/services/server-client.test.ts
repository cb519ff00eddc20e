import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../server/index';
import { GatepassError } from '../../shared/errors';
import { BUSY_RETRIES, createServerClient } from './server-client';

// Small real HTTP servers on 127.0.0.1 stand in for servers that misbehave in specific
// ways; the real Gatepass server is exercised by the web host and CLI tests.
const open: Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise((ok) => s.close(ok))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  open.push(s);
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  await new Promise((ok) => s.close(ok));
  return port;
}

const user = {
  id: 'u/1',
  login: 'a.berg',
  displayName: 'Anna Berg',
  email: '',
  totpEnabled: false,
  qrIssuedAt: null,
  activeSessions: 0,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

describe('the server client', () => {
  it('fills path parameters URL-encoded, sends the bearer token, and returns the checked answer', async () => {
    let seen: { url?: string; auth?: string } = {};
    const base = await serve((req, res) => {
      seen = { url: req.url, auth: req.headers.authorization };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user));
    });
    const got = await createServerClient(base).call('getUser', { params: { id: 'u/1' } }, 'tok-1');
    expect(got.login).toBe('a.berg');
    expect(seen).toEqual({ url: '/api/v1/users/u%2F1', auth: 'Bearer tok-1' });
  });

  it('refuses a path parameter with no UTF-8 form (a lone surrogate) as bad input, before any request', async () => {
    let requests = 0;
    const base = await serve((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user));
    });
    await expect(createServerClient(base).call('getUser', { params: { id: '\ud800' } }, 'tok-1')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'The id of getUser is not valid text',
    });
    expect(requests).toBe(0);
  });

  it('sends the query with defaults filled in from the route schema', async () => {
    let url = '';
    const base = await serve((req, res) => {
      url = req.url ?? '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ total: 0, items: [] }));
    });
    await createServerClient(base).call('listUsers', { query: { search: 'berg' } }, 't');
    expect(new URL(url, base).searchParams.get('search')).toBe('berg');
    expect(new URL(url, base).searchParams.get('limit')).toBe('100');
  });

  it('keeps the code, message and details of a server error', async () => {
    const base = await serve((_req, res) => {
      res
        .writeHead(422, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'POLICY_VIOLATION', message: 'Password too short', details: [{ rule: 'minLength' }] }));
    });
    await expect(createServerClient(base).call('setPassword', { params: { id: 'u1' }, body: { password: 'x' } }, 't')).rejects.toMatchObject({
      code: 'POLICY_VIOLATION',
      message: 'Password too short',
      details: [{ rule: 'minLength' }],
    });
  });

  it('reports a refused connection as SERVER_UNREACHABLE naming the server', async () => {
    const port = await closedPort();
    await expect(createServerClient(`http://127.0.0.1:${port}`).call('serverInfo')).rejects.toMatchObject({
      code: 'SERVER_UNREACHABLE',
      message: `Cannot reach http://127.0.0.1:${port}: connection refused`,
    });
  });

  it('reports a server that does not answer in time as SERVER_UNREACHABLE', async () => {
    const base = await serve(() => {
      /* never answers */
    });
    await expect(createServerClient(base, { timeoutMs: 200 }).call('serverInfo')).rejects.toMatchObject({
      code: 'SERVER_UNREACHABLE',
      message: expect.stringMatching(/timed out/),
    });
  });

  it('reports an HTML error page as SERVER_ERROR, and an answer of the wrong shape too', async () => {
    const html = await serve((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    await expect(createServerClient(html).call('serverInfo')).rejects.toMatchObject({ code: 'SERVER_ERROR', message: expect.stringMatching(/HTTP 502/) });
    const wrong = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"product":"other"}'));
    await expect(createServerClient(wrong).call('serverInfo')).rejects.toMatchObject({ code: 'SERVER_ERROR' });
  });

  it('does not follow redirects, so a token or password cannot be carried to another host', async () => {
    let hits = 0;
    const target = await serve((_req, res) => {
      hits++;
      res.end('{}');
    });
    const base = await serve((_req, res) => res.writeHead(307, { location: `${target}/api/v1/auth/admin` }).end());
    await expect(createServerClient(base).call('adminSignin', { body: { login: 'admin', password: 'pw' } })).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    expect(hits).toBe(0);
  });

  it('never puts the password into the error it throws', async () => {
    const base = await serve((_req, res, body) => res.writeHead(500, { 'content-type': 'text/plain' }).end(body));
    const err = await createServerClient(base)
      .call('adminSignin', { body: { login: 'admin', password: 'Hunter2-secret' } })
      .catch((e: unknown) => e);
    expect(JSON.stringify(err)).not.toContain('Hunter2-secret');
    expect(String((err as Error).message)).not.toContain('Hunter2-secret');
  });
});

describe('a busy server (503 SERVER_BUSY, refused before any work)', () => {
  const busy = (seconds: number) => JSON.stringify({ code: 'SERVER_BUSY', message: 'The server is busy checking other passwords', details: { retryAfterSeconds: seconds } });
  const session = { token: 't', expiresAt: '2030-01-01T00:00:00.000Z', login: 'admin' };

  it('is asked again after its Retry-After, and the answer that follows is the one returned', async () => {
    const seen: number[] = [];
    const base = await serve((_req, res) => {
      seen.push(Date.now());
      if (seen.length <= 2) res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end(busy(0.2));
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(session));
    });
    const got = await createServerClient(base).call('adminSignin', { body: { login: 'admin', password: 'pw' } });
    expect(got.login).toBe('admin');
    expect(seen).toHaveLength(3);
    // Each new try waited the server's 0.2 s at least.
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(190);
    expect(seen[2]! - seen[1]!).toBeGreaterThanOrEqual(190);
  });

  it(`says SERVER_BUSY after ${BUSY_RETRIES} more tries, and at once with busyRetries 0`, async () => {
    let hits = 0;
    const base = await serve((_req, res) => {
      hits++;
      res.writeHead(503, { 'content-type': 'application/json' }).end(busy(0.05));
    });
    await expect(createServerClient(base).call('adminSignin', { body: { login: 'admin', password: 'pw' } })).rejects.toMatchObject({ code: 'SERVER_BUSY' });
    expect(hits).toBe(1 + BUSY_RETRIES);
    hits = 0;
    await expect(createServerClient(base).call('adminSignin', { body: { login: 'admin', password: 'pw' } }, undefined, { busyRetries: 0 })).rejects.toMatchObject({ code: 'SERVER_BUSY' });
    expect(hits).toBe(1);
  });

  it('never asks again after RATE_LIMITED: that wait is the point of it', async () => {
    let hits = 0;
    const base = await serve((_req, res) => {
      hits++;
      res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'RATE_LIMITED', message: 'Too many attempts', details: { retryAfterSeconds: 1 } }));
    });
    await expect(createServerClient(base).call('adminSignin', { body: { login: 'admin', password: 'pw' } })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(hits).toBe(1);
  });

  it('lets every one of a crowd of sign-ins to a real server with one hash slot and no queue through, where one try each refuses some', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gp-client-busy-'));
    const server = await startServer(
      { db: join(dir, 'server.sqlite'), port: 0, name: 'Busy', adminPassword: 'Quiet-Harbour-2048' },
      { hashCost: 'production', hashGate: { slots: 1, maxQueue: 0 } },
    );
    try {
      const client = createServerClient(server.url);
      const signIn = (busyRetries: number) =>
        client.call('adminSignin', { body: { login: 'admin', password: 'Quiet-Harbour-2048' } }, undefined, { busyRetries }).then(
          () => 'ok',
          (err: unknown) => (err instanceof GatepassError ? err.code : String(err)),
        );
      const once = await Promise.all(Array.from({ length: 12 }, () => signIn(0)));
      expect(once.filter((r) => r === 'SERVER_BUSY').length).toBeGreaterThan(0);
      expect(once.every((r) => r === 'ok' || r === 'SERVER_BUSY')).toBe(true);
      const patient = await Promise.all(Array.from({ length: 12 }, () => signIn(30)));
      expect(patient).toEqual(Array.from({ length: 12 }, () => 'ok'));
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

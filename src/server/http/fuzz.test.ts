import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { api, type RouteDef, type RouteName } from '../../shared/api/routes';
import { ADMIN_PASSWORD, eachBackend, useServer } from '../test-support/backends';
import { call, okBody } from '../test-support/client';
import { anyJson, BROKEN_PERCENT, FUZZ_RUNS, fromJsonSchema, inputSchema, nastyString, wellFormed } from '../test-support/fuzz';

// Issue 12, point 7: every REST route under property-based input. For each route of the
// shared table, at least FUZZ_RUNS inputs without a valid session (every one must be refused
// with 401 before anything else happens: no authentication bypass) and FUZZ_RUNS inputs with
// the session its auth asks for (none may answer 5xx). Inputs are shaped by the route's own
// schemas most of the time, so they reach the services, and are anything at all the rest.

const ROUTES = (Object.entries(api) as [RouteName, RouteDef][]).sort(([a], [b]) => a.localeCompare(b));

/** Routes that answer anybody by design (their 200 is not a bypass). */
const PUBLIC_INFO = new Set<RouteName>(['serverInfo']);

interface Request {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  rawBody?: string;
}

function requestFor(route: RouteDef): fc.Arbitrary<Request> {
  const paramNames = [...route.path.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => m[1]!);
  // A parameter is sent percent-encoded, or raw when it is a broken percent sequence (bad UTF-8).
  const param = fc.oneof(
    { weight: 4, arbitrary: fc.oneof(nastyString(), fc.uuid(), fc.constantFrom('%00', '..%2F..%2F')).map((v) => (v.startsWith('%') || v.startsWith('..%') ? v : encodeURIComponent(wellFormed(v)))) },
    { weight: 1, arbitrary: fc.constantFrom(...BROKEN_PERCENT) },
  );
  const params = fc.record(Object.fromEntries(paramNames.map((n) => [n, param])));
  const querySchema = inputSchema(route.query);
  const shapedQuery = fromJsonSchema(querySchema).map((q) =>
    q && typeof q === 'object' && !Array.isArray(q) ? Object.fromEntries(Object.entries(q).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) : {},
  );
  const query = fc.oneof(shapedQuery, fc.dictionary(nastyString(), nastyString(), { maxKeys: 4 }));
  const body = fromJsonSchema(inputSchema(route.body));
  const rawBody = fc.option(fc.oneof(fc.constantFrom('{', '{"a":', 'null', '[]', '"x"', '\u0000', '{"__proto__":{"admin":true}}'), fc.string()), { nil: undefined });
  return fc.record({ params, query, body, rawBody });
}

async function send(base: string, route: RouteDef, req: Request, token: string | null): Promise<{ status: number; text: string }> {
  const path = route.path.replace(/:([A-Za-z_]\w*)/g, (_m, key: string) => req.params[key] ?? '');
  const qs = new URLSearchParams(Object.entries(req.query).map(([k, v]): [string, string] => [wellFormed(k), wellFormed(v)])).toString();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
  const res = await fetch(`${base}${path}${qs ? `?${qs}` : ''}`, {
    method: route.method,
    headers,
    ...(hasBody ? { body: req.rawBody ?? JSON.stringify(req.body ?? null) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

eachBackend('Fuzzing every REST route', (backend) => {
  const { url } = useServer(backend);
  // The fuzz's own sessions: a fuzzed sign-out may end them, so they are made again as needed.
  let adminToken = '';
  let deviceToken = '';
  let serial = 0;

  async function freshAdmin(): Promise<string> {
    return okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).token;
  }

  /** Re-signs in when a fuzzed call ended the session it was made with (a sign-out route, say). */
  async function sessionFor(auth: RouteDef['auth']): Promise<string | null> {
    if (auth === 'none') return null;
    if (auth === 'user') {
      if (!deviceToken || (await call(url(), 'me', {}, deviceToken)).status === 401) {
        const token = await freshAdmin();
        const u = okBody(await call(url(), 'createUser', { body: { login: `fuzz.device${++serial}` } }, token));
        const issued = okBody(await call(url(), 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Lantern-Meadow-71' }] } }, token)).results[0];
        if (!issued?.ok) throw new Error('could not issue a code for the fuzz device');
        deviceToken = okBody(await call(url(), 'qrSignin', { body: { login: u.login, credential: issued.issued.credential } })).token;
      }
      return deviceToken;
    }
    if (!adminToken || (await call(url(), 'listUsers', { query: { limit: 1 } }, adminToken)).status === 401) adminToken = await freshAdmin();
    return adminToken;
  }

  describe.each(ROUTES)('%s', (name, route) => {
    if (route.auth !== 'none') {
      it('refuses every input without a valid session with 401, before doing anything', async () => {
        // Whatever a header can carry: printable ASCII, token-shaped or not.
        const headerSafe = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 80 });
        const tokens = fc.option(fc.oneof(headerSafe, fc.base64String({ minLength: 40, maxLength: 48 })), { nil: null });
        await fc.assert(
          fc.asyncProperty(requestFor(route), tokens, async (req, token) => {
            const res = await send(url(), route, req, token);
            // An address the router cannot read (a broken percent escape, a part longer than it
            // reads) is refused before routing, in our shape; anything else needs the session first.
            const answer = JSON.parse(res.text) as { code: string; message: string };
            const broken = Object.values(req.params).some((p) => (BROKEN_PERCENT as readonly string[]).includes(p));
            if (broken || res.status === 400) {
              expect(res.status, `${name} ${res.text.slice(0, 200)}`).toBe(400);
              expect(answer).toEqual({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^The address/) as unknown });
            } else {
              expect(res.status, `${name} ${res.text.slice(0, 200)}`).toBe(401);
              expect(answer).toEqual({ code: 'AUTH_REQUIRED', message: expect.any(String) as unknown });
            }
          }),
          { numRuns: FUZZ_RUNS },
        );
      }, 300_000);
    }

    it(`never answers 5xx to any input${route.auth === 'none' ? '' : ' with a valid session'}${route.auth === 'none' && !PUBLIC_INFO.has(name) ? ', and never lets random credentials in' : ''}`, async () => {
      await fc.assert(
        fc.asyncProperty(requestFor(route), async (req) => {
          const res = await send(url(), route, req, await sessionFor(route.auth));
          expect(res.status, `${name} ${res.text.slice(0, 300)}`).toBeLessThan(500);
          // Answers are always JSON in the error shape or the route's own.
          const answer = JSON.parse(res.text) as Record<string, unknown>;
          // An error is always { code, message[, details] } with a stable code, never a framework's own shape.
          if (res.status >= 400) expect(Object.keys(answer).filter((k) => !['code', 'message', 'details'].includes(k)), `${name} ${res.text.slice(0, 200)}`).toEqual([]);
          if (route.auth === 'none' && !PUBLIC_INFO.has(name)) expect(res.status, `${name} let random input in: ${res.text.slice(0, 200)}`).not.toBe(200);
        }),
        { numRuns: FUZZ_RUNS },
      );
    }, 300_000);
  });

  it('parses nothing before the auth hook: a 20 MB body without a session is refused with 401, not read', async () => {
    const started = Date.now();
    const res = await fetch(`${url()}/api/v1/users/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"users":[${'{"login":"x"},'.repeat(1_400_000)}{}]}` });
    expect(res.status).toBe(401);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('keeps its JSON shape for anything: random JSON to a route that wants an object', async () => {
    await fc.assert(
      fc.asyncProperty(anyJson(), async (body) => {
        const r = await call(url(), 'createUser', { body }, (await sessionFor('admin')) ?? undefined);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: FUZZ_RUNS },
    );
  }, 120_000);
});

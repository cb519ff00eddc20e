import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { api, type RouteName } from '../../shared/api/routes';
import { eachBackend, useServer } from '../test-support/backends';
import { call, okBody } from '../test-support/client';

eachBackend('HTTP app', (backend) => {
  const { url, admin, newUser, issueOk, qr, me } = useServer(backend);

  describe('authentication and input checks', () => {
    it('requires an admin session on admin routes', async () => {
      for (const token of [undefined, 'garbage-token']) {
        const r = await call(url(), 'listUsers', {}, token);
        expect(r.status).toBe(401);
        expect(r.body).toMatchObject({ code: 'AUTH_REQUIRED' });
      }
    });

    it('does not accept a device session where an admin session is required, or the reverse', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      const device = okBody(await qr(u.login, issued.credential));
      expect((await call(url(), 'listUsers', {}, device.token)).status).toBe(401);
      expect((await me(admin())).status).toBe(401);
    });

    it('answers bad input with 400 VALIDATION_FAILED', async () => {
      const bad = [
        await call(url(), 'listUsers', { query: { limit: 9999 } }, admin()),
        await call(url(), 'listUsers', { query: { sort: 'password' } }, admin()),
        await call(url(), 'createUser', { body: { displayName: 'No login' } }, admin()),
        await call(url(), 'issueQrBatch', { body: { items: [] } }, admin()),
        await call(url(), 'adminSignin', {}),
      ];
      for (const r of bad) {
        expect(r.status).toBe(400);
        expect(r.error?.code).toBe('VALIDATION_FAILED');
        expect(r.error?.message).toMatch(/\S/);
      }
    });

    it('refuses the NUL character in any input with 400, where PostgreSQL would have failed with a 500 (found by the fuzz)', async () => {
      const refusals = [
        await call(url(), 'getUser', { params: { id: '\u0000' } }, admin()),
        await call(url(), 'listUsers', { query: { search: 'a\u0000b' } }, admin()),
        await call(url(), 'createUser', { body: { login: 'nul.test', displayName: 'x\u0000y' } }, admin()),
        await call(url(), 'adminSignin', { body: { login: 'admin\u0000', password: 'x' } }),
      ];
      for (const r of refusals) expect([r.status, r.error?.code, r.error?.message]).toEqual([400, 'VALIDATION_FAILED', 'Text must not contain the NUL character (U+0000)']);
    });

    it('answers an address the router cannot read in the error shape, before the session is looked at', async () => {
      const res = await fetch(`${url()}/api/v1/users/%E0%A4%A`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ code: 'VALIDATION_FAILED', message: 'The address is not a valid URL' });
    });

    it('reads no more than 16 KiB on the open sign-in routes (413 PAYLOAD_TOO_LARGE, nothing counted or audited), and authenticates before reading a large body', async () => {
      const failures = async () => okBody(await call(url(), 'listAudit', { query: { action: 'admin.signin_failed' } }, admin())).total;
      const before = await failures();
      const big = JSON.stringify({ login: 'admin', password: 'x'.repeat(20 * 1024) });
      for (const path of ['/api/v1/auth/admin', '/api/v1/auth/user', '/api/v1/auth/qr', '/api/v1/provisioning/redeem']) {
        const r = await fetch(`${url()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
        expect(r.status).toBe(413);
        expect(await r.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      }
      expect(await failures()).toBe(before);
      // A signed-in route takes a large body (a batch of thousands), but only from someone signed in:
      // without a session the answer is 401 before the 1 MiB body is read.
      const noSession = await fetch(`${url()}/api/v1/qr-credentials`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [], pad: 'x'.repeat(1 << 20) }) });
      expect(noSession.status).toBe(401);
      expect(await noSession.json()).toMatchObject({ code: 'AUTH_REQUIRED' });
      // A normal sign-in still fits, and is counted.
      expect((await call(url(), 'adminSignin', { body: { login: 'admin', password: 'wrong' } })).status).toBe(401);
      expect(await failures()).toBe(before + 1);
    });

    it('answers an unknown path with 404 NOT_FOUND in the error shape', async () => {
      const res = await fetch(`${url()}/api/v1/nothing-here`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
    });
  });
  describe('OpenAPI', () => {
    it('describes every route of the table with its schemas and bearer security', async () => {
      const res = await fetch(`${url()}/api/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as {
        openapi: string;
        paths: Record<string, Record<string, { operationId: string; security: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
        components: { securitySchemes: Record<string, { scheme: string }> };
      };
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.components.securitySchemes.bearer?.scheme).toBe('bearer');
      for (const [name, route] of Object.entries(api) as [RouteName, (typeof api)[RouteName]][]) {
        const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
        expect(op, name).toBeDefined();
        expect(op?.operationId).toBe(name);
        expect(op?.responses['200'], name).toBeDefined();
        expect(op?.security, name).toEqual(route.auth === 'none' ? [] : [{ bearer: [] }]);
      }
      expect(doc.paths['/api/v1/qr-credentials']?.post?.requestBody).toBeDefined();
    });

    it('is a valid OpenAPI 3.1 document by an independent validator', async () => {
      const doc: unknown = await (await fetch(`${url()}/api/openapi.json`)).json();
      const validator = new Validator();
      const result = await validator.validate(doc as Parameters<Validator["validate"]>[0]);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
    });
  });
});

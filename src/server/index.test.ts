import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_POLICY } from '../shared/model/password-policy';
import { startServer } from './index';
import { ADMIN_PASSWORD, eachBackend, sqlite } from './test-support/backends';
import { call, okBody } from './test-support/client';

eachBackend('Gatepass server', (backend) => {
  describe('start-up', () => {
    it('creates the admin with a generated password on a fresh database, once', async () => {
      const db = await backend.freshDb();
      const first = await startServer({ db, port: 0 }, { hashCost: 'test' });
      try {
        // 24 characters of every class, so it passes any policy the server starts with.
        expect(first.generatedAdminPassword).toMatch(/^\S{24}$/);
        for (const cls of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(first.generatedAdminPassword).toMatch(cls);
        const session = okBody(await call(first.url, 'adminSignin', { body: { login: 'admin', password: first.generatedAdminPassword } }));
        expect(session.login).toBe('admin');
      } finally {
        await first.close();
      }
      const second = await startServer({ db, port: 0 }, { hashCost: 'test' });
      try {
        expect(second.generatedAdminPassword).toBeNull();
      } finally {
        await second.close();
      }
    });

    it('logs one line saying where it listens and answers /info without signing in', async () => {
      const lines: string[] = [];
      const s = await startServer({ db: await backend.freshDb(), port: 0, name: 'Plant 2', adminPassword: ADMIN_PASSWORD, logger: (l) => lines.push(l) }, { hashCost: 'test' });
      try {
        expect(lines).toEqual([`Gatepass server listening on ${s.url}`]);
        expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const info = okBody(await call(s.url, 'serverInfo'));
        expect(info).toMatchObject({ product: 'gatepass', name: 'Plant 2', apiVersion: 1, tlsPin: null });
        const token = await s.issueAdminToken();
        // The default policy, and the common-password list it is published with (issue 8, point 4).
        const { commonPasswords, ...policy } = okBody(await call(s.url, 'getPolicy', {}, token));
        expect(policy).toEqual(DEFAULT_PASSWORD_POLICY);
        expect(commonPasswords).toEqual(expect.arrayContaining(['password1', 'qwerty123']));
      } finally {
        await s.close();
      }
    });
  });
});

describe('SQLite files', () => {
  it('creates a SQLite database, its journal files and its key file owner-only', async () => {
    const db = await sqlite.freshDb();
    const s = await startServer({ db, port: 0, adminPassword: ADMIN_PASSWORD }, { hashCost: 'test' });
    try {
      const files = [db, `${db}-wal`, `${db}-shm`, `${db}.key`].filter((f) => existsSync(f));
      expect(files).toEqual(expect.arrayContaining([db, `${db}-wal`]));
      for (const f of files) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
    } finally {
      await s.close();
    }
  });
});

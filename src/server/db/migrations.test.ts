import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { naturalKey } from '../../shared/natural-sort';
import { openDatabase } from './connect';
import { migrateTo, migrateToLatest } from './migrations';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('migration 0002 (list sorting) on a database made by 0001', () => {
  it('fills the sort keys, the live QR date and the session count of existing users, losing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-migrate-'));
    dirs.push(dir);
    const h = openDatabase(join(dir, 'old.sqlite'));
    try {
      await migrateTo(h.db, h.dialect, '0001_initial');
      const at = '2026-01-01T00:00:00.000Z';
      const later = '2999-01-01T00:00:00.000Z';
      const db = h.db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>;
      for (const [id, login, name] of [
        ['u1', 'A.Almeida10', 'Ana Almeida'],
        ['u2', 'a.almeida2', 'Åsa Almeida'],
      ] as const) {
        await db
          .insertInto('users')
          .values({ id, login, login_key: login.toLowerCase(), display_name: name, email: `${id}@example.com`, search_text: login, password_hash: null, created_at: at, updated_at: at })
          .execute();
      }
      await db.insertInto('qr_credentials').values({ id: 'c1', user_id: 'u1', login: 'A.Almeida10', secret_hash: 'x', issued_at: at, expires_at: null, voided_at: null }).execute();
      await db.insertInto('user_sessions').values({ token_hash: 't1', user_id: 'u1', created_at: at, expires_at: later }).execute();
      await db.insertInto('user_sessions').values({ token_hash: 't2', user_id: 'u1', created_at: at, expires_at: at }).execute();

      await migrateToLatest(h.db, h.dialect);
      const rows = await h.db.selectFrom('users').selectAll().orderBy('login_sort').execute();
      expect(rows.map((r) => r.login)).toEqual(['a.almeida2', 'A.Almeida10']);
      expect(rows[1]).toMatchObject({ login_sort: naturalKey('A.Almeida10'), name_sort: naturalKey('Ana Almeida'), qr_issued_at: at, sessions_active: 1, totp_enabled: 0, disabled_at: '' });
      expect(rows[0]).toMatchObject({ qr_issued_at: '', sessions_active: 0, display_name: 'Åsa Almeida', email: 'u2@example.com' });
    } finally {
      await h.close();
    }
  });
});

describe('migration 0003 (two-step verification) on a database made by 0002', () => {
  it('keeps every session, marks them as device sessions, and starts with nobody enrolled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-migrate-'));
    dirs.push(dir);
    const h = openDatabase(join(dir, 'older.sqlite'));
    try {
      await migrateTo(h.db, h.dialect, '0002_user_list');
      const at = '2026-01-01T00:00:00.000Z';
      const db = h.db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>;
      await db
        .insertInto('users')
        .values({ id: 'u1', login: 'b.berg', login_key: 'b.berg', display_name: 'Bo Berg', email: '', search_text: 'b.berg', password_hash: null, created_at: at, updated_at: at })
        .execute();
      await db.insertInto('user_sessions').values({ token_hash: 't1', user_id: 'u1', created_at: at, expires_at: '2999-01-01T00:00:00.000Z' }).execute();

      await migrateToLatest(h.db, h.dialect);
      expect(await h.db.selectFrom('user_sessions').select(['token_hash', 'method']).execute()).toEqual([{ token_hash: 't1', method: 'qr' }]);
      expect(await h.db.selectFrom('users').select(['login', 'totp_enabled']).execute()).toEqual([{ login: 'b.berg', totp_enabled: 0 }]);
      for (const table of ['totp_factors', 'totp_enrolments', 'recovery_codes', 'signin_pending', 'signin_throttle', 'signin_known_sources'] as const) {
        expect(await h.db.selectFrom(table).selectAll().execute()).toEqual([]);
      }
    } finally {
      await h.close();
    }
  });
});

describe('migration 0006 (one-time passwords by email) on a database made by 0003', () => {
  it('keeps every user as an internal one, finds them by address in any case, and starts with no computer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-migrate-'));
    dirs.push(dir);
    const h = openDatabase(join(dir, 'older.sqlite'));
    try {
      await migrateTo(h.db, h.dialect, '0003_two_step');
      const at = '2026-01-01T00:00:00.000Z';
      const db = h.db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>;
      await db
        .insertInto('users')
        .values({ id: 'u1', login: 'c.berg', login_key: 'c.berg', display_name: 'Cy Berg', email: 'Cy.Berg@Example.com', search_text: 'c.berg', password_hash: null, created_at: at, updated_at: at })
        .execute();

      await migrateToLatest(h.db, h.dialect);
      expect(await h.db.selectFrom('users').select(['login', 'source']).execute()).toEqual([{ login: 'c.berg', source: 'internal' }]);
      const plan = await sql<{ detail: string }>`explain query plan select id from users where lower(email) = ${'cy.berg@example.com'}`.execute(h.db);
      expect(plan.rows.map((r) => r.detail).join(' ')).toContain('users_email_lower');
      for (const table of ['computers', 'email_otps', 'client_sessions', 'otp_request_failures'] as const) {
        expect(await h.db.selectFrom(table).selectAll().execute()).toEqual([]);
      }
    } finally {
      await h.close();
    }
  });
});

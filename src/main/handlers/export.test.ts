import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../shared/csv';
import type { EventPayload } from '../../shared/ipc/contract';
import { startServer } from '../../server/index';
import type { ConsoleCore } from '../console-core';
import { createServerClient } from '../services/server-client';
import { startTestConsole, type TestConsole } from '../test-support/console';

/**
 * Issue 8, points 6 and 8, in main: the user list and the audit log as CSV files, every
 * matching row paged from a real server (SQLite), in the list's order, filters applied.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
const USERS = 1_203; // three pages of 500

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let token: string;
let core: ConsoleCore;
let serverId: string;
let call: TestConsole['call'];
/** What the next save dialog answers. */
let answer: () => { kind: 'path'; path: string } | { kind: 'cancelled' } = () => ({ kind: 'cancelled' });
const asked: Array<{ name: string; kind: string }> = [];
const progress: EventPayload<'export:csvProgress'>[] = [];
let onProgress: (p: EventPayload<'export:csvProgress'>) => void = () => {};

interface CsvResult {
  result: { kind: string; path?: string; bytes?: number };
  rows: number;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-csv-'));
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'Plant 5', adminPassword: ADMIN_PASSWORD, seedDemo: USERS }, { hashCost: 'test' });
  token = await server.issueAdminToken();
  ({ core, serverId, call } = await startTestConsole({
    dir,
    serverUrl: server.url,
    password: ADMIN_PASSWORD,
    saveTarget: async (name, kind) => {
      asked.push({ name, kind });
      return answer();
    },
    onEvent: (event, payload) => {
      if (event !== 'export:csvProgress') return;
      progress.push(payload as EventPayload<'export:csvProgress'>);
      onProgress(payload as EventPayload<'export:csvProgress'>);
    },
  }));
}, 60_000);

afterAll(async () => {
  await core?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function rowsOf(file: string): string[][] {
  const text = readFileSync(file, 'utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff);
  return parseCsv(text).map((r) => r.fields);
}

describe('Export list as CSV', () => {
  it('writes every user the search matches, in the sort order, after asking where with a dated name', async () => {
    const out = path.join(dir, 'users.csv');
    answer = () => ({ kind: 'path', path: out });
    progress.length = 0;
    const res = await call<CsvResult>('export:usersCsv', { serverId, exportId: 'export-users-1', sort: 'login', order: 'desc' });
    expect(asked.at(-1)).toEqual({ name: expect.stringMatching(/^gatepass-users-plant-5-\d{4}-\d{2}-\d{2}\.csv$/), kind: 'csv' });
    expect(res).toMatchObject({ result: { kind: 'saved', path: out }, rows: USERS });
    const rows = rowsOf(out);
    expect(rows[0]).toEqual(['Login', 'Display name', 'Email', '2FA', 'QR issued', 'Sessions', 'Disabled', 'Created', 'Source']);
    expect(rows).toHaveLength(USERS + 1);
    // The server's order, page after page: the same logins as its own listing, descending.
    const client = createServerClient(server.url);
    const first = await client.call('listUsers', { query: { sort: 'login', order: 'desc', limit: 500 } }, token);
    const last = await client.call('listUsers', { query: { sort: 'login', order: 'desc', offset: 1_000, limit: 500 } }, token);
    expect(rows.slice(1, 501).map((r) => r[0])).toEqual(first.items.map((u) => u.login));
    expect(rows.slice(1_001).map((r) => r[0])).toEqual(last.items.map((u) => u.login));
    expect(progress.at(-1)).toEqual({ exportId: 'export-users-1', done: USERS, total: USERS });
    // Owner-only, and no temp file left beside it.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('applies the filters: only users with a live QR code, with its issue time and their sessions', async () => {
    const some = await createServerClient(server.url).call('listUsers', { query: { search: 'berg', limit: 5 } }, token);
    expect(some.items.length).toBeGreaterThan(1);
    const issued = await createServerClient(server.url).call(
      'issueQrBatch',
      { body: { items: some.items.map((u) => ({ userId: u.id, password: 'Harbour-Lights-42' })) } },
      token,
    );
    expect(issued.results.every((r) => r.ok)).toBe(true);
    const out = path.join(dir, 'issued.csv');
    answer = () => ({ kind: 'path', path: out });
    const res = await call<CsvResult>('export:usersCsv', { serverId, exportId: 'export-users-2', qr: 'issued', sort: 'login', order: 'asc' });
    expect(res.rows).toBe(some.items.length);
    const rows = rowsOf(out).slice(1);
    expect(rows.map((r) => r[0])).toEqual(some.items.map((u) => u.login).sort());
    for (const r of rows) {
      expect(new Date(r[4]!).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(r[5]).toBe('0');
      expect(r[3]).toBe('off');
      // Demo users are internal: made in Gatepass, not mirrored from a directory.
      expect(r[8]).toBe('internal');
    }
  });

  it('leaves no file when the save dialog is cancelled, and none when the export is cancelled while it runs', async () => {
    answer = () => ({ kind: 'cancelled' });
    expect(await call<CsvResult>('export:usersCsv', { serverId, exportId: 'export-users-3' })).toEqual({ result: { kind: 'cancelled' }, rows: 0 });

    const out = path.join(dir, 'cancelled.csv');
    answer = () => ({ kind: 'path', path: out });
    const before = readdirSync(dir).sort();
    onProgress = () => void call('export:cancelCsv', { exportId: 'export-users-4' });
    const res = call<CsvResult>('export:usersCsv', { serverId, exportId: 'export-users-4' });
    try {
      expect(await res).toEqual({ result: { kind: 'cancelled' }, rows: 0 });
    } finally {
      onProgress = () => {};
    }
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('exports the audit log the filters match, newest first', async () => {
    const out = path.join(dir, 'audit.csv');
    answer = () => ({ kind: 'path', path: out });
    const res = await call<CsvResult>('export:auditCsv', { serverId, exportId: 'export-audit-1', action: 'qr.' });
    const page = await createServerClient(server.url).call('listAudit', { query: { action: 'qr.', limit: 500 } }, token);
    expect(page.total).toBeGreaterThan(1);
    expect(res.rows).toBe(page.total);
    const rows = rowsOf(out);
    expect(rows[0]).toEqual(['When', 'Actor', 'Action', 'Target', 'Detail', 'Address']);
    expect(rows.slice(1).map((r) => [r[0], r[2], r[3], r[5]])).toEqual(page.items.map((e) => [e.at, e.action, e.target, e.source ?? '']));
    // Entries made for a request keep the client's address (the console's calls come from loopback).
    expect(rows.slice(1).every((r) => r[5] === '127.0.0.1')).toBe(true);
  });

  it('defuses what a spreadsheet would run: a login and a display name that start a formula are shown as text', async () => {
    const login = '@SUM(1+1)*cmd';
    await createServerClient(server.url).call('createUser', { body: { login, displayName: '=HYPERLINK("http://x","click")' } }, token);
    const users = path.join(dir, 'formula-users.csv');
    answer = () => ({ kind: 'path', path: users });
    expect((await call<CsvResult>('export:usersCsv', { serverId, exportId: 'export-users-5', search: 'cmd' })).rows).toBe(1);
    expect(rowsOf(users)[1]!.slice(0, 2)).toEqual([`'${login}`, `'=HYPERLINK("http://x","click")`]);

    const audit = path.join(dir, 'formula-audit.csv');
    answer = () => ({ kind: 'path', path: audit });
    expect((await call<CsvResult>('export:auditCsv', { serverId, exportId: 'export-audit-2', target: login })).rows).toBe(1);
    expect(rowsOf(audit)[1]!.slice(1, 4)).toEqual(['admin', 'user.create', `'${login}`]);
    // No line of either file starts a field with a formula character.
    for (const file of [users, audit]) expect(readFileSync(file, 'utf8')).not.toMatch(/(^|,)[=+\-@]/m);
  });
});

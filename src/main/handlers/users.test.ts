import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/index';
import type { ConsoleCore } from '../console-core';
import { createServerClient } from '../services/server-client';
import { startTestConsole, type TestConsole } from '../test-support/console';

/**
 * Issue 8, point 7, in main: the per-user actions, set password and "where is the new user"
 * go from the console's channels to a real server (SQLite), each user's failure on its own.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let token: string;
let core: ConsoleCore;
let serverId: string;
let call: TestConsole['call'];
const client = () => createServerClient(server.url);

interface User {
  id: string;
  login: string;
  disabledAt: string | null;
  qrIssuedAt: string | null;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-user-actions-'));
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'Plant 7', adminPassword: ADMIN_PASSWORD, seedDemo: 40 }, { hashCost: 'test' });
  token = await server.issueAdminToken();
  ({ core, serverId, call } = await startTestConsole({ dir, serverUrl: server.url, password: ADMIN_PASSWORD }));
}, 60_000);

afterAll(async () => {
  await core?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function createUser(login: string): Promise<User> {
  return call<User>('users:create', { serverId, login, displayName: login, email: '' });
}

/** A QR credential issued for the user, as a previous campaign would have. */
async function issue(userId: string): Promise<string> {
  const res = await client().call('issueQrBatch', { body: { items: [{ userId, password: 'Lantern-Meadow-71' }] } }, token);
  const r = res.results[0];
  if (!r?.ok) throw new Error('issue failed');
  return r.issued.credential;
}

/** 'ok' when the device signs in, else the server's error code. */
async function signIn(login: string, credential: string): Promise<string> {
  try {
    await client().call('qrSignin', { body: { login, credential } });
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('users:action', () => {
  it('disables and enables users, each reported on its own, an unknown id as its own failure', async () => {
    const a = await createUser('act.anna');
    const credential = await issue(a.id);
    const res = await call<{ results: Array<{ userId: string; login: string | null; ok: boolean; code?: string }> }>('users:action', {
      serverId,
      action: 'disable',
      userIds: [a.id, 'no-such-user'],
    });
    expect(res.results.map((r) => [r.login, r.ok, r.code])).toEqual([
      ['act.anna', true, undefined],
      [null, false, 'NOT_FOUND'],
    ]);
    expect((await call<User>('users:get', { serverId, userId: a.id })).disabledAt).not.toBeNull();
    expect(await signIn(a.login, credential)).toBe('QR_CREDENTIAL_INVALID');

    await call('users:action', { serverId, action: 'enable', userIds: [a.id] });
    expect((await call<User>('users:get', { serverId, userId: a.id })).disabledAt).toBeNull();
    expect(await signIn(a.login, credential)).toBe('ok');
  });

  it('refuses an action that does not exist before anything reaches the server', async () => {
    const a = await createUser('act.bert');
    await expect(call('users:action', { serverId, action: 'explode', userIds: [a.id] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('users:setPassword', () => {
  it('sets a password without issuing a code: the old code stops, no new one appears', async () => {
    const a = await createUser('pw.carla');
    const credential = await issue(a.id);
    const res = await call<{ results: unknown[] }>('users:setPassword', { serverId, userIds: [a.id], password: 'Granite-Falls-2031' });
    expect(res.results).toEqual([{ userId: a.id, ok: true }]);
    expect(await signIn(a.login, credential)).toBe('QR_CREDENTIAL_INVALID');
    expect((await call<User>('users:get', { serverId, userId: a.id })).qrIssuedAt).toBeNull();
  });

  it("reports each user the policy refuses with the policy's message, and sets the others", async () => {
    const ok = await createUser('pw.dora');
    // The password contains this user's login, which the default policy refuses for them only.
    const named = await createUser('Granite');
    const res = await call<{ results: Array<{ userId: string; ok: boolean; code?: string; message?: string }> }>('users:setPassword', {
      serverId,
      userIds: [ok.id, named.id],
      password: 'Granite-Falls-2032',
    });
    expect(res.results[0]).toEqual({ userId: ok.id, ok: true });
    expect(res.results[1]).toMatchObject({ userId: named.id, ok: false, code: 'POLICY_VIOLATION', message: 'Password does not meet the policy: must not contain the login' });

    const weak = await call<{ results: Array<{ ok: boolean; code?: string; message?: string }> }>('users:setPassword', { serverId, userIds: [ok.id], password: 'weak' });
    expect(weak.results[0]).toMatchObject({ ok: false, code: 'POLICY_VIOLATION' });
    expect(weak.results[0]?.message).toContain('at least 8 characters');
  });
});

describe('users:locate and users:import', () => {
  it('finds where a new user is in the list the administrator sees, and null when the search hides them', async () => {
    const u = await createUser('m.zz-located');
    const page = await call<{ items: User[] }>('users:list', { serverId, limit: 500, sort: 'login', order: 'desc' });
    const expected = page.items.findIndex((x) => x.id === u.id);
    expect(await call('users:locate', { serverId, userIds: [u.id], sort: 'login', order: 'desc' })).toEqual({ userId: u.id, index: expected });
    expect(await call('users:locate', { serverId, userIds: [u.id], search: 'nobody-like-this' })).toEqual({ userId: null, index: null });
  });

  it('returns the ids of the users an import created, in the file order', async () => {
    const res = await call<{ created: number; createdIds: string[] }>('users:import', { serverId, csv: 'login\nimp.one\nimp.one\nimp.two\n' });
    expect(res.created).toBe(2);
    const logins = await Promise.all(res.createdIds.map(async (id) => (await call<User>('users:get', { serverId, userId: id })).login));
    expect(logins).toEqual(['imp.one', 'imp.two']);
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../shared/ipc/contract';
import { startServer } from '../../server/index';
import type { ConsoleCore } from '../console-core';
import { startTestConsole, type TestConsole } from '../test-support/console';
import { allUserIds } from '../../server/test-support/client';
import { createServerClient } from '../services/server-client';

/**
 * Issue 8, points 1 to 3, in main: a run reports progress per chunk and stops after the
 * chunk in flight when cancelled, saying who was not re-keyed; a job can be saved again
 * and again until it is discarded. Against a real server on SQLite.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
const USERS = 600; // three chunks of 250, 250 and 100

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let token: string;
let core: ConsoleCore;
let serverId: string;
let call: TestConsole['call'];
let ids: string[];
const progress: EventPayload<'qr:progress'>[] = [];
let onProgress: (p: EventPayload<'qr:progress'>) => void = () => {};

interface Job {
  jobId: string;
  cancelled: boolean;
  codes: Array<{ userId: string; login: string; status: string }>;
  notIssued: Array<{ userId: string; login: string }>;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-qr-runs-'));
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'Plant 3', adminPassword: ADMIN_PASSWORD, seedDemo: USERS }, { hashCost: 'test' });
  token = await server.issueAdminToken();
  ({ core, serverId, call } = await startTestConsole({
    dir,
    serverUrl: server.url,
    password: ADMIN_PASSWORD,
    onEvent: (event, payload) => {
      if (event !== 'qr:progress') return;
      const p = payload as EventPayload<'qr:progress'>;
      progress.push(p);
      onProgress(p);
    },
  }));
  ids = await allUserIds(server.url, token);
}, 60_000);

afterAll(async () => {
  await core?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a run of 600 users cancelled after its first chunk', () => {
  let job: Job;

  beforeAll(async () => {
    const runId = 'run-cancel-0001';
    onProgress = (p) => {
      if (p.runId === runId && p.done > 0) void call('qr:cancel', { runId });
    };
    job = await call<Job>('qr:generate', { serverId, userIds: ids, mode: { kind: 'template', prefix: 'Depot-Key-', start: 1, postfix: '!' }, runId });
    onProgress = () => {};
  }, 60_000);

  it('reported progress from 0 to the first chunk, with the run id and the total', () => {
    const mine = progress.filter((p) => p.runId === 'run-cancel-0001');
    expect(mine[0]).toEqual({ runId: 'run-cancel-0001', done: 0, total: USERS, broken: 0 });
    expect(mine.at(-1)).toMatchObject({ done: 250, total: USERS });
  });

  it('re-keyed exactly the first chunk and names every user it did not reach', () => {
    expect(job.cancelled).toBe(true);
    expect(job.codes).toHaveLength(250);
    expect(job.notIssued).toHaveLength(USERS - 250);
    expect([...job.codes.map((c) => c.userId), ...job.notIssued.map((n) => n.userId)]).toEqual(ids);
  });

  it('left the users it did not reach untouched on the server', async () => {
    const client = createServerClient(server.url);
    const reached = await client.call('getUser', { params: { id: job.codes[0]!.userId } }, token);
    const untouched = await client.call('getUser', { params: { id: job.notIssued[0]!.userId } }, token);
    expect(reached.qrIssuedAt).not.toBeNull();
    expect(untouched.qrIssuedAt).toBeNull();
  });

  it('issues for the users not reached with Generate again, appending them to the job', async () => {
    const again = await call<Job>('qr:regenerate', {
      jobId: job.jobId,
      userIds: job.notIssued.map((n) => n.userId),
      mode: { kind: 'template', prefix: 'Depot-Key-', start: 251, postfix: '!' },
    });
    expect(again.cancelled).toBe(false);
    expect(again.notIssued).toEqual([]);
    expect(again.codes.map((c) => c.userId)).toEqual(ids);
  }, 60_000);
});

describe('a job kept until its popup is closed', () => {
  it('saves as often and in as many forms as asked, then is gone once discarded', async () => {
    const job = await call<Job>('qr:generate', { serverId, userIds: ids.slice(0, 3), mode: { kind: 'template', prefix: 'Depot-Key-', start: 1, postfix: '!' } });
    const pdf = path.join(dir, 'print.pdf');
    const zip = path.join(dir, 'devices.zip');
    expect(await call('export:save', { jobId: job.jobId, path: pdf, format: 'pdf' })).toMatchObject({ kind: 'saved', path: pdf });
    expect(await call('export:save', { jobId: job.jobId, path: zip, format: 'zip', includeConfig: true })).toMatchObject({ kind: 'saved', path: zip });
    expect(await call('export:save', { jobId: job.jobId, path: pdf, format: 'pdf' })).toMatchObject({ kind: 'saved' });
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    expect(readFileSync(zip).subarray(0, 2).toString()).toBe('PK');

    expect(await call('qr:discard', { jobId: job.jobId })).toEqual({ ok: true });
    const gone = path.join(dir, 'gone.pdf');
    await expect(call('export:save', { jobId: job.jobId, path: gone, format: 'pdf' })).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect(existsSync(gone)).toBe(false);
  }, 60_000);

  it('refuses a second run under a run id still running, and a malformed run id', async () => {
    await expect(call('qr:generate', { serverId, userIds: ids.slice(0, 1), mode: { kind: 'same', password: 'Lantern-Meadow-71' }, runId: 'bad id!' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    const runId = 'run-twice-0001';
    const first = call<Job>('qr:generate', { serverId, userIds: ids.slice(0, 300), mode: { kind: 'same', password: 'Lantern-Meadow-71' }, runId });
    const second = call<Job>('qr:generate', { serverId, userIds: ids.slice(0, 1), mode: { kind: 'same', password: 'Lantern-Meadow-71' }, runId });
    await expect(second).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await first).codes).toHaveLength(300);
  }, 60_000);
});

describe('Generate again, itself cancelled, for users not reached and a broken user', () => {
  it('keeps the broken user broken only, never also listed as not re-keyed, and re-keys everyone in the end', async () => {
    const passwords = Object.fromEntries(ids.map((id, i) => [id, i === 0 ? 'short' : `Granite-Falls-${1000 + i}`]));
    const cancelAfterFirstChunk = (runId: string) => {
      onProgress = (p) => {
        if (p.runId === runId && p.done > 0) void call('qr:cancel', { runId });
      };
    };
    cancelAfterFirstChunk('run-broken-0001');
    const job = await call<Job>('qr:generate', { serverId, userIds: ids, mode: { kind: 'unique', passwords }, runId: 'run-broken-0001' });
    expect(job.codes.filter((c) => c.status === 'broken').map((c) => c.userId)).toEqual([ids[0]]);
    expect(job.notIssued).toHaveLength(USERS - 250);

    // The broken user last: the cancel stops the run before it reaches them.
    const again = [...job.notIssued.map((n) => n.userId), ids[0]!];
    const fixed = { ...passwords, [ids[0]!]: 'Granite-Falls-0999' };
    cancelAfterFirstChunk('run-broken-0002');
    const partly = await call<Job>('qr:regenerate', { jobId: job.jobId, userIds: again, mode: { kind: 'unique', passwords: fixed }, runId: 'run-broken-0002' });
    onProgress = () => {};
    expect(partly.notIssued.map((n) => n.userId)).not.toContain(ids[0]);
    expect(partly.codes.find((c) => c.userId === ids[0])?.status).toBe('broken');
    expect(partly.notIssued).toHaveLength(USERS - 500);
    expect(partly.codes.length + partly.notIssued.length).toBe(USERS);

    const done = await call<Job>('qr:regenerate', {
      jobId: job.jobId,
      userIds: [...partly.notIssued.map((n) => n.userId), ids[0]!],
      mode: { kind: 'unique', passwords: fixed },
    });
    expect(done.notIssued).toEqual([]);
    expect(done.cancelled).toBe(false);
    expect(done.codes).toHaveLength(USERS);
    expect(done.codes.every((c) => c.status === 'ok')).toBe(true);
    expect(new Set(done.codes.map((c) => c.userId)).size).toBe(USERS);
  }, 90_000);
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../shared/ipc/contract';
import { startServer } from '../../server/index';
import type { ConsoleCore } from '../console-core';
import { startTestConsole, type TestConsole } from '../test-support/console';
import { allUserIds } from '../../server/test-support/client';

/**
 * A server that stops answering in the middle of a run (found by `npm run crash:issue`): the
 * users of the request in flight may or may not have been re-keyed, so the console must not
 * say they keep their previous password; the users of later requests were never sent and are
 * listed as not re-keyed, ready for Generate again. Against a real server on SQLite, stopped
 * after the first chunk.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
const USERS = 600; // chunks of 250, 250 and 100

interface Job {
  jobId: string;
  cancelled: boolean;
  codes: Array<{ userId: string; login: string; status: string; errorCode?: string; reason?: string }>;
  notIssued: Array<{ userId: string; login: string }>;
}

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let core: ConsoleCore;
let serverId: string;
let call: TestConsole['call'];
let ids: string[];
let onProgress: (p: EventPayload<'qr:progress'>) => void = () => {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-qr-stops-'));
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'Plant 4', adminPassword: ADMIN_PASSWORD, seedDemo: USERS }, { hashCost: 'test' });
  const token = await server.issueAdminToken();
  ({ core, serverId, call } = await startTestConsole({
    dir,
    serverUrl: server.url,
    password: ADMIN_PASSWORD,
    onEvent: (event, payload) => {
      if (event === 'qr:progress') onProgress(payload as EventPayload<'qr:progress'>);
    },
  }));
  ids = await allUserIds(server.url, token);
}, 60_000);

afterAll(async () => {
  await core?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a run whose server stops after the first chunk', () => {
  let job: Job;

  beforeAll(async () => {
    const runId = 'run-stops-0001';
    let stopping: Promise<void> | null = null;
    onProgress = (p) => {
      if (p.runId === runId && p.done >= 250 && !stopping) stopping = server.close();
    };
    job = await call<Job>('qr:generate', { serverId, userIds: ids, mode: { kind: 'template', prefix: 'Depot-Key-', start: 1, postfix: '!' }, runId });
    await stopping;
  }, 120_000);

  it('keeps the first chunk, marks the chunk in flight as unconfirmed, and lists the rest as not re-keyed', () => {
    expect(job.codes.slice(0, 250).every((c) => c.status === 'ok')).toBe(true);
    const inFlight = job.codes.slice(250);
    expect(inFlight).toHaveLength(250);
    for (const c of inFlight) {
      expect(c).toMatchObject({ status: 'broken', errorCode: 'ISSUE_UNCONFIRMED' });
      expect(c.reason).toMatch(/may already have the new password/);
    }
    expect(job.notIssued.map((n) => n.userId)).toEqual(ids.slice(500));
    expect(job.cancelled).toBe(true);
  });

  it("saves a ZIP whose README marks them MAY BE RE-KEYED instead of saying they keep their password", async () => {
    const zip = path.join(dir, 'codes.zip');
    expect(await call('export:save', { jobId: job.jobId, path: zip, format: 'zip', includeConfig: true })).toMatchObject({ kind: 'saved' });
    const readme = execFileSync('unzip', ['-p', zip, 'README.txt'], { encoding: 'utf8' });
    expect(readme).toContain('except those marked MAY BE RE-KEYED');
    const lines = readme.split('\r\n').filter((l) => l.includes('\t'));
    expect(lines).toHaveLength(250);
    expect(lines.every((l) => l.split('\t')[1]!.startsWith('MAY BE RE-KEYED: '))).toBe(true);
  }, 60_000);
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GeneratedCode } from '../../../shared/ipc/contract';
import type { JobSummary } from './types';

/**
 * The jobs slice against a fake window.gatepass: a run id goes with each issue, qr:progress
 * moves `issuing`, Cancel names the run (again if it overtook it), a save marks the codes it
 * wrote, and closing the popup discards the job.
 */
const code = (userId: string, issuedAt = '2026-01-01T00:00:00.000Z'): GeneratedCode => ({
  userId,
  login: userId,
  displayName: '',
  status: 'ok',
  qr: { size: 21, path: 'M0 0h1v1H0z' },
  issuedAt,
  expiresAt: null,
});
const job = (codes: GeneratedCode[], notIssued: JobSummary['notIssued'] = []): JobSummary => ({
  jobId: 'job-1',
  serverId: 's1',
  serverName: 'Plant 1',
  serverUrl: 'http://127.0.0.1:1',
  createdAt: '2026-01-01T00:00:00.000Z',
  codes,
  notIssued,
  cancelled: notIssued.length > 0,
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const api = {
  qr: { generate: vi.fn(), regenerate: vi.fn(), cancel: vi.fn(), discard: vi.fn() },
  export: { save: vi.fn(), cancel: vi.fn() },
};

beforeEach(() => {
  vi.stubGlobal('window', { gatepass: api });
  for (const f of [...Object.values(api.qr), ...Object.values(api.export)]) f.mockReset();
  api.qr.cancel.mockResolvedValue({ ok: true });
  api.qr.discard.mockResolvedValue({ ok: true });
  vi.resetModules();
});
afterEach(() => vi.unstubAllGlobals());

async function store() {
  return (await import('./store')).useAppStore;
}

describe('issuing with progress and cancel', () => {
  it('sends a run id, follows its progress only, and cancels that run', async () => {
    const s = await store();
    const answer = deferred<JobSummary>();
    api.qr.generate.mockReturnValue(answer.promise);
    const running = s.getState().generateCodes('s1', ['a', 'b', 'c', 'a'], { kind: 'same', password: 'x' });

    const runId = (api.qr.generate.mock.calls[0]![0] as { runId: string }).runId;
    expect(runId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(s.getState().issuing).toEqual({ runId, done: 0, total: 3, broken: 0, cancelling: false });

    s.getState().onIssueProgress({ runId: 'someone-elses-run', done: 9, total: 9, broken: 9 });
    s.getState().onIssueProgress({ runId, done: 1, total: 3, broken: 1 });
    expect(s.getState().issuing).toMatchObject({ done: 1, total: 3, broken: 1 });

    await s.getState().cancelIssuing();
    expect(api.qr.cancel).toHaveBeenCalledWith({ runId });
    expect(s.getState().issuing?.cancelling).toBe(true);
    // Progress after the cancel (it may have overtaken the run): said once more.
    s.getState().onIssueProgress({ runId, done: 2, total: 3, broken: 1 });
    expect(api.qr.cancel).toHaveBeenCalledTimes(2);

    answer.resolve(job([code('a'), code('b')], [{ userId: 'c', login: 'c', displayName: '' }]));
    const done = await running;
    expect(done.cancelled).toBe(true);
    expect(s.getState().issuing).toBeNull();
    expect(s.getState().busy).toBeNull();
    expect(s.getState().jobs['job-1']?.notIssued).toHaveLength(1);
  });

  it('clears the progress when issuing fails', async () => {
    const s = await store();
    api.qr.generate.mockRejectedValue(new Error('The server stopped answering'));
    await expect(s.getState().generateCodes('s1', ['a'], { kind: 'same', password: 'x' })).rejects.toThrow('stopped answering');
    expect(s.getState().issuing).toBeNull();
  });
});

describe('saving again and closing', () => {
  it('marks what a save wrote, not what a cancelled save did, and what Generate again issued is unsaved again', async () => {
    const s = await store();
    api.qr.generate.mockResolvedValue(job([code('a'), code('b')]));
    await s.getState().generateCodes('s1', ['a', 'b'], { kind: 'same', password: 'x' });

    api.export.save.mockResolvedValueOnce({ kind: 'cancelled' });
    await s.getState().saveJob('job-1');
    expect(s.getState().savedCodes['job-1']).toBeUndefined();

    api.export.save.mockResolvedValue({ kind: 'saved', path: '/tmp/codes.pdf', bytes: 10 });
    await s.getState().saveJob('job-1');
    expect([...(s.getState().savedCodes['job-1'] ?? [])].sort()).toEqual(['a@2026-01-01T00:00:00.000Z', 'b@2026-01-01T00:00:00.000Z']);
    // And again, in another form: nothing stops a second save.
    await s.getState().saveJob('job-1', { format: 'zip', includeConfig: true, pageSize: 'A4', layout: 'single', omitBroken: false });
    expect(api.export.save).toHaveBeenCalledTimes(3);
    expect(s.getState().saves['job-1']).toMatchObject({ state: 'done' });

    api.qr.regenerate.mockResolvedValue(job([code('a'), code('b', '2026-01-02T00:00:00.000Z')]));
    await s.getState().regenerateCodes('job-1', ['b'], { kind: 'same', password: 'x' });
    const { unsavedCount } = await import('../lib/job-text');
    expect(unsavedCount(s.getState().jobs['job-1']!.codes, s.getState().savedCodes['job-1'])).toBe(1);
    expect((api.qr.regenerate.mock.calls[0]![0] as { runId: string }).runId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });

  it('discards the job in main and in the store when the popup closes', async () => {
    const s = await store();
    api.qr.generate.mockResolvedValue(job([code('a')]));
    await s.getState().generateCodes('s1', ['a'], { kind: 'same', password: 'x' });
    await s.getState().discardJob('job-1');
    expect(api.qr.discard).toHaveBeenCalledWith({ jobId: 'job-1' });
    expect(s.getState().jobs['job-1']).toBeUndefined();
  });
});

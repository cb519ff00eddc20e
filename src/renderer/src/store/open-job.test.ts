import { describe, expect, it } from 'vitest';
import type { GeneratedCode } from '../../../shared/ipc/contract';
import { okCodeKeys } from '../lib/job-text';
import { mustWarnBeforeLeaving, openJobId, openJobUnsaved } from './open-job';
import type { AppState, JobSummary } from './types';

const code = (userId: string): GeneratedCode => ({
  userId,
  login: userId,
  displayName: '',
  status: 'ok',
  qr: { size: 21, path: 'M0 0h1v1H0z' },
  issuedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: null,
});
const job: JobSummary = {
  jobId: 'j1',
  serverId: 's1',
  serverName: 'Plant 1',
  serverUrl: 'http://127.0.0.1:1',
  createdAt: '2026-01-01T00:00:00.000Z',
  codes: [code('a'), code('b')],
  notIssued: [],
  cancelled: false,
};
type Guarded = Pick<AppState, 'dialog' | 'jobs' | 'savedCodes' | 'issuing'>;
const base: Guarded = { dialog: { kind: 'none' }, jobs: { j1: job }, savedCodes: {}, issuing: null };

describe('the job whose popup is open', () => {
  it('is the popup’s, Save as…’s and Generate again’s job, and none for other dialogs', () => {
    expect(openJobId({ kind: 'generated', jobId: 'j1' })).toBe('j1');
    expect(openJobId({ kind: 'saveOptions', jobId: 'j1' })).toBe('j1');
    expect(openJobId({ kind: 'generate', serverId: 's1', count: 1, again: { jobId: 'j1', users: [] } })).toBe('j1');
    expect(openJobId({ kind: 'generate', serverId: 's1', count: 1 })).toBeNull();
    expect(openJobId({ kind: 'none' })).toBeNull();
  });
});

describe('leaving the page', () => {
  it('warns while the open job has unsaved codes, and not once they are saved', () => {
    const open: Guarded = { ...base, dialog: { kind: 'generated', jobId: 'j1' } };
    expect(openJobUnsaved(open)).toBe(2);
    expect(mustWarnBeforeLeaving(open)).toBe(true);
    expect(mustWarnBeforeLeaving({ ...open, savedCodes: { j1: okCodeKeys(job.codes) } })).toBe(false);
    expect(mustWarnBeforeLeaving({ ...open, dialog: { kind: 'saveOptions', jobId: 'j1' } })).toBe(true);
  });

  it('does not warn with no job open, but does while users are being re-keyed', () => {
    expect(mustWarnBeforeLeaving(base)).toBe(false);
    expect(mustWarnBeforeLeaving({ ...base, issuing: { runId: 'run-00000001', done: 0, total: 5, broken: 0, cancelling: false } })).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { createJobStore, summariseJob, type QrJob } from './job-store';

function job(id: string, cards = 1): QrJob {
  return {
    jobId: id,
    serverId: 's',
    serverName: 'Plant 2',
    serverUrl: 'https://gp.example',
    createdAt: '2025-01-01T00:00:00.000Z',
    codes: [],
    notIssued: [],
    cancelled: false,
    cards: Array.from({ length: cards }, (_, i) => ({
      login: `u${i}`,
      displayName: '',
      serverName: 'Plant 2',
      serverUrl: 'https://gp.example',
      status: 'ok' as const,
      payload: `secret-${id}-${i}`,
      issuedAt: null,
      expiresAt: null,
    })),
  };
}

describe('the job store', () => {
  it('keeps a job however long until it is discarded, then forgets it', () => {
    let t = 0;
    const store = createJobStore({ now: () => t });
    store.add(job('a'));
    t = 7 * 24 * 60 * 60_000;
    expect(store.get('a').jobId).toBe('a');
    store.delete('a');
    expect(() => store.get('a')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    store.close();
  });

  it('drops the oldest jobs when more than the cap are kept', () => {
    const store = createJobStore({ maxJobs: 2 });
    store.add(job('a'));
    store.add(job('b'));
    store.add(job('c'));
    expect(store.size()).toBe(2);
    expect(() => store.get('a')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    expect(store.get('c').jobId).toBe('c');
    store.close();
  });

  it('drops the oldest jobs when the codes held in total pass the cap', () => {
    const store = createJobStore({ maxCodes: 10 });
    store.add(job('a', 6));
    store.add(job('b', 6));
    expect(() => store.get('a')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    expect(store.get('b').cards).toHaveLength(6);
    store.close();
  });

  it('gives the renderer a summary without the payloads', () => {
    expect(JSON.stringify(summariseJob(job('a', 3)))).not.toContain('secret-');
  });
});

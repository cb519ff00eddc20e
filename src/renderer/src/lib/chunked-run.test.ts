import { describe, expect, it } from 'vitest';
import { runInChunks, runPerServer, type UserAnswer } from './chunked-run';

const users = Array.from({ length: 7 }, (_, i) => ({ id: `id${i}`, login: `user${i}` }));

describe('running a per-user action in chunks', () => {
  it('calls the server a chunk at a time, reports progress and keeps each refusal with its login', async () => {
    const calls: string[][] = [];
    const progress: number[] = [];
    const out = await runInChunks(
      users,
      3,
      async (ids) => {
        calls.push(ids);
        return ids.map((userId): UserAnswer => (userId === 'id4' ? { userId, ok: false, code: 'NOT_FOUND', message: 'No such user' } : { userId, ok: true }));
      },
      { onProgress: (done) => progress.push(done) },
    );
    expect(calls).toEqual([['id0', 'id1', 'id2'], ['id3', 'id4', 'id5'], ['id6']]);
    expect(progress).toEqual([0, 3, 6, 7]);
    expect(out).toEqual({ ok: 6, failures: [{ userId: 'id4', login: 'user4', code: 'NOT_FOUND', message: 'No such user' }], notReached: 0, error: null });
  });

  it('stops after the chunk in flight when asked, leaving the rest untouched', async () => {
    let stop = false;
    const calls: string[][] = [];
    const out = await runInChunks(
      users,
      3,
      async (ids) => {
        calls.push(ids);
        stop = true; // Stop pressed while the first chunk runs.
        return ids.map((userId) => ({ userId, ok: true }));
      },
      { stopped: () => stop },
    );
    expect(calls).toHaveLength(1);
    expect(out).toMatchObject({ ok: 3, notReached: 4, error: null });
  });

  it('ends on a chunk that fails as a whole, saying why and how many were not reached', async () => {
    let n = 0;
    const out = await runInChunks(users, 2, async (ids) => {
      if (++n === 2) throw new Error('Cannot reach the server');
      return ids.map((userId) => ({ userId, ok: true }));
    });
    expect(out).toEqual({ ok: 2, failures: [], notReached: 5, error: 'Cannot reach the server' });
  });
});

describe('running a per-user action over several servers', () => {
  const mixed = [
    { serverId: 'p1', id: 'a', login: 'a.berg' },
    { serverId: 'p2', id: 'b', login: 'b.chen' },
    { serverId: 'p1', id: 'c', login: 'c.diaz' },
    { serverId: 'p3', id: 'd', login: 'd.eng' },
  ];

  it("sends each user to their own server, server by server, with one progress count", async () => {
    const calls: string[] = [];
    const progress: number[] = [];
    const out = await runPerServer(
      mixed,
      500,
      async (serverId, ids) => {
        calls.push(`${serverId}:${ids.join(',')}`);
        return ids.map((userId) => (userId === 'b' ? { userId, ok: false, code: 'NOT_FOUND', message: 'No such user' } : { userId, ok: true }));
      },
      { onProgress: (done) => progress.push(done) },
    );
    expect(calls).toEqual(['p1:a,c', 'p2:b', 'p3:d']);
    expect(progress).toEqual([0, 0, 2, 2, 3, 3, 4]);
    expect(out).toEqual({ ok: 3, failures: [{ userId: 'b', login: 'b.chen', code: 'NOT_FOUND', message: 'No such user' }], notReached: 0, error: null });
  });

  it('leaves the servers after one that stopped answering untouched, and says so', async () => {
    const out = await runPerServer(mixed, 500, async (serverId, ids) => {
      if (serverId === 'p2') throw new Error('Cannot reach Plant 2');
      return ids.map((userId) => ({ userId, ok: true }));
    });
    expect(out).toEqual({ ok: 2, failures: [], notReached: 2, error: 'Cannot reach Plant 2' });
  });
});

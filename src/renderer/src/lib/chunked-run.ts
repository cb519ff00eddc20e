import { errorMessage } from './format';

/**
 * Runs a per-user call over many users in chunks, so a selection of 100,000 shows progress and
 * can be stopped between chunks (the chunk in flight finishes: the server applies each user on
 * their own, so nothing is half-done). Each user's failure is kept with their login; a chunk
 * that fails as a whole (the server stopped answering) ends the run and leaves the rest untouched.
 */

/** One user the run is for. */
export interface RunUser {
  readonly id: string;
  readonly login: string;
}

/** One user's answer from the server. */
export interface UserAnswer {
  readonly userId: string;
  readonly ok: boolean;
  readonly code?: string | undefined;
  readonly message?: string | undefined;
}

/** A user the server refused, with why. */
export interface RunFailure {
  readonly userId: string;
  readonly login: string;
  readonly code: string;
  readonly message: string;
}

/** How a run went. */
export interface RunOutcome {
  readonly ok: number;
  readonly failures: readonly RunFailure[];
  /** Users no call was made for: stopped, or the run ended on an error. */
  readonly notReached: number;
  /** Why the run ended early, when a whole chunk failed. */
  readonly error: string | null;
}

/** Calls `call` for `size` users at a time, reporting progress, until done, stopped or a chunk throws. */
export async function runInChunks(
  users: readonly RunUser[],
  size: number,
  call: (userIds: string[]) => Promise<readonly UserAnswer[]>,
  opts: { onProgress?: (done: number, total: number) => void; stopped?: () => boolean } = {},
): Promise<RunOutcome> {
  const loginOf = new Map(users.map((u) => [u.id, u.login]));
  const failures: RunFailure[] = [];
  let ok = 0;
  let done = 0;
  let error: string | null = null;
  opts.onProgress?.(0, users.length);
  for (let i = 0; i < users.length; i += size) {
    if (opts.stopped?.()) break;
    const chunk = users.slice(i, i + size);
    let answers: readonly UserAnswer[];
    try {
      answers = await call(chunk.map((u) => u.id));
    } catch (err) {
      error = errorMessage(err);
      break;
    }
    for (const a of answers) {
      if (a.ok) ok++;
      else failures.push({ userId: a.userId, login: loginOf.get(a.userId) ?? a.userId, code: a.code ?? 'SERVER_ERROR', message: a.message ?? 'The server refused this user' });
    }
    done += chunk.length;
    opts.onProgress?.(done, users.length);
  }
  return { ok, failures, notReached: users.length - done, error };
}

/** A user of a run over several servers. */
export interface ServerRunUser extends RunUser {
  readonly serverId: string;
}

/**
 * Runs a per-user call for users of several servers (the all-servers list): server by server
 * in the order they come, each in chunks to its own server, with one progress count over all
 * of them. A stop, or a chunk that fails as a whole, leaves every user after it untouched.
 */
export async function runPerServer(
  users: readonly ServerRunUser[],
  size: number,
  call: (serverId: string, userIds: string[]) => Promise<readonly UserAnswer[]>,
  opts: { onProgress?: (done: number, total: number) => void; stopped?: () => boolean } = {},
): Promise<RunOutcome> {
  const groups = new Map<string, ServerRunUser[]>();
  for (const u of users) {
    const g = groups.get(u.serverId);
    if (g) g.push(u);
    else groups.set(u.serverId, [u]);
  }
  let ok = 0;
  const failures: RunFailure[] = [];
  let notReached = 0;
  let error: string | null = null;
  let base = 0;
  opts.onProgress?.(0, users.length);
  for (const [serverId, group] of groups) {
    if (error !== null || opts.stopped?.()) {
      notReached += group.length;
      continue;
    }
    const out = await runInChunks(group, size, (ids) => call(serverId, ids), {
      onProgress: (done) => opts.onProgress?.(base + done, users.length),
      ...(opts.stopped ? { stopped: opts.stopped } : {}),
    });
    ok += out.ok;
    failures.push(...out.failures);
    notReached += out.notReached;
    error = out.error;
    base += group.length;
  }
  return { ok, failures, notReached, error };
}

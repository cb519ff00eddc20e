import path from 'node:path';
import type { EventName, EventPayload } from '../../shared/ipc/contract';
import { createConsoleCore, type ConsoleCore } from '../console-core';
import type { ExportKind, SaveTarget } from '../services/export/save-job';
import { createKeychain } from '../services/keychain';

/** A console core for tests, connected to one real server, and a typed-enough way to call it. */
export interface TestConsole {
  core: ConsoleCore;
  serverId: string;
  /** Dispatches like the renderer does; a failure throws an Error carrying the envelope's code. */
  call<T>(channel: string, input: unknown): Promise<T>;
}

/**
 * The console back end as the browser host builds it (no keychain, saves only to given
 * paths), with `serverUrl` added as a server, signed in as `login`. Events go to `onEvent`.
 */
export async function startTestConsole(opts: {
  dir: string;
  serverUrl: string;
  login?: string;
  password: string;
  onEvent?: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  /** What a host's save dialog answers; by default the administrator cancels it. */
  saveTarget?: (suggestedName: string, kind: ExportKind) => Promise<SaveTarget>;
}): Promise<TestConsole> {
  const core = await createConsoleCore({
    userDataDir: path.join(opts.dir, 'console'),
    host: 'web',
    saveTarget: opts.saveTarget ?? (async () => ({ kind: 'cancelled' })),
    emit: (event, payload) => opts.onEvent?.(event, payload),
    credentials: createKeychain({ load: () => Promise.reject(new Error('no keychain here')) }),
    allowSavePath: true,
  });
  async function call<T>(channel: string, input: unknown): Promise<T> {
    const env = await core.dispatch(channel, input);
    if (!env.ok) throw Object.assign(new Error(`${channel}: ${env.error.code} ${env.error.message}`), { code: env.error.code });
    return env.data as T;
  }
  const { id } = await call<{ id: string }>('servers:add', { url: opts.serverUrl, login: opts.login ?? 'admin', password: opts.password, remember: false });
  return { core, serverId: id, call };
}

import { GatepassError } from '../../shared/errors';

/** The keychain service name every saved password is filed under. */
export const KEYCHAIN_SERVICE = 'Gatepass';

/** Whether the OS keychain can be used, and if not, the sentence to show the user. */
export interface KeychainStatus {
  ok: boolean;
  message?: string;
}

/** Saved admin passwords, one per server id, in the OS keychain and nowhere else. */
export interface Keychain {
  available(): Promise<KeychainStatus>;
  get(serverId: string): Promise<string | null>;
  /** Throws KEYCHAIN_UNAVAILABLE when there is no keychain: the password is then not saved anywhere. */
  set(serverId: string, password: string): Promise<void>;
  delete(serverId: string): Promise<void>;
}

/** The part of keytar we use (keytar is optional and archived upstream, so it is typed here). */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

const PROBE_ACCOUNT = '__gatepass_probe__';

/**
 * The OS keychain through keytar, failing CLOSED: if keytar does not load, or the Secret
 * Service is missing or locked (any throw from a probe), the store reports itself
 * unavailable and refuses to save. It never falls back to a file.
 * `load` is injectable so a host can pass a different loader; by default keytar is imported lazily.
 */
export function createKeychain(opts: { load?: () => Promise<KeytarLike> } = {}): Keychain {
  const load = opts.load ?? loadKeytar;
  let probe: Promise<{ keytar: KeytarLike | null; status: KeychainStatus }> | null = null;

  function ready() {
    probe ??= (async () => {
      let keytar: KeytarLike;
      try {
        keytar = await load();
      } catch (err) {
        return { keytar: null, status: unavailable(`keytar could not be loaded: ${shortReason(err)}`) };
      }
      try {
        // A read is the cheapest call that needs a working, unlocked Secret Service.
        await keytar.getPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT);
        return { keytar, status: { ok: true } };
      } catch (err) {
        return { keytar: null, status: unavailable(shortReason(err)) };
      }
    })();
    return probe;
  }

  return {
    async available() {
      return (await ready()).status;
    },
    async get(serverId) {
      const { keytar } = await ready();
      if (!keytar) return null;
      try {
        return await keytar.getPassword(KEYCHAIN_SERVICE, serverId);
      } catch {
        // The keyring may have been locked since the probe: treat as "not saved", the user is asked.
        return null;
      }
    },
    async set(serverId, password) {
      const { keytar, status } = await ready();
      if (!keytar) throw new GatepassError('KEYCHAIN_UNAVAILABLE', status.message ?? 'No system keychain is available.');
      try {
        await keytar.setPassword(KEYCHAIN_SERVICE, serverId, password);
      } catch (err) {
        throw new GatepassError('KEYCHAIN_UNAVAILABLE', unavailable(shortReason(err)).message ?? 'No system keychain is available.');
      }
    },
    async delete(serverId) {
      const { keytar } = await ready();
      if (!keytar) return;
      try {
        await keytar.deletePassword(KEYCHAIN_SERVICE, serverId);
      } catch {
        // Nothing was readable, so nothing is left to forget.
      }
    },
  };
}

async function loadKeytar(): Promise<KeytarLike> {
  // A variable specifier keeps bundlers from resolving the optional native module at build time.
  const specifier = 'keytar';
  const mod = (await import(/* @vite-ignore */ specifier)) as { default?: KeytarLike } & Partial<KeytarLike>;
  const k = mod.default ?? mod;
  if (typeof k.getPassword !== 'function' || typeof k.setPassword !== 'function' || typeof k.deletePassword !== 'function') {
    throw new Error('unexpected keytar module shape');
  }
  return k as KeytarLike;
}

function unavailable(reason: string): KeychainStatus {
  return { ok: false, message: `No system keychain is available (${reason}): passwords will be asked once per session and not saved.` };
}

function shortReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 160) || 'unknown error';
}

/**
 * Passwords and tokens for this session only: given without "remember", or when there is
 * no keychain. Lives in memory and dies with the process.
 */
export class SessionSecrets {
  readonly #passwords = new Map<string, string>();
  readonly #tokens = new Map<string, string>();

  getPassword(serverId: string): string | null {
    return this.#passwords.get(serverId) ?? null;
  }
  setPassword(serverId: string, password: string): void {
    this.#passwords.set(serverId, password);
  }
  getToken(serverId: string): string | null {
    return this.#tokens.get(serverId) ?? null;
  }
  setToken(serverId: string, token: string): void {
    this.#tokens.set(serverId, token);
  }
  clearToken(serverId: string): void {
    this.#tokens.delete(serverId);
  }
  forget(serverId: string): void {
    this.#passwords.delete(serverId);
    this.#tokens.delete(serverId);
  }
  clear(): void {
    this.#passwords.clear();
    this.#tokens.clear();
  }
}

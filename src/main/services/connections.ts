import { randomUUID } from 'node:crypto';
import type { RouteName, RouteResponse } from '../../shared/api/routes';
import { GatepassError } from '../../shared/errors';
import type { Server } from '../../shared/model/server';
import { tlsRefusalOf, type TlsCertificate } from '../../shared/model/tls-certificate';
import type { ChannelOutput } from '../../shared/ipc/contract';
import type { Keychain, SessionSecrets } from './keychain';
import { createServerClient, type CallInput, type CallOptions, type ServerClient } from './server-client';
import type { SavedServer, SettingsStore } from './settings';
import { probeCertificate } from './tls-pin';

/** The embedded local server as the console sees it: an address and a way to get an admin token without a password. */
export interface EmbeddedServerHandle {
  url: string;
  issueAdminToken(): Promise<string>;
}

/** A call on one server with its admin session filled in (and renewed once if it expired). */
export type AdminCall = <N extends RouteName>(name: N, input?: CallInput<N>, options?: CallOptions) => Promise<RouteResponse<N>>;

type Status = Server['status'];

interface Live {
  saved: SavedServer;
  status: Status;
  statusMessage?: string;
  /** needs-enrolment: when the server's grace period ends. */
  graceEndsAt?: string;
  passwordSaved: boolean;
  client: ServerClient | null;
  /** One sign-in at a time per server; concurrent calls wait for it (its answer: recovery codes left, when one was used). */
  signingIn: Promise<number | null> | null;
  /** The certificate the server presented when its key was refused (changed, or not trusted): for review in Edit server. */
  presented?: TlsCertificate | undefined;
}

/**
 * An administrator's second factor for one sign-in: the code from the authenticator app, or a
 * recovery code. Passed to the server once and never kept: a reconnect asks again.
 */
export interface SecondFactor {
  otp?: string | undefined;
  recoveryCode?: string | undefined;
}

/** Input of servers:add after the contract parsed it. */
export interface AddServerInput extends SecondFactor {
  name?: string | undefined;
  url: string;
  login: string;
  password: string;
  remember: boolean;
  /** The server's TLS key pin the administrator trusted (https only): the server must present this key, else nothing is sent. */
  tlsPin?: string | undefined;
}

/** Input of servers:update after the contract parsed it. */
export interface UpdateServerInput extends SecondFactor {
  name?: string | undefined;
  url?: string | undefined;
  password?: string | undefined;
  /** A TLS key pin to trust from now on (the server's new key, reviewed): checked and signed in with before it is saved. */
  tlsPin?: string | undefined;
}

/** A server after a sign-in, with the recovery codes left when one was used. */
export type SignedInServer = ChannelOutput<'servers:connect'>;

/** Connections to every server in the tree: admin sessions, statuses, the saved list. */
export interface Connections {
  load(): Promise<void>;
  list(): Server[];
  get(serverId: string): Server;
  /** The URL devices should use for this server (the embedded one's changes each start). */
  urlOf(serverId: string): string;
  /** Signs in (with the second factor when the administrator has two-step verification), then adds the server. */
  add(input: AddServerInput): Promise<SignedInServer>;
  remove(serverId: string): Promise<void>;
  /** Renames a server or moves it to a new address (checked and signed in to first); its saved password follows it. */
  update(serverId: string, change: UpdateServerInput): Promise<Server>;
  /** Signs in again: the password given, else the session's or the keychain's; the second factor when the account has one. */
  connect(serverId: string, password?: string, factor?: SecondFactor): Promise<SignedInServer>;
  /**
   * The administrator confirmed their own enrolment: an enrolment-only session (mandatory
   * two-step verification, grace period) is a full one from now on, with the same token.
   */
  enrolled(serverId: string): void;
  /**
   * The administrator changed their own password on this server: the console signs in with the
   * new one from now on (the keychain entry, when the password is saved there, and this session's).
   */
  ownPasswordChanged(serverId: string, password: string): Promise<void>;
  /** Connects every server in the background; failures only change statuses. */
  connectAll(): Promise<void>;
  /** Adds or updates the embedded local server and connects it. */
  attachEmbedded(handle: EmbeddedServerHandle, name: string): Promise<void>;
  admin(serverId: string): AdminCall;
  close(): Promise<void>;
}

/**
 * Asks the address who it is (GET /api/v1/info, no sign-in needed). A Gatepass server says so;
 * anything else that answers (a web server, a proxy's page, another API) is NOT_GATEPASS_SERVER,
 * so the administrator reads that rather than "HTTP 405 to adminSignin". Not answering at all
 * stays SERVER_UNREACHABLE.
 */
export async function identifyServer(client: ServerClient, url: string): Promise<RouteResponse<'serverInfo'>> {
  try {
    return await client.call('serverInfo', {}, undefined, { timeoutMs: 10_000 });
  } catch (err) {
    // Not reached at all, or refused for its TLS key before anything was sent: say that, not "not Gatepass".
    if (err instanceof GatepassError && IDENTIFY_PASS_THROUGH.has(err.code)) throw err;
    throw new GatepassError('NOT_GATEPASS_SERVER', `${url} is not a Gatepass server: it does not answer /api/v1/info as one. Check the address and port.`);
  }
}

const IDENTIFY_PASS_THROUGH = new Set(['SERVER_UNREACHABLE', 'RATE_LIMITED', 'TLS_UNTRUSTED', 'TLS_PIN_MISMATCH']);

/**
 * A TLS refusal with what the administrator must compare: TLS_UNTRUSTED gets the certificate the
 * server presents (read by a connection that sends nothing); TLS_PIN_MISMATCH carries it already.
 * Anything else, or a probe that fails, is returned as it was.
 */
export async function withPresentedCertificate(err: unknown, url: string, timeoutMs: number): Promise<unknown> {
  if (!(err instanceof GatepassError) || err.code !== 'TLS_UNTRUSTED' || tlsRefusalOf(err)) return err;
  try {
    return new GatepassError('TLS_UNTRUSTED', err.message, { certificate: await probeCertificate(url, timeoutMs), pinned: null });
  } catch {
    // The server went away between the refusal and the probe: the refusal still stands.
    return err;
  }
}

/**
 * Per server: an admin session token (signed in with the keychain or session password, or
 * for the embedded server issued directly), a status with a message, and one re-sign-in
 * when the server says the token expired (AUTH_REQUIRED).
 */
export function createConnections(deps: {
  settings: SettingsStore;
  credentials: Keychain;
  session: SessionSecrets;
  onChange: () => void;
  logger?: (line: string) => void;
  timeoutMs?: number;
}): Connections {
  const { settings, credentials, session, onChange } = deps;
  const log = deps.logger ?? (() => {});
  const live = new Map<string, Live>();
  let embedded: EmbeddedServerHandle | null = null;

  const probeTimeoutMs = Math.min(deps.timeoutMs ?? 10_000, 10_000);

  /** A client for one address, trusting the server by its key when a pin is given (every connection checked). */
  function clientAt(url: string, tlsPin: string | undefined): ServerClient {
    return createServerClient(url, { ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}), ...(tlsPin ? { tlsPin } : {}) });
  }

  function clientFor(l: Live): ServerClient | null {
    if (l.client) return l.client;
    const url = l.saved.embedded ? embedded?.url : l.saved.url;
    if (!url) return null;
    l.client = clientAt(url, l.saved.embedded ? undefined : l.saved.tlsPin);
    return l.client;
  }

  function entry(serverId: string): Live {
    const l = live.get(serverId);
    if (!l) throw new GatepassError('NOT_FOUND', 'This server is not in the list (it may have been removed)');
    return l;
  }

  function view(l: Live): Server {
    const s: Server = {
      id: l.saved.id,
      name: l.saved.name,
      url: l.saved.embedded ? (embedded?.url ?? '') : l.saved.url,
      login: l.saved.login,
      embedded: l.saved.embedded,
      status: l.status,
      passwordSaved: l.passwordSaved,
    };
    if (l.statusMessage) s.statusMessage = l.statusMessage;
    if (l.status === 'needs-enrolment' && l.graceEndsAt) s.graceEndsAt = l.graceEndsAt;
    if (l.saved.tlsPin) s.tlsPin = l.saved.tlsPin;
    if (l.presented) s.presentedCertificate = l.presented;
    return s;
  }

  function setStatus(l: Live, status: Status, message?: string, graceEndsAt?: string, presented?: TlsCertificate): void {
    const changed = l.status !== status || l.statusMessage !== message || l.graceEndsAt !== graceEndsAt || l.presented?.pin !== presented?.pin;
    l.status = status;
    l.statusMessage = message;
    l.graceEndsAt = graceEndsAt;
    l.presented = presented;
    if (changed) onChange();
  }

  /**
   * The server's key was refused: another key than the pinned one (key-changed: an attack, or the
   * operator replaced the certificate), or a certificate this machine does not trust and no pin.
   * Nothing was sent; the certificate it presents is kept for review in Edit server, never trusted here.
   */
  async function keyRefused(l: Live, err: GatepassError): Promise<GatepassError> {
    const enriched = (await withPresentedCertificate(err, l.saved.url, probeTimeoutMs)) as GatepassError;
    const certificate = tlsRefusalOf(enriched)?.certificate;
    if (enriched.code === 'TLS_PIN_MISMATCH') {
      const message = keyChangedMessage(l.saved.name);
      setStatus(l, 'key-changed', message, undefined, certificate);
      return new GatepassError('TLS_PIN_MISMATCH', message, enriched.details);
    }
    setStatus(l, 'disconnected', `${enriched.message}. Review its key in Edit server before trusting it.`, undefined, certificate);
    return enriched;
  }

  /** The status a fresh admin session gives: a full one, or one that may only enrol (mandatory two-step verification). */
  function statusOfSession(l: Live, session: { scope: 'full' | 'enrolment'; graceEndsAt: string | null }): void {
    if (session.scope === 'enrolment') {
      setStatus(l, 'needs-enrolment', enrolmentMessage(l.saved.name, l.saved.login), session.graceEndsAt ?? undefined);
    } else setStatus(l, 'connected');
  }

  async function persist(): Promise<void> {
    await settings.save([...live.values()].map((l) => l.saved));
  }

  async function signIn(l: Live, explicitPassword?: string, factor: SecondFactor = {}): Promise<number | null> {
    const id = l.saved.id;
    const client = clientFor(l);
    if (!client) {
      setStatus(l, 'disconnected', 'The local server runs only while the console that started it is open');
      throw new GatepassError('SERVER_UNREACHABLE', 'The local server is not running in this console');
    }
    try {
      if (l.saved.embedded && embedded) {
        session.setToken(id, await embedded.issueAdminToken());
        setStatus(l, 'connected');
        return null;
      }
      let password = explicitPassword ?? session.getPassword(id);
      if (!password) {
        password = await credentials.get(id);
        l.passwordSaved = password !== null;
      }
      if (!password) {
        setStatus(l, 'needs-password', `Enter the password for ${l.saved.login}`);
        return null;
      }
      const res = await client.call('adminSignin', { body: { login: l.saved.login, password, ...secondFactorBody(factor) } }).catch(async (err: unknown) => {
        // An answer that is not Gatepass's: say what the address is rather than how it answered.
        if (err instanceof GatepassError && err.code === 'SERVER_ERROR') await identifyServer(client, l.saved.url);
        throw err;
      });
      session.setToken(id, res.token);
      // Kept for this session only, so an expired token can be renewed without asking again.
      if (explicitPassword) session.setPassword(id, explicitPassword);
      statusOfSession(l, res);
      return res.secondFactor === 'recoveryCode' ? res.recoveryCodesLeft : null;
    } catch (err) {
      session.clearToken(id);
      if (err instanceof GatepassError && (err.code === 'TLS_PIN_MISMATCH' || err.code === 'TLS_UNTRUSTED')) throw await keyRefused(l, err);
      if (err instanceof GatepassError && err.code === 'SERVER_UNREACHABLE') setStatus(l, 'unreachable', err.message);
      else if (err instanceof GatepassError && (SECOND_FACTOR_CODES.has(err.code) || (err.code === 'RATE_LIMITED' && (factor.otp || factor.recoveryCode)))) {
        // The password was right (the server looks at a code only after it): only the code is
        // missing or wrong. The password stays for this session, so Connect asks just for the code.
        if (explicitPassword) session.setPassword(id, explicitPassword);
        const asked = err.code === 'SECOND_FACTOR_REQUIRED' && !factor.otp && !factor.recoveryCode;
        setStatus(l, 'needs-code', asked ? codeMessage(l.saved.login) : err.message);
        if (asked) throw new GatepassError('SECOND_FACTOR_REQUIRED', `${codeMessage(l.saved.login)} on ${l.saved.name} (Connect)`, err.details);
      } else if (err instanceof GatepassError && (err.code === 'INVALID_CREDENTIALS' || err.code === 'AUTH_REQUIRED')) {
        // A stale session password would fail every time: forget it, so the user is asked.
        if (!explicitPassword) session.forget(id);
        setStatus(l, 'needs-password', err.message);
      } else setStatus(l, 'disconnected', err instanceof GatepassError ? err.message : 'Sign-in failed');
      throw err;
    }
  }

  function signInOnce(l: Live, explicitPassword?: string, factor?: SecondFactor): Promise<number | null> {
    // A sign-in with something new to try (a password, a code) is its own; a background one joins the running one.
    if (l.signingIn && !explicitPassword && !factor) return l.signingIn;
    const p = signIn(l, explicitPassword, factor).finally(() => {
      if (l.signingIn === p) l.signingIn = null;
    });
    l.signingIn = p;
    return p;
  }

  function admin(serverId: string): AdminCall {
    return async function adminCall(name, input, options) {
      const l = entry(serverId);
      let token = session.getToken(serverId);
      if (!token) {
        await signInOnce(l);
        token = session.getToken(serverId);
      }
      if (!token) throw notSignedIn(l);
      const client = clientFor(l);
      if (!client) throw new GatepassError('SERVER_UNREACHABLE', 'The local server is not running in this console');
      try {
        return await client.call(name, input, token, options);
      } catch (err) {
        if (!(err instanceof GatepassError)) throw err;
        if (err.code === 'TLS_PIN_MISMATCH' || err.code === 'TLS_UNTRUSTED') {
          // The key changed mid-session: the session ends here, and nothing more goes to that key.
          session.clearToken(serverId);
          throw await keyRefused(l, err);
        }
        if (err.code === 'SERVER_UNREACHABLE') setStatus(l, 'unreachable', err.message);
        // An enrolment-only session (mandatory two-step verification) met an admin route: say what to do.
        if (err.code === 'TOTP_ENROLMENT_REQUIRED' && l.status !== 'needs-enrolment') setStatus(l, 'needs-enrolment', enrolmentMessage(l.saved.name, l.saved.login), l.graceEndsAt);
        if (err.code !== 'AUTH_REQUIRED') throw err;
        // The session expired or was ended on the server: sign in again, once. An administrator
        // with two-step verification cannot be signed in silently: that ends in needs-code.
        session.clearToken(serverId);
        await signInOnce(l);
        const fresh = session.getToken(serverId);
        if (!fresh) throw notSignedIn(l);
        return await client.call(name, input, fresh, options);
      }
    };
  }

  return {
    async load() {
      for (const saved of await settings.load()) {
        live.set(saved.id, { saved, status: 'disconnected', passwordSaved: false, client: null, signingIn: null });
      }
    },
    list: () => [...live.values()].map(view),
    get: (serverId) => view(entry(serverId)),
    urlOf(serverId) {
      const l = entry(serverId);
      return l.saved.embedded ? (embedded?.url ?? '') : l.saved.url;
    },
    async add(input) {
      const url = normaliseUrl(input.url);
      const login = input.login.trim();
      for (const l of live.values()) {
        if (!l.saved.embedded && l.saved.url === url && l.saved.login.toLowerCase() === login.toLowerCase()) {
          throw new GatepassError('SERVER_EXISTS', `${url} is already in the list as "${l.saved.name}" for ${l.saved.login}`);
        }
      }
      if (input.remember) {
        const kc = await credentials.available();
        if (!kc.ok) throw new GatepassError('KEYCHAIN_UNAVAILABLE', kc.message ?? 'No system keychain is available');
      }
      const tlsPin = pinFor(url, input.tlsPin);
      const client = clientAt(url, tlsPin);
      // Who it is first (no password): a certificate this machine does not trust stops here, with
      // what to compare, and the password goes out only once its key is trusted (by the pin).
      let info: RouteResponse<'serverInfo'>;
      let signed: RouteResponse<'adminSignin'>;
      try {
        info = await identifyServer(client, url);
        // SECOND_FACTOR_REQUIRED goes back to the dialog, which asks for the code and sends it all again.
        signed = await client.call('adminSignin', { body: { login, password: input.password, ...secondFactorBody(input) } });
      } catch (err) {
        throw await tlsRefusalForAdding(err, url, tlsPin);
      }
      const name = input.name?.trim() || info.name || new URL(url).host;
      const id = randomUUID();
      const l: Live = {
        saved: { id, name, url, login, embedded: false, ...(tlsPin ? { tlsPin } : {}) },
        status: 'connected',
        passwordSaved: false,
        client,
        signingIn: null,
      };
      if (signed.scope === 'enrolment') {
        l.status = 'needs-enrolment';
        l.statusMessage = enrolmentMessage(name, login);
        if (signed.graceEndsAt) l.graceEndsAt = signed.graceEndsAt;
      }
      if (input.remember) {
        await credentials.set(id, input.password);
        l.passwordSaved = true;
      } else {
        session.setPassword(id, input.password);
      }
      session.setToken(id, signed.token);
      live.set(id, l);
      try {
        await persist();
      } catch (err) {
        live.delete(id);
        session.forget(id);
        await credentials.delete(id);
        throw new GatepassError('WRITE_FAILED', `Could not save the server list: ${(err as Error).message}`);
      }
      onChange();
      return { ...view(l), ...(signed.secondFactor === 'recoveryCode' ? { recoveryCodesLeft: signed.recoveryCodesLeft } : {}) };
    },
    async remove(serverId) {
      const l = entry(serverId);
      if (l.saved.embedded) throw new GatepassError('FORBIDDEN', 'The local server cannot be removed; it comes back on the next start');
      const token = session.getToken(serverId);
      live.delete(serverId);
      await persist();
      session.forget(serverId);
      await credentials.delete(serverId);
      onChange();
      if (token && l.client) {
        // Best effort: end the admin session on the server; the list change does not wait for it.
        l.client.call('adminSignout', {}, token, { timeoutMs: 3000 }).catch(() => {});
      }
    },
    async update(serverId, change) {
      const l = entry(serverId);
      const id = l.saved.id;
      const next: SavedServer = { ...l.saved };
      if (change.name !== undefined) next.name = change.name.trim();
      let moved: { client: ServerClient; token: string; scope: 'full' | 'enrolment'; graceEndsAt: string | null; sameUrl: boolean } | null = null;
      const newPin = change.tlsPin !== undefined && change.tlsPin !== l.saved.tlsPin;
      if (change.url !== undefined || newPin) {
        const url = change.url !== undefined ? normaliseUrl(change.url) : l.saved.url;
        if (l.saved.embedded && change.url !== undefined) throw new GatepassError('FORBIDDEN', 'The local server gets its address at every start; it cannot be changed');
        if (l.saved.embedded) throw new GatepassError('VALIDATION_FAILED', 'The local server runs inside this console over http://: it has no TLS key to pin');
        if (url !== l.saved.url || newPin) {
          if (url !== l.saved.url) {
            for (const o of live.values()) {
              if (o !== l && !o.saved.embedded && o.saved.url === url && o.saved.login.toLowerCase() === l.saved.login.toLowerCase()) {
                throw new GatepassError('SERVER_EXISTS', `${url} is already in the list as "${o.saved.name}" for ${o.saved.login}`);
              }
            }
          }
          // The trusted key follows the server to a new address (the same server under another name
          // presents it); another key there is refused with it shown for review, like a changed key.
          const tlsPin = pinFor(url, change.tlsPin ?? (url.startsWith('https:') ? l.saved.tlsPin : undefined));
          // Nothing changes until the address proves to be a Gatepass server, with this key, that takes the password.
          const client = clientAt(url, tlsPin);
          try {
            await identifyServer(client, url);
            const password = change.password ?? session.getPassword(id) ?? (await credentials.get(id));
            if (!password) throw new GatepassError('AUTH_REQUIRED', `Enter the password for ${l.saved.login} at ${url}`);
            const signed = await client.call('adminSignin', { body: { login: l.saved.login, password, ...secondFactorBody(change) } });
            moved = { client, token: signed.token, scope: signed.scope, graceEndsAt: signed.graceEndsAt, sameUrl: url === l.saved.url };
          } catch (err) {
            throw await tlsRefusalForAdding(err, url, tlsPin);
          }
          next.url = url;
          if (tlsPin) next.tlsPin = tlsPin;
          else delete next.tlsPin;
        }
      }
      // A new password that worked replaces the saved one: the keychain entry is the server's, by id, wherever it lives.
      const newPassword = moved && change.password ? change.password : null;
      const keptInKeychain = newPassword !== null && l.passwordSaved ? await credentials.get(id) : null;
      if (newPassword !== null && l.passwordSaved) await credentials.set(id, newPassword);
      const before = l.saved;
      l.saved = next;
      try {
        await persist();
      } catch (err) {
        l.saved = before;
        if (keptInKeychain !== null) await credentials.set(id, keptInKeychain).catch(() => {});
        throw new GatepassError('WRITE_FAILED', `Could not save the server list: ${(err as Error).message}`);
      }
      if (moved) {
        const oldToken = session.getToken(id);
        const oldClient = l.client;
        l.client = moved.client;
        session.setToken(id, moved.token);
        if (newPassword !== null && !l.passwordSaved) session.setPassword(id, newPassword);
        // Best effort: end the admin session at the old address (at the same one, over the newly trusted key only).
        const signOutWith = moved.sameUrl ? moved.client : oldClient;
        if (oldToken && signOutWith) signOutWith.call('adminSignout', {}, oldToken, { timeoutMs: 3000 }).catch(() => {});
        l.status = moved.scope === 'enrolment' ? 'needs-enrolment' : 'connected';
        l.statusMessage = moved.scope === 'enrolment' ? enrolmentMessage(next.name, l.saved.login) : undefined;
        l.graceEndsAt = moved.scope === 'enrolment' ? (moved.graceEndsAt ?? undefined) : undefined;
        l.presented = undefined;
      }
      onChange();
      return view(l);
    },
    async connect(serverId, password, factor) {
      const l = entry(serverId);
      if (!password) session.clearToken(serverId);
      const codesLeft = await signInOnce(l, password, factor?.otp || factor?.recoveryCode ? factor : undefined);
      return { ...view(l), ...(codesLeft !== null ? { recoveryCodesLeft: codesLeft } : {}) };
    },
    enrolled(serverId) {
      const l = entry(serverId);
      if (l.status === 'needs-enrolment') setStatus(l, 'connected');
    },
    async ownPasswordChanged(serverId, password) {
      const l = entry(serverId);
      // The local server issues its token without a password: there is none to replace.
      if (l.saved.embedded) return;
      session.setPassword(serverId, password);
      if (!l.passwordSaved) return;
      try {
        await credentials.set(serverId, password);
      } catch {
        // The old password must not stay saved (every later sign-in would fail with it): drop it, this session has the new one.
        log(`server "${l.saved.name}": the keychain did not take the new password; it is no longer saved there`);
        await credentials.delete(serverId).catch(() => {});
        l.passwordSaved = false;
        onChange();
      }
    },
    async connectAll() {
      await Promise.allSettled(
        [...live.values()].map(async (l) => {
          try {
            await signInOnce(l);
          } catch (err) {
            log(`server "${l.saved.name}": ${err instanceof GatepassError ? err.message : 'sign-in failed'}`);
          }
        }),
      );
    },
    async attachEmbedded(handle, name) {
      embedded = handle;
      let l = [...live.values()].find((x) => x.saved.embedded);
      if (!l) {
        l = {
          saved: { id: randomUUID(), name, url: '', login: 'admin', embedded: true },
          status: 'disconnected',
          passwordSaved: false,
          client: null,
          signingIn: null,
        };
        // The local server goes first in the tree, where a newcomer looks.
        const rest = [...live.entries()];
        live.clear();
        live.set(l.saved.id, l);
        for (const [k, v] of rest) live.set(k, v);
        await persist();
      }
      l.client = null;
      await signInOnce(l);
      onChange();
    },
    admin,
    async close() {
      const ends: Promise<unknown>[] = [];
      for (const l of live.values()) {
        const token = session.getToken(l.saved.id);
        if (token && l.client && !l.saved.embedded) ends.push(l.client.call('adminSignout', {}, token, { timeoutMs: 2000 }).catch(() => {}));
      }
      await Promise.allSettled(ends);
      session.clear();
      live.clear();
    },
  };
}

/**
 * Refusals that come after a right password: the second factor is what is missing or wrong
 * (a wait after many wrong codes too, when a code was sent). A locked account is not among
 * them: no code helps there until the server's operator lets it try again.
 */
const SECOND_FACTOR_CODES = new Set(['SECOND_FACTOR_REQUIRED', 'TOTP_CODE_INVALID', 'TOTP_CODE_REPLAYED', 'RECOVERY_CODE_INVALID']);

function codeMessage(login: string): string {
  return `Enter the code from the authenticator app for ${login}`;
}

function enrolmentMessage(serverName: string, login: string): string {
  return `Two-step verification is mandatory on ${serverName}: set up an authenticator app for ${login} to continue`;
}

/** The sign-in body's second factor: only what was given (the route refuses both at once). */
function secondFactorBody(f: SecondFactor): { otp?: string; recoveryCode?: string } {
  if (f.otp) return { otp: f.otp };
  if (f.recoveryCode) return { recoveryCode: f.recoveryCode };
  return {};
}

/** Why a call found no session: the password or the code is missing, or two-step set-up comes first. */
function notSignedIn(l: Live): GatepassError {
  if (l.status === 'needs-code') return new GatepassError('SECOND_FACTOR_REQUIRED', `${codeMessage(l.saved.login)} on ${l.saved.name} (Connect)`);
  return new GatepassError('AUTH_REQUIRED', `Enter the password for ${l.saved.login} on ${l.saved.name}`);
}

function keyChangedMessage(serverName: string): string {
  return `${serverName} now presents a different TLS key than the one you trusted: someone may be intercepting the connection, or its operator replaced the certificate. Nothing was sent. Ask the operator, then review the new key in Edit server.`;
}

/** The pin to use at an address: only for https:// (a pin for http:// is a mistake worth saying). */
function pinFor(url: string, tlsPin: string | undefined): string | undefined {
  if (!tlsPin) return undefined;
  if (!url.startsWith('https:')) throw new GatepassError('VALIDATION_FAILED', 'A TLS key pin is for https:// addresses; this one is plain http://');
  return tlsPin;
}

/**
 * A refusal while adding a server or trusting a key: TLS_UNTRUSTED with the certificate to compare;
 * TLS_PIN_MISMATCH said as "this is not the key you gave", with the key presented instead.
 */
async function tlsRefusalForAdding(err: unknown, url: string, tlsPin: string | undefined): Promise<unknown> {
  if (err instanceof GatepassError && err.code === 'TLS_PIN_MISMATCH') {
    return new GatepassError('TLS_PIN_MISMATCH', `${new URL(url).origin} does not present the key of the pin ${tlsPin ?? '(none)'}: nothing was sent. Check the pin with the server's operator.`, err.details);
  }
  return withPresentedCertificate(err, url, 10_000);
}

/** Origin plus path without a trailing slash, so the same server is recognised however it was typed. */
export function normaliseUrl(raw: string): string {
  const u = new URL(raw);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new GatepassError('VALIDATION_FAILED', 'The server address must start with http:// or https://');
  if (u.username || u.password) throw new GatepassError('VALIDATION_FAILED', 'Put the login in its own field, not in the address');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

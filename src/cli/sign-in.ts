import { GatepassError } from '../shared/errors';
import type { AdminCall } from '../main/services/connections';
import { normaliseUrl } from '../main/services/connections';
import { createServerClient, type ServerClient } from '../main/services/server-client';
import { readStdin } from './stdin';

/** A refusal of the input itself: exit 2. */
export function badInput(message: string): GatepassError {
  return new GatepassError('VALIDATION_FAILED', message);
}

/** The first line of a password source, without its line end (a trailing newline is not part of a password). */
export function firstLine(text: string): string {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
}

/**
 * Stdin's lines (a byte-order mark dropped), the first one a password that must be there; `who`
 * names whose it is in the messages. Never from argv: other local users can read a command line.
 */
export async function passwordLinesFromStdin(passwordStdin: boolean | undefined, who: 'administrator' | 'user' = 'administrator'): Promise<[string, ...string[]]> {
  if (!passwordStdin) throw badInput(`give the ${who}'s password on stdin with --password-stdin`);
  const [first = '', ...rest] = (await readStdin()).replace(/^\uFEFF/, '').split(/\r?\n/);
  if (!first) throw badInput(`no ${who} password on stdin`);
  return [first, ...rest];
}

/** The password on stdin's first line (see {@link passwordLinesFromStdin}). */
export async function passwordFromStdin(passwordStdin: boolean | undefined, who: 'administrator' | 'user' = 'administrator'): Promise<string> {
  return (await passwordLinesFromStdin(passwordStdin, who))[0];
}

/** The server's address, checked: a bad one is bad input, not an internal error. */
export function serverUrl(raw: string): string {
  try {
    return normaliseUrl(raw);
  } catch (err) {
    if (err instanceof GatepassError) throw err;
    throw badInput(`--server: "${raw}" is not a server address (http:// or https://)`);
  }
}

/** The second factor given on the command line: --otp or --recovery-code, not both. */
export function secondFactorFrom(o: { otp?: string; recoveryCode?: string }): { otp?: string; recoveryCode?: string } {
  if (o.otp !== undefined && o.recoveryCode !== undefined) throw badInput('give --otp or --recovery-code, not both');
  return { ...(o.otp !== undefined ? { otp: o.otp } : {}), ...(o.recoveryCode !== undefined ? { recoveryCode: o.recoveryCode } : {}) };
}

/**
 * A client for `--server`: over HTTPS it pins the key in GATEPASS_TLS_PIN when set (the pin
 * `gatepass server` prints), which is how scripts reach a server with a self-signed certificate.
 */
export function cliClient(url: string): ServerClient {
  const pin = process.env.GATEPASS_TLS_PIN?.trim();
  if (pin && !/^sha256\/[A-Za-z0-9+/]{43}=$/.test(pin)) throw badInput('GATEPASS_TLS_PIN is not a key pin (sha256/<base64>, as `gatepass server` prints it)');
  return createServerClient(url, pin ? { tlsPin: pin } : {});
}

/** The server's display name, or its host when it does not say. */
export async function serverName(client: ServerClient, url: string): Promise<string> {
  return client.call('serverInfo').then(
    (i) => i.name,
    () => new URL(url).host,
  );
}

/** An administrator session for one command; close() ends it. */
export interface AdminSession {
  url: string;
  name: string;
  call: AdminCall;
  close(): Promise<void>;
}

/**
 * Signs in as an administrator. When the account has two-step verification the code (or a
 * recovery code) goes with the password; without one the server's SECOND_FACTOR_REQUIRED is
 * passed on with what to add.
 */
export async function adminSession(server: string, login: string, password: string, factor: { otp?: string; recoveryCode?: string } = {}): Promise<AdminSession> {
  const url = serverUrl(server);
  const client = cliClient(url);
  let session;
  try {
    session = await client.call('adminSignin', { body: { login, password, ...factor } });
  } catch (err) {
    if (err instanceof GatepassError && err.code === 'SECOND_FACTOR_REQUIRED') {
      throw new GatepassError(err.code, `${err.message} (--otp <code> or --recovery-code <code>)`);
    }
    throw err;
  }
  if (session.scope === 'enrolment') {
    await client.call('accountSignout', {}, session.token).catch(() => undefined);
    throw new GatepassError('TOTP_ENROLMENT_REQUIRED', `This server requires two-step verification and ${login} has none yet: set it up (before ${session.graceEndsAt ?? 'the grace period ends'}) in the console`);
  }
  const call: AdminCall = (name, input, options) => client.call(name, input, session.token, options);
  return {
    url,
    name: await serverName(client, url),
    call,
    close: () => client.call('adminSignout', {}, session.token, { timeoutMs: 3000 }).then(
      () => undefined,
      () => undefined,
    ),
  };
}

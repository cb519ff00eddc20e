import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { decodeAgentFile, type AgentFile } from '../shared/agent-file';
import type { OtpRequest } from '../shared/api/email-otp';
import { GatepassError } from '../shared/errors';
import { createServerClient, type ServerClient } from '../main/services/server-client';
import { printJson } from './output';
import { badInput, passwordFromStdin } from './sign-in';

/**
 * The reference agent (docs/email-otp.md): what the sign-in window on a registered computer
 * does, as commands. Every call carries the computer's credential from its agent file.
 */

const TIMEOUT_MS = 15_000;
/** Same codes as EXIT in index.ts (kept here so this module does not import the entry point). */
const OK = 0;
const FAILED = 1;

interface AgentOptions {
  config: string;
  json?: boolean;
}

/**
 * The agent file and a client of its server. With a pin in the file, an https server is trusted
 * by its key (a self-signed one too) and must present it before the credential goes out
 * (TLS_PIN_MISMATCH otherwise; docs/tls.md).
 */
async function agentClient(o: AgentOptions): Promise<{ file: AgentFile; client: ServerClient; credential: string }> {
  const text = await readFile(o.config, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw badInput(`Cannot read ${o.config}: ${err.code ?? 'error'}`);
  });
  const file = decodeAgentFile(text);
  return { file, client: createServerClient(file.server.url, { timeoutMs: TIMEOUT_MS, tlsPin: file.server.tlsPin }), credential: file.credential };
}

/** The account signed in on this computer, as Windows names it (`DOMAIN\login`) or the login elsewhere. */
export function currentOsUser(): string {
  const name = userInfo().username;
  const domain = process.platform === 'win32' ? process.env.USERDOMAIN : undefined;
  return domain ? `${domain}\\${name}` : name;
}

/** Which request the options make: exactly one way to name the user, or bad input. */
export function requestFromOptions(o: { email?: string; osUser?: string; login?: string; emergency?: boolean }, password: () => Promise<string>): Promise<OtpRequest> {
  if (o.emergency) {
    if (!o.email) throw badInput('--emergency needs --email <address>: the address to send the password to');
    if (o.login !== undefined) throw badInput('--emergency takes --email, not --login');
    return Promise.resolve({ mode: 'emergency', email: o.email, ...(o.osUser ? { osUser: o.osUser } : {}) });
  }
  const given = [o.email !== undefined, o.osUser !== undefined, o.login !== undefined].filter(Boolean).length;
  if (given !== 1) throw badInput('give one of --email <address>, --os-user <DOMAIN\\login>, or --login <login> with --password-stdin (or --emergency --email <address>)');
  if (o.email !== undefined) return Promise.resolve({ mode: 'email', email: o.email });
  if (o.osUser !== undefined) return Promise.resolve({ mode: 'directory', osUser: o.osUser });
  return password().then((pw) => ({ mode: 'internal', login: o.login ?? '', password: pw }));
}

/** `gatepass agent request`: asks for a one-time password, mailed to the user. */
export async function agentRequestCommand(o: AgentOptions & { email?: string; osUser?: string; login?: string; passwordStdin?: boolean; emergency?: boolean }): Promise<number> {
  const body = await requestFromOptions(o, () => passwordFromStdin(o.passwordStdin, 'user'));
  const { file, client, credential } = await agentClient(o);
  let r;
  try {
    r = await client.call('requestOtp', { body }, credential);
  } catch (err) {
    // Say when to ask again: the server's time, also in the JSON (details.retryAt).
    if (err instanceof GatepassError && err.code === 'RATE_LIMITED') {
      const retryAt = (err.details as { retryAt?: unknown } | undefined)?.retryAt;
      if (o.json && typeof retryAt === 'string') {
        console.error(`gatepass: ${err.message} (${err.code})`);
        printJson({ ok: false, code: err.code, message: err.message, retryAt });
        return FAILED;
      }
    }
    throw err;
  }
  if (o.json) {
    printJson({ ok: true, ...r });
    return OK;
  }
  const what = r.emergency ? 'An emergency access one-time password' : 'A one-time password';
  console.log(`${what} for ${file.computer.name} was ${r.resent ? 're-sent' : 'sent'} to ${r.email}; it works until ${r.expiresAt}.`);
  return OK;
}

/** `gatepass agent login`: signs in with the address and the one-time password; exit 0 allowed, 1 denied. */
export async function agentLoginCommand(o: AgentOptions & { email: string; otp: string; osUser?: string }): Promise<number> {
  const { file, client, credential } = await agentClient(o);
  const osUser = o.osUser ?? currentOsUser();
  let r;
  try {
    r = await client.call('agentSignin', { body: { email: o.email, otp: o.otp, osUser } }, credential);
  } catch (err) {
    if (err instanceof GatepassError && err.code === 'ACCESS_DENIED') {
      // One answer for every reason, as the server gives it; the reason is in the server's audit.
      console.error(`gatepass: ${err.message} (${err.code})`);
      if (o.json) printJson({ ok: false, allowed: false, code: err.code, message: err.message });
      return FAILED;
    }
    throw err;
  }
  if (o.json) {
    printJson({ ok: true, allowed: true, session: r.session });
    return OK;
  }
  console.log(`Access allowed: ${r.session.userName} signed in to ${file.computer.name}${r.session.emergency ? ' (emergency access)' : ''}; session ${r.session.id}.`);
  return OK;
}

/** `gatepass agent logout`: ends a client session of this computer. */
export async function agentLogoutCommand(o: AgentOptions & { session: string }): Promise<void> {
  const { file, client, credential } = await agentClient(o);
  const r = await client.call('agentSignout', { params: { id: o.session } }, credential);
  if (o.json) {
    printJson({ ok: true, session: r.session });
    return;
  }
  console.log(`${r.session.userName} signed out of ${file.computer.name} at ${r.session.endedAt ?? ''}.`);
}

/** `gatepass agent info`: the computer and the ways the server offers to request a password. */
export async function agentInfoCommand(o: AgentOptions): Promise<void> {
  const { client, credential } = await agentClient(o);
  const info = await client.call('agentInfo', {}, credential);
  if (o.json) {
    printJson({ ok: true, ...info });
    return;
  }
  console.log(`Computer ${info.computer.name} on ${info.serverName}: request modes ${info.modes.join(', ')}; passwords work for ${info.expirationMinutes} minute(s).`);
}

/** Adds `agent request|login|logout|info`. `state` receives an action's exit code. */
export function addAgentCommands(program: Command, state: { exitCode: number }, helpText: string): void {
  const agent = program.command('agent').description("Act as a computer's agent: request a one-time password by email and sign in with it").addHelpText('after', helpText);
  const withConfig = (cmd: Command) => cmd.requiredOption('--config <file.agent>', "the computer's agent file (gatepass computers add)").option('--json', 'print one JSON object as the last line');
  withConfig(agent.command('request').description('Request a one-time password, mailed to the user (the server settings decide which way)'))
    .option('--email <address>', 'the address typed (or, with --emergency, the address for emergency access)')
    .option('--os-user <DOMAIN\\login>', 'the signed-in OS account (send to directory users)')
    .option('--login <login>', 'a Gatepass login, with the password on stdin (send to internal users)')
    .option('--password-stdin', "read the user's password from stdin (with --login)")
    .option('--emergency', 'I need emergency access to this computer (with --email)')
    .addHelpText('after', `\nWith --json: {"ok", "status", "requestId", "email", "resent", "expiresAt", "emergency"}; RATE_LIMITED adds "retryAt".${helpText}`)
    .action(async (o: Parameters<typeof agentRequestCommand>[0]) => {
      state.exitCode = await agentRequestCommand(o);
    });
  withConfig(agent.command('login').description('Sign in with the address and the one-time password from the mail: exit 0 allowed, 1 denied'))
    .requiredOption('--email <address>', "the address the password was mailed to")
    .requiredOption('--otp <code>', 'the one-time password (8 digits; spaces are ignored)')
    .option('--os-user <account>', 'the account signed in on this computer (default: the current OS account)')
    .addHelpText('after', `\nWith --json: {"ok", "allowed", "session"} or {"ok": false, "allowed": false, "code": "ACCESS_DENIED", "message"}.${helpText}`)
    .action(async (o: Parameters<typeof agentLoginCommand>[0]) => {
      state.exitCode = await agentLoginCommand(o);
    });
  withConfig(agent.command('logout').description('End a client session of this computer (the user signed out)'))
    .requiredOption('--session <id>', 'the session id that login printed')
    .addHelpText('after', `\nWith --json: {"ok", "session"}.${helpText}`)
    .action(agentLogoutCommand);
  withConfig(agent.command('info').description('Show this computer and the request modes the server offers'))
    .addHelpText('after', `\nWith --json: {"ok", "computer", "serverName", "modes", "expirationMinutes"}.${helpText}`)
    .action(agentInfoCommand);
}

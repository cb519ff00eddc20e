import { access, constants, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { generate } from 'otplib';
import { decodeDeviceFile, encodeDeviceFile, isDeviceFileText, type DeviceFile } from '../shared/device-file';
import { GatepassError } from '../shared/errors';
import { decodeProvisioningPayload } from '../shared/provisioning-payload';
import { decodeSigninPayload } from '../shared/qr-payload';
import { decodeUsrConfig } from '../shared/usr-config';
import { writeFileAtomic } from '../main/services/files/atomic-write';
import { createServerClient } from '../main/services/server-client';
import { printJson } from './output';
import { readQrImage } from './qr-image';
import { readStdin } from './stdin';

/**
 * `gatepass device`: the reference mobile client, headless. `signin` signs in with a sign-in
 * QR text, a `.usr` file or a provisioned device file; `provision` redeems a provisioning QR
 * code (its text, or a picture of it) and writes the device file; `totp` shows the device's
 * current authenticator code.
 */

/** A failure of the input itself (exit 2), not the server's refusal. */
function badInput(message: string): GatepassError {
  return new GatepassError('VALIDATION_FAILED', message);
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new InvalidArgumentError('a whole number from 0 to 1000000');
  return n;
}

async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw badInput(`Cannot read ${file}: ${err.code ?? 'error'}`);
  });
}

/**
 * The reference mobile client's message for each refusal of a provisioning attempt (shared
 * seed 001, "Error Messages"), then what the server said. A server that cannot be reached or
 * that does not answer as a Gatepass server is the client's "Error Server Connection". The
 * reference spells the fourth "Error Dowloading Security Strings"; we print it corrected.
 */
export const PROVISIONING_MESSAGES: Readonly<Record<string, string>> = {
  SERVER_UNREACHABLE: 'Error Server Connection',
  SERVER_ERROR: 'Error Server Connection',
  NOT_GATEPASS_SERVER: 'Error Server Connection',
  NOT_FOUND: 'Error Server Connection',
  TLS_PIN_MISMATCH: 'Error Server Connection',
  TLS_UNTRUSTED: 'Error Server Connection',
  HOST_NOT_ALLOWED: 'Error Server Connection',
  UNKNOWN_SERVER_ID: 'Error Server, Unknown Server ID',
  INVALID_USERNAME: 'Invalid Username',
  INVALID_PROVISION_CODE: 'Invalid Provision Code',
  NOT_ENTITLED: 'Error Downloading Security Strings',
  REPROVISION_NOT_AVAILABLE: 'Reprovision URL not retrieved',
  RATE_LIMITED: 'Too many provisioning attempts',
};

/** The reference's message for a refusal, with the server's reason after it. */
function provisioningRefusal(err: GatepassError): GatepassError {
  const reference = PROVISIONING_MESSAGES[err.code];
  if (!reference) return err;
  // NOT_FOUND means an older server without the route: the server details are not a provisioning server's.
  const code = err.code === 'NOT_FOUND' ? 'SERVER_ERROR' : err.code;
  return new GatepassError(code, `${reference} (${err.message})`, err.details);
}

/** The device name a device gives when none is asked for: which machine provisioned itself. */
function defaultDeviceName(): string {
  return `gatepass CLI on ${hostname()}`.slice(0, 64);
}

/** Checks, before the code is used up, that the device file can be written where asked. */
async function checkWritable(out: string): Promise<void> {
  const info = await stat(out).catch(() => null);
  if (info?.isDirectory()) throw badInput(`--out ${out} is a folder: give a file name, e.g. ${resolve(out, 'device.json')}`);
  await access(dirname(out), constants.W_OK).catch((err: NodeJS.ErrnoException) => {
    throw badInput(`Cannot write the device file in ${dirname(out)}: ${err.code ?? 'error'}`);
  });
}

interface ProvisionOptions {
  qrText?: string;
  qrImage?: string;
  out: string;
  name?: string;
  json?: boolean;
  timeout: number;
}

/** `gatepass device provision`: redeems a provisioning code and writes the device file (owner-only, atomically). */
export async function provisionCommand(o: ProvisionOptions): Promise<void> {
  if ((o.qrText === undefined) === (o.qrImage === undefined)) throw badInput('give either --qr-text <text> or --qr-image <file.png>');
  const out = resolve(o.out);
  await checkWritable(out);
  const text = o.qrImage !== undefined ? await readQrImage(o.qrImage) : o.qrText === '-' ? await readStdin() : (o.qrText ?? '');
  const payload = decodeProvisioningPayload(text);
  // The payload's pin: an https server is trusted by that key, and only it, before the code is sent.
  const client = createServerClient(payload.server, { timeoutMs: o.timeout, tlsPin: payload.tlsPin });
  let answer;
  try {
    answer = await client.call('redeemProvisioningCode', {
      body: { serverId: payload.serverId, login: payload.login, code: payload.code, deviceName: o.name ?? defaultDeviceName() },
    });
  } catch (err) {
    if (err instanceof GatepassError) throw provisioningRefusal(err);
    throw err;
  }
  const file = encodeDeviceFile({
    server: { url: payload.server, id: answer.server.id, name: answer.server.name, tlsPin: payload.tlsPin },
    login: answer.user.login,
    device: answer.device,
    credential: answer.credential,
    totp: { secret: answer.totp.secret, algorithm: answer.totp.algorithm, digits: answer.totp.digits, period: answer.totp.period },
  });
  let saved: string;
  try {
    saved = (await writeFileAtomic(out, async (stream) => void stream.end(file), { mode: 0o600 })).path;
  } catch (err) {
    // The code is used up by now: say so, so the user asks for a new one rather than retrying.
    throw new GatepassError(
      'WRITE_FAILED',
      `The device was provisioned but ${out} could not be written (${err instanceof Error ? err.message : String(err)}): the code is used up; ask an administrator for a new one`,
    );
  }
  const message = `Provisioned ${JSON.stringify(answer.device.name)} for ${answer.user.login} on ${answer.server.name}: device file ${saved} (keep it private: it signs in as ${answer.user.login})`;
  if (o.json) printJson({ ok: true, message, login: answer.user.login, server: answer.server, device: answer.device, file: saved });
  else console.log(message);
}

async function readDeviceFile(file: string): Promise<DeviceFile> {
  const text = await readText(file);
  if (!isDeviceFileText(text) && /"gatepass-usr"/.test(text)) {
    throw new GatepassError('PAYLOAD_INVALID', `${file} is a .usr sign-in file: it holds no authenticator seed (provision the device with gatepass device provision)`);
  }
  return decodeDeviceFile(text);
}

/** The device's code at `at` (RFC 6238 as its file says: SHA-1, 6 digits, 30 s), and how long it stays current. */
export async function deviceCode(d: DeviceFile, at: Date): Promise<{ otp: string; validForSeconds: number }> {
  const seconds = Math.floor(at.getTime() / 1000);
  const otp = await generate({ secret: d.totp.secret, epoch: seconds, period: d.totp.period, digits: d.totp.digits, algorithm: 'sha1' });
  return { otp, validForSeconds: d.totp.period - (seconds % d.totp.period) };
}

/** `gatepass device totp`: prints the current code (offline: the seed is in the file). */
export async function totpCommand(o: { config: string; json?: boolean }): Promise<void> {
  const d = await readDeviceFile(o.config);
  const { otp, validForSeconds } = await deviceCode(d, new Date());
  if (o.json) printJson({ ok: true, otp, validForSeconds, login: d.login, server: d.server.url });
  else console.log(otp);
}

/** Where a sign-in comes from: a QR text or .usr file (a QR credential), or a provisioned device file. */
type SigninSource = { kind: 'qr'; server: string; login: string; credential: string; pin: string | null } | { kind: 'device'; file: DeviceFile };

/** `gatepass device signin`: as the Gatepass app signs in, with a QR text, a .usr file or a device file. */
export async function signinCommand(o: { qrText?: string; config?: string; timeout: number; json?: boolean }): Promise<void> {
  if ((o.qrText === undefined) === (o.config === undefined)) throw badInput('give either --qr-text <text> or --config <file.usr>');
  let source: SigninSource;
  if (o.config !== undefined) {
    const text = await readText(o.config);
    if (isDeviceFileText(text)) source = { kind: 'device', file: decodeDeviceFile(text) };
    else {
      const usr = decodeUsrConfig(text);
      source = { kind: 'qr', server: usr.server.url, login: usr.login, credential: usr.credential, pin: usr.server.tlsPin };
    }
  } else {
    const p = decodeSigninPayload(o.qrText === '-' ? await readStdin() : (o.qrText ?? ''));
    source = { kind: 'qr', server: p.server, login: p.login, credential: p.credential, pin: p.tlsPin ?? null };
  }
  const server = source.kind === 'qr' ? source.server : source.file.server.url;
  // A pinned server must present that key before the credential is sent to it (and is trusted by it).
  const pin = source.kind === 'qr' ? source.pin : source.file.server.tlsPin;
  const client = createServerClient(server, { timeoutMs: o.timeout, tlsPin: pin });
  const session =
    source.kind === 'qr'
      ? await client.call('qrSignin', { body: { login: source.login, credential: source.credential } })
      : await client.call('deviceSignin', { body: { login: source.file.login, credential: source.file.credential } });
  const name = await client.call('serverInfo').then(
    (i) => i.name,
    () => server,
  );
  const message = `Signed in to ${name} as ${session.user.login} (${session.user.displayName || session.user.login})`;
  if (o.json) printJson({ ok: true, message, login: session.user.login, expiresAt: session.expiresAt });
  else console.log(message);
}

/** Adds `gatepass device` and its commands. */
export function addDeviceCommands(program: Command, helpText: string): void {
  const device = program.command('device').description('Act as a device: sign in, provision a phone, show its authenticator code').addHelpText('after', helpText);
  device
    .command('signin')
    .description('Sign in with a scanned QR text, a .usr device configuration file or a provisioned device file, as the Gatepass app would')
    .option('--qr-text <text>', "the QR code's text, or - to read it from stdin")
    .option('--config <file>', 'a device configuration file (.usr, docs/usr-format.md) or a device file (docs/provisioning.md)')
    .option('--timeout <ms>', 'give up after this many milliseconds', milliseconds, 15_000)
    .option('--json', 'print one JSON object as the last line')
    .addHelpText('after', helpText)
    .action(signinCommand);
  device
    .command('provision')
    .description("Provision this device with a provisioning QR code (its text or a picture of it): writes the device file with its credential and authenticator seed")
    .option('--qr-text <text>', "the provisioning QR code's text, or - to read it from stdin")
    .option('--qr-image <file>', 'a picture of the provisioning QR code (PNG, JPEG, GIF or BMP), read with zxing-cpp')
    .requiredOption('--out <device.json>', 'where to write the device file (owner-only, atomically)')
    .option('--name <name>', 'the device name administrators see (default: gatepass CLI on <host>)')
    .option('--timeout <ms>', 'give up after this many milliseconds', milliseconds, 15_000)
    .option('--json', 'print one JSON object as the last line')
    .addHelpText(
      'after',
      `
Refusals print the reference client's messages: "Error Server Connection", "Error Server, Unknown
Server ID", "Invalid Username", "Invalid Provision Code", "Error Downloading Security Strings",
"Reprovision URL not retrieved" (docs/provisioning.md).${helpText}`,
    )
    .action(provisionCommand);
  device
    .command('totp')
    .description("Print the device's current authenticator code (a second factor of its user's password sign-in)")
    .requiredOption('--config <device.json>', 'the device file written by gatepass device provision')
    .option('--json', 'print one JSON object as the last line: {"ok", "otp", "validForSeconds", "login", "server"}')
    .addHelpText('after', helpText)
    .action(totpCommand);
}

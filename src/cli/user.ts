import { resolve } from 'node:path';
import type { Command } from 'commander';
import { GatepassError } from '../shared/errors';
import { recoveryCodesText } from '../shared/recovery-codes';
import { writeFileAtomic } from '../main/services/files/atomic-write';
import type { ServerClient } from '../main/services/server-client';
import { printJson, terminalQr } from './output';
import { cliClient, passwordFromStdin, secondFactorFrom, serverName, serverUrl } from './sign-in';

/** Options every `gatepass user` command shares, as commander parses them. */
interface UserOptions {
  server: string;
  login: string;
  passwordStdin?: boolean;
  otp?: string;
  recoveryCode?: string;
  json?: boolean;
}

/** A user's session for one command (full, or enrolment-only during a grace period); close() ends it. */
interface UserSession {
  client: ServerClient;
  url: string;
  name: string;
  token: string;
  close(): Promise<void>;
}

function endSession(client: ServerClient, token: string): Promise<void> {
  return client.call('accountSignout', {}, token, { timeoutMs: 3000 }).then(
    () => undefined,
    () => undefined,
  );
}

/**
 * Signs a user in with the password (and --otp or --recovery-code when the account has
 * two-step verification). `allowEnrolmentOnly`: an enrolment-only session (mandatory 2FA,
 * grace period) is good enough, as for enrolling.
 */
async function userSession(o: UserOptions, allowEnrolmentOnly: boolean): Promise<UserSession & { recoveryCodesLeft: number | null; secondFactor: string | null }> {
  const factor = secondFactorFrom(o);
  const password = await passwordFromStdin(o.passwordStdin, 'user');
  const url = serverUrl(o.server);
  const client = cliClient(url);
  const answer = await client.call('userSignin', { body: { login: o.login, password, ...factor } });
  if (answer.status === 'second_factor_required') {
    throw new GatepassError('SECOND_FACTOR_REQUIRED', 'This account has two-step verification: give the code from the app with --otp <code>, or --recovery-code <code>');
  }
  if (answer.status === 'enrolment_required' && !allowEnrolmentOnly) {
    await endSession(client, answer.token);
    throw new GatepassError(
      'TOTP_ENROLMENT_REQUIRED',
      `This server requires two-step verification and this account has none: set it up before ${answer.graceEndsAt} with gatepass user 2fa enroll`,
    );
  }
  const token = answer.token;
  return {
    client,
    url,
    name: await serverName(client, url),
    token,
    recoveryCodesLeft: answer.status === 'signed_in' ? answer.recoveryCodesLeft : null,
    secondFactor: answer.status === 'signed_in' ? answer.secondFactor : null,
    close: () => endSession(client, token),
  };
}

/** `gatepass user signin`: checks that a user can sign in (the session is ended again). */
export async function userSigninCommand(o: UserOptions): Promise<void> {
  const s = await userSession(o, false);
  await s.close();
  const how = s.secondFactor === 'recoveryCode' ? ` with a recovery code (${s.recoveryCodesLeft} left)` : s.secondFactor === 'totp' ? ' with an authenticator code' : '';
  const message = `Signed in to ${s.name} as ${o.login}${how}`;
  if (o.json) printJson({ ok: true, code: null, message, recoveryCodesLeft: s.recoveryCodesLeft });
  else console.log(message);
  if (!o.json && s.recoveryCodesLeft !== null && s.recoveryCodesLeft <= 2) {
    console.error(`Only ${s.recoveryCodesLeft} recovery code(s) left: make new ones (gatepass user 2fa recovery-codes)`);
  }
}

/** `gatepass user 2fa enroll`: starts enrolling an authenticator app. */
export async function enrollCommand(o: UserOptions): Promise<void> {
  const s = await userSession(o, true);
  try {
    const start = await s.client.call('startEnrolment', {}, s.token);
    if (o.json) {
      printJson({ ok: true, otpauthUri: start.otpauthUri, secret: start.secret, issuer: start.issuer, accountName: start.accountName, expiresAt: start.expiresAt });
      return;
    }
    if (process.stdout.isTTY) console.log(terminalQr(start.otpauthUri));
    console.log(`Add ${start.accountName} on ${start.issuer} to your authenticator app: scan the code above, open the key URI, or type the secret.`);
    console.log(`Key URI: ${start.otpauthUri}`);
    console.log(`Secret:  ${start.secret.match(/.{1,4}/g)?.join(' ') ?? start.secret}`);
    console.log(`Then, before ${start.expiresAt}: gatepass user 2fa confirm --server ${s.url} --login ${o.login} --password-stdin --code <the code the app shows>`);
  } finally {
    await s.close();
  }
}

/** `gatepass user 2fa confirm`: confirms the enrolment with a code; prints the recovery codes (once). */
export async function confirmCommand(o: UserOptions & { code: string; out?: string }): Promise<void> {
  const s = await userSession(o, true);
  try {
    const done = await s.client.call('confirmEnrolment', { body: { code: o.code } }, s.token);
    let saved: string | null = null;
    if (o.out) {
      const text = recoveryCodesText({ serverName: s.name, login: o.login, codes: done.recoveryCodes, generatedAt: done.generatedAt });
      saved = (await writeFileAtomic(resolve(o.out), async (out) => void out.end(text), { mode: 0o600 })).path;
    }
    if (o.json) {
      printJson({ ok: true, recoveryCodes: done.recoveryCodes, generatedAt: done.generatedAt, ...(saved ? { savedTo: saved } : {}) });
      return;
    }
    console.log(`Two-step verification is on for ${o.login} on ${s.name}.`);
    console.log('Recovery codes (each signs in once; they are shown only now):');
    for (const c of done.recoveryCodes) console.log(`  ${c}`);
    if (saved) console.log(`Saved to ${saved}`);
  } finally {
    await s.close();
  }
}

/** `gatepass user 2fa recovery-codes`: a new set for the signed-in user; every earlier code stops working. */
export async function ownRecoveryCodesCommand(o: UserOptions & { out?: string }): Promise<void> {
  const s = await userSession(o, false);
  try {
    const fresh = await s.client.call('regenerateOwnRecoveryCodes', {}, s.token);
    let saved: string | null = null;
    if (o.out) {
      const text = recoveryCodesText({ serverName: s.name, login: o.login, codes: fresh.recoveryCodes, generatedAt: fresh.generatedAt });
      saved = (await writeFileAtomic(resolve(o.out), async (out) => void out.end(text), { mode: 0o600 })).path;
    }
    if (o.json) printJson({ ok: true, recoveryCodes: fresh.recoveryCodes, generatedAt: fresh.generatedAt, ...(saved ? { savedTo: saved } : {}) });
    else {
      console.log('New recovery codes (every earlier code stopped working):');
      for (const c of fresh.recoveryCodes) console.log(`  ${c}`);
      if (saved) console.log(`Saved to ${saved}`);
    }
  } finally {
    await s.close();
  }
}

function withSignin(cmd: Command): Command {
  return cmd
    .requiredOption('--server <url>', 'the Gatepass server')
    .requiredOption('--login <login>', "the user's login")
    .option('--password-stdin', "read the user's password from stdin (required: never on the command line)")
    .option('--otp <code>', 'the code from the authenticator app, when the account has two-step verification')
    .option('--recovery-code <code>', 'a recovery code instead of --otp (each works once)')
    .option('--json', 'print one JSON object as the last line');
}

/** Adds `gatepass user`: what a user does with their own account (sign in, two-step verification). */
export function addUserCommands(program: Command, helpText: string): void {
  const user = program.command('user').description("A user's own account: sign in, set up two-step verification").addHelpText('after', helpText);
  withSignin(user.command('signin').description('Sign in with a password (and a code when the account has two-step verification); exit 0 when it works')).addHelpText(
    'after',
    `\nWith --json: {"ok", "code", "message", "recoveryCodesLeft"}.${helpText}`,
  ).action(userSigninCommand);
  const twoStep = user.command('2fa').description('Two-step verification (an authenticator app)').addHelpText('after', helpText);
  withSignin(twoStep.command('enroll').description('Start enrolling an authenticator app: prints the key URI (and a QR code on a terminal)'))
    .addHelpText('after', `\nWith --json: {"ok", "otpauthUri", "secret", "issuer", "accountName", "expiresAt"}.${helpText}`)
    .action(enrollCommand);
  withSignin(twoStep.command('confirm').description('Confirm the enrolment with a code from the app; prints the recovery codes, once'))
    .requiredOption('--code <code>', 'the code the app shows for the new account')
    .option('--out <file.txt>', 'also save the recovery codes to this file (owner-only)')
    .addHelpText('after', `\nWith --json: {"ok", "recoveryCodes", "generatedAt"}.${helpText}`)
    .action(confirmCommand);
  withSignin(twoStep.command('recovery-codes').description('Make new recovery codes; every earlier code stops working'))
    .option('--out <file.txt>', 'also save them to this file (owner-only)')
    .addHelpText('after', helpText)
    .action(ownRecoveryCodesCommand);
}

import type { Command } from 'commander';
import type { AdminSummary } from '../shared/api/admins';
import { generateStrongPassword } from '../shared/password-template';
import { printJson } from './output';
import { printTable, withAdmin } from './computers';
import { adminSession, badInput, passwordLinesFromStdin, secondFactorFrom, type AdminSession } from './sign-in';

interface AdminsOptions {
  server: string;
  login: string;
  passwordStdin?: boolean;
  otp?: string;
  recoveryCode?: string;
  json?: boolean;
}

/**
 * Stdin's lines for the admins commands: the first is your password (as for every command),
 * the second, where a command sets one, the other administrator's new password.
 */
const stdinLines = (o: AdminsOptions) => passwordLinesFromStdin(o.passwordStdin);

async function signIn(o: AdminsOptions, password: string): Promise<AdminSession> {
  return adminSession(o.server, o.login, password, secondFactorFrom(o));
}

/** The administrator with this login (exactly, else ignoring case when that names one). */
async function findAdmin(session: AdminSession, login: string): Promise<AdminSummary> {
  const { items } = await session.call('listAdmins', {});
  const exact = items.find((a) => a.login === login);
  const folded = items.filter((a) => a.login.toLowerCase() === login.toLowerCase());
  const match = exact ?? (folded.length === 1 ? folded[0] : undefined);
  if (!match) throw badInput(`No administrator "${login}" on this server`);
  return match;
}

function describe(a: AdminSummary): string {
  return `${a.login}${a.you ? ' (you)' : ''}: ${a.disabledAt ? `disabled ${a.disabledAt}` : 'enabled'}, two-step verification ${a.twoStep ? 'on' : 'off'}`;
}

/** `gatepass admins list` */
export async function adminsListCommand(o: AdminsOptions): Promise<void> {
  const [password] = await stdinLines(o);
  const session = await signIn(o, password);
  try {
    const { items } = await session.call('listAdmins', {});
    if (o.json) {
      printJson({ ok: true, items });
      return;
    }
    printTable(
      ['LOGIN', 'STATE', '2FA', 'CREATED'],
      items.map((a) => [a.login + (a.you ? ' (you)' : ''), a.disabledAt ? 'disabled' : 'enabled', a.twoStep ? 'on' : 'off', a.createdAt]),
    );
  } finally {
    await session.close();
  }
}

/** `gatepass admins create LOGIN`: the new password from stdin's second line, or generated and shown once. */
export async function adminsCreateCommand(login: string, o: AdminsOptions): Promise<void> {
  const [password, given] = await stdinLines(o);
  const session = await signIn(o, password);
  try {
    const newPassword = given ? given : generateStrongPassword(20);
    const admin = await session.call('createAdmin', { body: { login, password: newPassword } });
    if (o.json) {
      printJson({ ok: true, admin, ...(given ? {} : { generatedPassword: newPassword }) });
      return;
    }
    console.log(`Added administrator ${admin.login} on ${session.name}.`);
    if (!given) console.log(`Password: ${newPassword}  (shown once: hand it over safely)`);
  } finally {
    await session.close();
  }
}

/** `gatepass admins disable|enable LOGIN` */
export async function adminsSetDisabledCommand(disabled: boolean, login: string, o: AdminsOptions): Promise<void> {
  const [password] = await stdinLines(o);
  const session = await signIn(o, password);
  try {
    const target = await findAdmin(session, login);
    const admin = await session.call(disabled ? 'disableAdmin' : 'enableAdmin', { params: { id: target.id } });
    if (o.json) printJson({ ok: true, admin });
    else console.log(describe(admin));
  } finally {
    await session.close();
  }
}

/** `gatepass admins password LOGIN`: stdin's second line is the new password (yours: the first is the current one). */
export async function adminsPasswordCommand(login: string, o: AdminsOptions): Promise<void> {
  const [password, newPassword] = await stdinLines(o);
  if (!newPassword) throw badInput('give the new password on the second line of stdin');
  const session = await signIn(o, password);
  try {
    const target = await findAdmin(session, login);
    const admin = await session.call('setAdminPassword', { params: { id: target.id }, body: { password: newPassword, ...(target.you ? { currentPassword: password } : {}) } });
    if (o.json) printJson({ ok: true, admin });
    else console.log(`Password changed for ${admin.login}; their other sessions ended.`);
  } finally {
    await session.close();
  }
}

/** Adds `admins list|create|disable|enable|password`: the administrators of a server, through its API. */
export function addAdminsCommands(program: Command, helpText: string): void {
  const admins = program
    .command('admins')
    .description("A server's administrators: list, add, disable, enable, change a password")
    .addHelpText(
      'after',
      `\nStdin: your password on the first line; for create and password, the new password on the second
(create without one generates a strong password and prints it once).${helpText}`,
    );
  withAdmin(admins.command('list').description('List administrators: login, enabled or disabled, two-step verification'))
    .addHelpText('after', `\nWith --json: {"ok", "items": [{"id", "login", "createdAt", "disabledAt", "twoStep", "you"}]}.${helpText}`)
    .action(adminsListCommand);
  withAdmin(admins.command('create <login>').description("Add an administrator (the password must pass the server's policy)"))
    .addHelpText('after', `\nWith --json: {"ok", "admin", "generatedPassword"?}.${helpText}`)
    .action(adminsCreateCommand);
  withAdmin(admins.command('disable <login>').description('Disable an administrator: their sessions end (never yourself, never the last enabled one)'))
    .addHelpText('after', `\nWith --json: {"ok", "admin"}.${helpText}`)
    .action((login: string, o: AdminsOptions) => adminsSetDisabledCommand(true, login, o));
  withAdmin(admins.command('enable <login>').description('Let a disabled administrator sign in again'))
    .addHelpText('after', `\nWith --json: {"ok", "admin"}.${helpText}`)
    .action((login: string, o: AdminsOptions) => adminsSetDisabledCommand(false, login, o));
  withAdmin(admins.command('password <login>').description("Change an administrator's password (yours or another's); their other sessions end"))
    .addHelpText('after', `\nWith --json: {"ok", "admin"}.${helpText}`)
    .action(adminsPasswordCommand);
}

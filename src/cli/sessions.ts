import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ClientSession } from '../shared/api/client-sessions';
import { clientSessionsCsv } from '../shared/client-sessions-csv';
import { writeFileAtomic } from '../main/services/files/atomic-write';
import { printTable, withAdmin } from './computers';
import { printJson } from './output';
import { adminSession, passwordFromStdin, secondFactorFrom } from './sign-in';

interface SessionsListOptions {
  server: string;
  login: string;
  passwordStdin?: boolean;
  otp?: string;
  recoveryCode?: string;
  json?: boolean;
  user?: string;
  email?: string;
  computer?: string;
  from?: string;
  to?: string;
  active?: boolean;
  emergency?: boolean;
  csv?: string;
}

/**
 * `gatepass sessions list`: the Client sessions list (every page, newest first), with the
 * reference's User Name `<signed-in user> (<email>)`; filters as the server's, and --csv for a file.
 */
export async function sessionsListCommand(o: SessionsListOptions): Promise<void> {
  const factor = secondFactorFrom(o);
  const password = await passwordFromStdin(o.passwordStdin);
  const session = await adminSession(o.server, o.login, password, factor);
  try {
    const filters = {
      ...(o.user ? { user: o.user } : {}),
      ...(o.email ? { email: o.email } : {}),
      ...(o.computer ? { computer: o.computer } : {}),
      ...(o.from ? { from: o.from } : {}),
      ...(o.to ? { to: o.to } : {}),
      ...(o.active ? { active: 'true' } : {}),
      ...(o.emergency ? { emergency: 'true' } : {}),
    };
    const items: ClientSession[] = [];
    let total = 0;
    for (let offset = 0; ; offset += 500) {
      const page = await session.call('listClientSessions', { query: { offset, limit: 500, ...filters } });
      total = page.total;
      items.push(...page.items);
      if (page.items.length === 0 || items.length >= total) break;
    }
    const saved = o.csv ? (await writeFileAtomic(resolve(o.csv), async (out) => void out.end(clientSessionsCsv(items)), { mode: 0o600 })).path : null;
    if (o.json) {
      printJson({ ok: true, total, items, ...(saved ? { savedTo: saved } : {}) });
      return;
    }
    const time = (iso: string | null) => (iso ? iso.slice(0, 19).replace('T', ' ') : '');
    printTable(
      ['USER NAME', 'COMPUTER', 'STARTED', 'ENDED', 'EMERGENCY'],
      items.map((s) => [s.userName, s.computerName, time(s.startedAt), time(s.endedAt) || 'open', s.emergency ? 'yes' : '']),
    );
    console.log(`${items.length} client session(s) on ${session.name}${saved ? `; written to ${saved}` : ''}`);
  } finally {
    await session.close();
  }
}

/** Adds `sessions list`. */
export function addSessionsCommands(program: Command, helpText: string): void {
  const sessions = program.command('sessions').description('Client sessions: users signed in to computers with one-time passwords by email').addHelpText('after', helpText);
  withAdmin(sessions.command('list').description('List client sessions, newest first, with the User Name as "<signed-in user> (<email>)"'))
    .option('--user <text>', 'part of the signed-in user or the Gatepass login')
    .option('--email <text>', 'part of the email address')
    .option('--computer <text>', "part of the computer's name, or its id")
    .option('--from <date>', 'started on or after (YYYY-MM-DD or an ISO date and time)')
    .option('--to <date>', 'started before (a date means before that day starts)')
    .option('--active', 'only sessions still open')
    .option('--emergency', 'only emergency-access sessions')
    .option('--csv <file.csv>', 'also write them to this CSV file (owner-only)')
    .addHelpText('after', `\nWith --json: {"ok", "total", "items"}.${helpText}`)
    .action(sessionsListCommand);
}

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { GatepassError } from '../shared/errors';
import { printJson } from './output';

/**
 * `gatepass admin 2fa reset-attempts|remove --db <target> --login <admin>` and
 * `gatepass admin unlock LOGIN --db <target>`: for the operator
 * who runs the server, on its database directly, when an administrator is locked out of two-step
 * verification (100 wrong codes, or the app and every recovery code lost). There is no API for
 * it: an administrator locked out cannot call one, and no other administrator should do it.
 */
export function addAdminCommands(program: Command, helpText: string): void {
  const admin = program.command('admin').description("The server operator's help for administrators, on the database itself").addHelpText('after', helpText);
  const twoStep = admin.command('2fa').description("An administrator's two-step verification").addHelpText('after', helpText);
  for (const [name, action, description] of [
    ['reset-attempts', 'resetAttempts', 'Let an administrator locked after 100 wrong codes try again'],
    ['remove', 'remove', "Remove an administrator's two-step verification (lost app and recovery codes); they sign in with the password and enrol again"],
  ] as const) {
    twoStep
      .command(name)
      .description(description)
      .requiredOption('--db <target>', "the server's SQLite file or postgres:// URL")
      .requiredOption('--login <admin>', "the administrator's login")
      .option('--json', 'print one JSON object as the last line')
      .addHelpText('after', helpText)
      .action(async (o: { db: string; login: string; json?: boolean }) => {
        // Loaded here, as `gatepass server` loads the server: other commands never open a database.
        const [{ isPostgresUrl, openDatabase }, { migrateToLatest }, { operatorAdminTwoStep }] = await Promise.all([
          import('../server/db/connect'),
          import('../server/db/migrations'),
          import('../server/modules/totp/service'),
        ]);
        const handle = openDatabase(isPostgresUrl(o.db) ? o.db : resolve(o.db));
        try {
          await migrateToLatest(handle.db, handle.dialect);
          const exists = await handle.db.selectFrom('admins').select('id').where('login', '=', o.login).executeTakeFirst();
          if (!exists) throw new GatepassError('NOT_FOUND', `No administrator "${o.login}" in this database`);
          const changed = await operatorAdminTwoStep(handle.db, handle.dialect, o.login, action, new Date());
          const message = !changed
            ? `${o.login} had ${action === 'remove' ? 'no two-step verification' : 'nothing to reset'}`
            : action === 'remove'
              ? `Two-step verification removed for ${o.login}: they sign in with the password and should enrol again`
              : `${o.login} may try codes again`;
          if (o.json) printJson({ ok: true, changed, message });
          else console.log(message);
        } finally {
          await handle.close();
        }
      });
  }
  admin
    .command('unlock <login>')
    .description("Clear the sign-in limits that hold an administrator's login back (every source), at once")
    .requiredOption('--db <target>', "the server's SQLite file or postgres:// URL")
    .option('--json', 'print one JSON object as the last line')
    .addHelpText('after', `\nWith --json: {"ok", "login", "cleared", "message"}.${helpText}`)
    .action(async (login: string, o: { db: string; json?: boolean }) => {
      const [{ isPostgresUrl, openDatabase }, { migrateToLatest }, { operatorUnlockAdmin }] = await Promise.all([
        import('../server/db/connect'),
        import('../server/db/migrations'),
        import('../server/modules/admins/manage'),
      ]);
      const handle = openDatabase(isPostgresUrl(o.db) ? o.db : resolve(o.db));
      try {
        await migrateToLatest(handle.db, handle.dialect);
        const r = await operatorUnlockAdmin(handle.db, login, new Date());
        const message = r.cleared === 0 ? `${r.login} was not held back by any sign-in limit` : `${r.login} may sign in again at once (${r.cleared} limit${r.cleared === 1 ? '' : 's'} cleared)`;
        if (o.json) printJson({ ok: true, login: r.login, cleared: r.cleared, message });
        else console.log(message);
      } finally {
        await handle.close();
      }
    });
}

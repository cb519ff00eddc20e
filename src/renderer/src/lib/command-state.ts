import type { Server } from '../../../shared/model/server';

/**
 * Whether each toolbar command applies now and, when it does not, why: the reason is the
 * disabled button's tooltip and its accessible description ("Select users first"), so an
 * administrator never has to guess what a greyed-out button wants. Pure, for tests.
 */

/** The toolbar commands that depend on where the console is. */
export type CommandName = 'addServer' | 'refresh' | 'addUser' | 'importUsers' | 'edit' | 'delete' | 'generate' | 'actions' | 'provisioning';

/** What the commands look at. */
export interface CommandContext {
  /** The server chosen in the tree, or null. */
  readonly server: Pick<Server, 'status'> | null;
  /** The users of every server at once ("All servers" in the tree): only what makes sense per user on their own server applies. */
  readonly allServers?: boolean;
  /** Which part of the server the main pane shows. */
  readonly section: 'users' | 'clientSessions' | 'computers' | 'admins' | 'audit' | 'settings' | null;
  /** Selected users. */
  readonly count: number;
  /** Codes are being issued (one run at a time). */
  readonly issuing: boolean;
}

/** One command's state: enabled, or disabled with the reason to show. */
export type CommandState = { readonly enabled: true } | { readonly enabled: false; readonly reason: string };

const ON: CommandState = { enabled: true };
const off = (reason: string): CommandState => ({ enabled: false, reason });

/** Every command's state in this context. */
export function commandStates(ctx: CommandContext): Record<CommandName, CommandState> {
  // What stops every user command, in the order an administrator would fix it.
  if (ctx.allServers) return allServersStates(ctx);
  const place = !ctx.server
    ? off('Choose a server in the tree first')
    : ctx.server.status !== 'connected'
      ? off('Connect to the server first')
      : ctx.section !== 'users'
        ? off("Open the server's Users first")
        : ON;
  const withSelection = place.enabled ? (ctx.count > 0 ? ON : off('Select users first')) : place;
  return {
    addServer: ON,
    refresh: ON,
    addUser: place,
    importUsers: place,
    edit: withSelection.enabled && ctx.count > 1 ? off('Select only one user to edit') : withSelection,
    delete: withSelection,
    generate: withSelection.enabled && ctx.issuing ? off('Wait until the codes being issued are done') : withSelection,
    actions: withSelection,
    // Send provisioning email, Show provisioning QR: new codes for the selected users of this server.
    provisioning: withSelection,
  };
}

/**
 * In the all-servers list: editing (a user's details) and the per-user actions work, each user
 * on their own server; what belongs to one server (adding, importing, deleting, issuing codes
 * with its password policy or its provisioning codes and mail) asks for that server's Users.
 */
function allServersStates(ctx: CommandContext): Record<CommandName, CommandState> {
  const oneServer = off("Open one server's Users for this: it works on one server at a time");
  const withSelection = ctx.count > 0 ? ON : off('Select users first');
  return {
    addServer: ON,
    refresh: ON,
    addUser: oneServer,
    importUsers: oneServer,
    edit: withSelection.enabled && ctx.count > 1 ? off('Select only one user to edit') : withSelection,
    delete: oneServer,
    generate: oneServer,
    actions: withSelection,
    provisioning: oneServer,
  };
}

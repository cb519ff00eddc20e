import type { Server } from '../../../shared/model/server';

/**
 * Whether each toolbar command applies now and, when it does not, why: the reason is the
 * disabled button's tooltip and its accessible description ("Select users first"), so an
 * administrator never has to guess what a greyed-out button wants. Pure, for tests.
 */

/** The toolbar commands that depend on where the console is. */
export type CommandName = 'addServer' | 'refresh' | 'addUser' | 'importUsers' | 'edit' | 'delete' | 'generate' | 'actions';

/** What the commands look at. */
export interface CommandContext {
  /** The server chosen in the tree, or null. */
  readonly server: Pick<Server, 'status'> | null;
  /** Which part of the server the main pane shows. */
  readonly section: 'users' | 'audit' | 'settings' | null;
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
  };
}

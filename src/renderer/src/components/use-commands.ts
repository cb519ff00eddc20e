import { useShallow } from 'zustand/react/shallow';
import type { UserAction } from '../../../shared/api/users';
import { commandStates } from '../lib/command-state';
import { selectedCount } from '../lib/selection';
import { useAppStore } from '../store/store';

/** One toolbar, menu or keyboard command: whether it applies now (and why not), and what it does. */
export interface Command {
  readonly enabled: boolean;
  /** Why it does not apply now ("Select users first"); null when it does. */
  readonly reason: string | null;
  readonly run: () => void;
}

/** Every command of the toolbar, the Actions menu and the user list's context menu. */
export type CommandKey = 'addServer' | 'refresh' | 'addUser' | 'importUsers' | 'edit' | 'delete' | 'generate' | 'setPassword' | UserAction;

/**
 * The commands, shared by the buttons, the menus and the keyboard shortcuts so they never
 * disagree. They do not depend on whether a dialog is open: the window under a modal is
 * inert, and the window-wide shortcuts check for a dialog themselves.
 */
export function useCommands(): Record<CommandKey, Command> {
  const s = useAppStore(
    useShallow((st) => {
      const server = st.view ? st.servers.find((x) => x.id === st.view?.serverId) : undefined;
      return {
        serverId: server?.id ?? null,
        status: server?.status ?? null,
        section: st.view?.section ?? null,
        count: selectedCount(st.selection, st.total ?? 0),
        singleId: !st.selection.all && st.selection.ids.size === 1 ? ([...st.selection.ids][0] ?? null) : null,
        issuing: st.busy !== null,
      };
    }),
  );
  const { openDialog, refreshAll } = useAppStore.getState();
  const states = commandStates({ server: s.status ? { status: s.status } : null, section: s.section, count: s.count, issuing: s.issuing });
  const serverId = s.serverId ?? '';
  const cmd = (name: keyof typeof states, run: () => void): Command => {
    const st = states[name];
    return { enabled: st.enabled, reason: st.enabled ? null : st.reason, run };
  };
  const action = (a: UserAction) => cmd('actions', () => openDialog({ kind: 'userAction', serverId, action: a }));
  return {
    addServer: cmd('addServer', () => openDialog({ kind: 'addServer' })),
    refresh: cmd('refresh', () => void refreshAll()),
    addUser: cmd('addUser', () => openDialog({ kind: 'addUser', serverId })),
    importUsers: cmd('importUsers', () => openDialog({ kind: 'importUsers', serverId })),
    edit: cmd('edit', () => {
      if (s.singleId) openDialog({ kind: 'editUser', serverId, userId: s.singleId });
      // Ctrl+A over a list of one: the one id comes from the server.
      else
        void useAppStore
          .getState()
          .resolveSelection()
          .then((ids) => ids.length === 1 && ids[0] && openDialog({ kind: 'editUser', serverId, userId: ids[0] }));
    }),
    delete: cmd('delete', () => openDialog({ kind: 'deleteUsers', serverId, count: s.count })),
    generate: cmd('generate', () => openDialog({ kind: 'generate', serverId, count: s.count })),
    disable: action('disable'),
    enable: action('enable'),
    revokeQr: action('revokeQr'),
    endSessions: action('endSessions'),
    setPassword: cmd('actions', () => openDialog({ kind: 'setPassword', serverId })),
  };
}

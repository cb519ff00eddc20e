import { useShallow } from 'zustand/react/shallow';
import type { UserAction } from '../../../shared/api/users';
import { commandStates } from '../lib/command-state';
import { selectedCount } from '../lib/selection';
import { splitRowKey } from '../lib/server-segments';
import { useAppStore } from '../store/store';
import type { ConsoleUserAction } from '../store/types';

/** One toolbar, menu or keyboard command: whether it applies now (and why not), and what it does. */
export interface Command {
  readonly enabled: boolean;
  /** Why it does not apply now ("Select users first"); null when it does. */
  readonly reason: string | null;
  readonly run: () => void;
}

/** Every command of the toolbar, the Actions menu and the user list's context menu. */
export type CommandKey =
  | 'addServer'
  | 'refresh'
  | 'addUser'
  | 'importUsers'
  | 'edit'
  | 'delete'
  | 'generate'
  | 'setPassword'
  | UserAction
  | 'removeTwoStep'
  | 'sendProvisioning'
  | 'showProvisioningQr';

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
        allServers: st.view?.serverId === null,
        section: st.view?.section ?? null,
        count: selectedCount(st.selection, st.total ?? 0),
        singleKey: !st.selection.all && st.selection.ids.size === 1 ? ([...st.selection.ids][0] ?? null) : null,
        issuing: st.busy !== null,
      };
    }),
  );
  const { openDialog, refreshAll } = useAppStore.getState();
  const states = commandStates({ server: s.status ? { status: s.status } : null, allServers: s.allServers, section: s.section, count: s.count, issuing: s.issuing });
  const serverId = s.serverId ?? '';
  const cmd = (name: keyof typeof states, run: () => void): Command => {
    const st = states[name];
    return { enabled: st.enabled, reason: st.enabled ? null : st.reason, run };
  };
  const action = (a: ConsoleUserAction) => cmd('actions', () => openDialog({ kind: 'userAction', serverId: s.allServers ? null : serverId, action: a }));
  const editKey = (key: string) => {
    const { serverId: owner, userId } = splitRowKey(key);
    openDialog({ kind: 'editUser', serverId: owner, userId });
  };
  return {
    addServer: cmd('addServer', () => openDialog({ kind: 'addServer' })),
    refresh: cmd('refresh', () => void refreshAll()),
    addUser: cmd('addUser', () => openDialog({ kind: 'addUser', serverId })),
    importUsers: cmd('importUsers', () => openDialog({ kind: 'importUsers', serverId })),
    edit: cmd('edit', () => {
      if (s.singleKey) editKey(s.singleKey);
      // Ctrl+A over a list of one: the one user comes from the server.
      else
        void useAppStore
          .getState()
          .resolveSelectedUsers()
          .then((users) => users.length === 1 && users[0] && openDialog({ kind: 'editUser', serverId: users[0].serverId, userId: users[0].id }));
    }),
    delete: cmd('delete', () => openDialog({ kind: 'deleteUsers', serverId, count: s.count })),
    generate: cmd('generate', () => openDialog({ kind: 'generate', serverId, count: s.count })),
    sendProvisioning: cmd('provisioning', () => openDialog({ kind: 'sendProvisioning', serverId, count: s.count })),
    showProvisioningQr: cmd('provisioning', () => openDialog({ kind: 'provisioningQr', serverId, count: s.count })),
    disable: action('disable'),
    enable: action('enable'),
    revokeQr: action('revokeQr'),
    endSessions: action('endSessions'),
    removeTwoStep: action('removeTwoStep'),
    // A password is checked against one server's policy: one server at a time.
    setPassword: s.allServers
      ? { enabled: false, reason: "Open one server's Users to set passwords: each server has its own password policy", run: () => {} }
      : cmd('actions', () => openDialog({ kind: 'setPassword', serverId })),
  };
}

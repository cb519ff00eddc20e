import { useShallow } from 'zustand/react/shallow';
import { selectedCount } from '../lib/selection';
import { useAppStore } from '../store/store';

/** One toolbar/keyboard command: whether it applies now, and what it does. */
export interface Command {
  readonly enabled: boolean;
  readonly run: () => void;
}

/** The toolbar's commands, shared by the buttons and the keyboard shortcuts so they never disagree. */
export function useCommands(): Record<'addServer' | 'refresh' | 'addUser' | 'importUsers' | 'edit' | 'delete' | 'generate', Command> {
  const s = useAppStore(
    useShallow((st) => {
      const server = st.view ? st.servers.find((x) => x.id === st.view?.serverId) : undefined;
      return {
        serverId: server?.id ?? null,
        connected: server?.status === 'connected',
        inUsers: st.view?.section === 'users',
        count: selectedCount(st.selection, st.total ?? 0),
        singleId: !st.selection.all && st.selection.ids.size === 1 ? ([...st.selection.ids][0] ?? null) : null,
        dialogOpen: st.dialog.kind !== 'none',
        busy: st.busy !== null,
      };
    }),
  );
  const { openDialog, refreshAll } = useAppStore.getState();
  const usable = s.connected && s.inUsers && !s.dialogOpen && s.serverId !== null;
  const serverId = s.serverId ?? '';
  return {
    addServer: { enabled: !s.dialogOpen, run: () => openDialog({ kind: 'addServer' }) },
    refresh: { enabled: !s.dialogOpen, run: () => void refreshAll() },
    addUser: { enabled: usable, run: () => openDialog({ kind: 'addUser', serverId }) },
    importUsers: { enabled: usable, run: () => openDialog({ kind: 'importUsers', serverId }) },
    edit: {
      enabled: usable && s.singleId !== null,
      run: () => s.singleId && openDialog({ kind: 'editUser', serverId, userId: s.singleId }),
    },
    delete: { enabled: usable && s.count > 0, run: () => openDialog({ kind: 'deleteUsers', serverId, count: s.count }) },
    generate: {
      enabled: usable && s.count > 0 && !s.busy,
      run: () => openDialog({ kind: 'generate', serverId, count: s.count }),
    },
  };
}

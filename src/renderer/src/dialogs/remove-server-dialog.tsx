import { useAppStore } from '../store/store';
import { ConfirmDialog } from './confirm-dialog';

/**
 * Remove server confirmation: the console forgets the server and its saved password; the
 * server itself, its users and their codes are not touched.
 */
export function RemoveServerDialog({ serverId }: { serverId: string }) {
  const server = useAppStore((s) => s.servers.find((x) => x.id === serverId));

  async function remove() {
    const st = useAppStore.getState();
    await st.removeServer(serverId);
    st.showNotice({ tone: 'info', text: `Removed ${server?.name ?? 'the server'} from the console` });
  }

  return (
    <ConfirmDialog title="Remove server" confirmLabel="Remove" busyLabel="Removing…" disabled={!server} onConfirm={remove}>
      <p>
        Remove <strong>{server?.name ?? 'this server'}</strong> ({server?.url}) from the console? Its saved password is deleted from the
        system keychain. The server, its users and their codes are not changed.
      </p>
    </ConfirmDialog>
  );
}

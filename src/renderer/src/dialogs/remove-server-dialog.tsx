import { useState } from 'react';
import { Button } from 'react-aria-components';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';

/**
 * Remove server confirmation: the console forgets the server and its saved password; the
 * server itself, its users and their codes are not touched.
 */
export function RemoveServerDialog({ serverId }: { serverId: string }) {
  const server = useAppStore((s) => s.servers.find((x) => x.id === serverId));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const st = useAppStore.getState();
      await st.removeServer(serverId);
      st.closeDialog();
      st.showNotice({ tone: 'info', text: `Removed ${server?.name ?? 'the server'} from the console` });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <ModalFrame title="Remove server" onSubmit={() => void submit()} busy={busy} role="alertdialog">
      <p>
        Remove <strong>{server?.name ?? 'this server'}</strong> ({server?.url}) from the console? Its saved password is deleted from the
        system keychain. The server, its users and their codes are not changed.
      </p>
      <DialogError message={error} />
      <DialogButtons>
        <Button className="button" onPress={() => useAppStore.getState().closeDialog()} isDisabled={busy} autoFocus>
          Cancel
        </Button>
        <Button className="button danger" type="submit" isDisabled={busy || !server}>
          {busy ? 'Removing…' : 'Remove'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

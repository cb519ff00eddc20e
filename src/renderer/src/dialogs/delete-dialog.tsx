import { useState } from 'react';
import { Button } from 'react-aria-components';
import { errorMessage, formatCount } from '../lib/format';
import { useAppStore } from '../store/store';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';

/** Delete confirmation: says how many users go, and reports partial failures. */
export function DeleteDialog({ count }: { count: number }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const st = useAppStore.getState();
      const res = await st.deleteSelectedUsers();
      st.closeDialog();
      st.showNotice(
        res.failed > 0
          ? { tone: 'error', text: `Deleted ${formatCount(res.deleted, 'user')}; ${res.failed} failed: ${res.firstFailure ?? ''}` }
          : { tone: 'info', text: `Deleted ${formatCount(res.deleted, 'user')}` },
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <ModalFrame title="Delete users" onSubmit={() => void submit()} busy={busy} role="alertdialog">
      <p>
        Delete <strong>{formatCount(count, 'user')}</strong>? Their QR codes stop working and their sessions end. This cannot be undone.
      </p>
      <DialogError message={error} />
      <DialogButtons>
        <Button className="button" onPress={() => useAppStore.getState().closeDialog()} isDisabled={busy} autoFocus>
          Cancel
        </Button>
        <Button className="button danger" type="submit" isDisabled={busy}>
          {busy ? 'Deleting…' : 'Delete'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { formatCount } from '../lib/format';
import { useAppStore } from '../store/store';
import { ConfirmDialog } from './confirm-dialog';

/** Delete confirmation: says how many users go, and reports partial failures. */
export function DeleteDialog({ count }: { count: number }) {
  async function remove() {
    const st = useAppStore.getState();
    const res = await st.deleteSelectedUsers();
    st.showNotice(
      res.failed > 0
        ? { tone: 'error', text: `Deleted ${formatCount(res.deleted, 'user')}; ${res.failed} failed: ${res.firstFailure ?? ''}` }
        : { tone: 'info', text: `Deleted ${formatCount(res.deleted, 'user')}` },
    );
  }

  return (
    <ConfirmDialog title="Delete users" confirmLabel="Delete" busyLabel="Deleting…" onConfirm={remove}>
      <p>
        Delete <strong>{formatCount(count, 'user')}</strong>? Their QR codes stop working and their sessions end. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}

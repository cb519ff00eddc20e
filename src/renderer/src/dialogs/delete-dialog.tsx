import { useEffect, useState } from 'react';
import { formatCount } from '../lib/format';
import { namesSummary } from '../lib/user-actions';
import { useAppStore } from '../store/store';
import { ConfirmDialog } from './confirm-dialog';

/**
 * Delete confirmation: how many users go and who they are (the first logins and how many
 * more, as the other per-user actions name them), and reports partial failures.
 */
export function DeleteDialog({ count }: { count: number }) {
  const [names, setNames] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    useAppStore
      .getState()
      .resolveSelectedUsers()
      .then((users) => live && setNames(namesSummary(users.map((u) => u.login))))
      // The count alone still says what Delete does; the names are a courtesy.
      .catch(() => live && setNames(null));
    return () => {
      live = false;
    };
  }, []);

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
      <p className="action-names" aria-live="polite">
        {names ?? <span className="muted">Finding their logins…</span>}
      </p>
    </ConfirmDialog>
  );
}

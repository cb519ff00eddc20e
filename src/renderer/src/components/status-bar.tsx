import { useShallow } from 'zustand/react/shallow';
import { formatCount } from '../lib/format';
import { selectedCount } from '../lib/selection';
import { useAppStore } from '../store/store';

/** The bottom line: selection, where we are connected, and whatever is running. */
export function StatusBar() {
  const { count, server, busy, saving, notice } = useAppStore(
    useShallow((s) => {
      const server = s.view ? s.servers.find((x) => x.id === s.view?.serverId) : undefined;
      const saving = Object.values(s.saves).find((x) => x.state === 'saving');
      return {
        count: s.view?.section === 'users' ? selectedCount(s.selection, s.total ?? 0) : 0,
        server,
        busy: s.busy,
        saving: saving?.state === 'saving' ? saving : undefined,
        notice: s.notice,
      };
    }),
  );
  const parts: string[] = [];
  if (count > 0) parts.push(`${formatCount(count, 'selected', 'selected')}`);
  if (server) {
    parts.push(
      server.status === 'connected'
        ? `connected to ${server.url} as ${server.login}`
        : `${server.name}: ${server.status === 'needs-password' ? 'needs password' : server.status}`,
    );
  }
  return (
    <footer className="status-bar">
      <span className="status-text" aria-live="polite">{parts.join(' · ') || 'Ready'}</span>
      {busy ? <span className="status-job">{busy}</span> : null}
      {saving ? (
        <span className="status-job">
          {saving.phase === 'writing' ? 'Writing files' : 'Saving'}
          {saving.total > 0 ? ` ${saving.done.toLocaleString('en-US')}/${saving.total.toLocaleString('en-US')}` : '…'}
          <progress max={saving.total || 1} value={saving.done} aria-label="Saving" />
        </span>
      ) : null}
      {notice ? (
        <span className={`status-notice ${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
          {notice.text}
          <button type="button" className="link-button" aria-label="Dismiss" onClick={() => useAppStore.getState().showNotice(null)}>
            ×
          </button>
        </span>
      ) : null}
    </footer>
  );
}

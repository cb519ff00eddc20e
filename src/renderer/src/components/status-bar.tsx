import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatCount } from '../lib/format';
import { NOTICE_FADE_MS, noticeLifetime } from '../lib/notice';
import { selectedCount } from '../lib/selection';
import { STATUS_TEXT } from '../lib/server-status';
import { useAppStore } from '../store/store';

/** The bottom line: selection, where we are connected, and whatever is running. */
export function StatusBar() {
  const { count, server, busy, saving, allServers } = useAppStore(
    useShallow((s) => {
      const server = s.view ? s.servers.find((x) => x.id === s.view?.serverId) : undefined;
      const saving = Object.values(s.saves).find((x) => x.state === 'saving');
      return {
        count: s.view?.section === 'users' ? selectedCount(s.selection, s.total ?? 0) : 0,
        server,
        busy: s.busy,
        saving: saving?.state === 'saving' ? saving : undefined,
        allServers: s.view?.serverId === null,
      };
    }),
  );
  const parts: string[] = [];
  if (count > 0) parts.push(`${formatCount(count, 'selected', 'selected')}`);
  if (server) {
    parts.push(server.status === 'connected' ? `connected to ${server.url} as ${server.login}` : `${server.name}: ${STATUS_TEXT[server.status]}`);
  } else if (allServers) {
    parts.push('all servers');
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
      <NoticeLine />
    </footer>
  );
}

/**
 * The notice at the right of the status bar. Information fades after its moment (longer for
 * longer text, and not while the pointer or focus is on it); an error stays until dismissed or
 * replaced. Both live regions are always in the page, so what appears in them is announced:
 * information politely, errors at once.
 */
function NoticeLine() {
  const notice = useAppStore((s) => s.notice);
  const [fading, setFading] = useState<number | null>(null);
  const [held, setHeld] = useState(false);

  useEffect(() => {
    if (!notice || held) return;
    const life = noticeLifetime(notice);
    if (life === null) return;
    const fade = setTimeout(() => setFading(notice.id), Math.max(0, life - NOTICE_FADE_MS));
    const gone = setTimeout(() => {
      // Only this notice: a newer one has its own time.
      if (useAppStore.getState().notice?.id === notice.id) useAppStore.getState().showNotice(null);
    }, life);
    return () => {
      clearTimeout(fade);
      clearTimeout(gone);
    };
  }, [notice, held]);

  const hold = () => {
    setHeld(true);
    setFading(null);
  };
  const info = notice?.tone === 'info' ? notice : null;
  const error = notice?.tone === 'error' ? notice : null;
  return (
    <span
      className={`status-notice ${notice?.tone ?? ''}${notice && fading === notice.id ? ' fading' : ''}`}
      onMouseEnter={hold}
      onMouseLeave={() => setHeld(false)}
      onFocus={hold}
      onBlur={() => setHeld(false)}
    >
      <span role="status" aria-live="polite">
        {info?.text}
      </span>
      <span role="alert">{error?.text}</span>
      {notice ? (
        <button type="button" className="link-button" aria-label="Dismiss" onClick={() => useAppStore.getState().showNotice(null)}>
          ×
        </button>
      ) : null}
    </span>
  );
}

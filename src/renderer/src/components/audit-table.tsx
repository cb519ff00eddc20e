import { useCallback, useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { errorMessage, formatCount, formatDateTime } from '../lib/format';
import { useAppStore } from '../store/store';

type AuditEntry = ChannelOutput<'audit:list'>['items'][number];
/** audit:list answers at most 500 entries per call. */
const AUDIT_PAGE = 200;

/** The server's audit log, newest as the server orders it, loaded a page at a time. */
export function AuditTable({ serverId }: { serverId: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const [items, setItems] = useState<readonly AuditEntry[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (offset: number) => {
      setLoading(true);
      try {
        const page = await window.gatepass.audit.list({ serverId, offset, limit: AUDIT_PAGE });
        setItems((prev) => (offset === 0 ? page.items : [...prev, ...page.items]));
        setTotal(page.total);
        setError(null);
      } catch (err) {
        setError(errorMessage(err));
      } finally {
        setLoading(false);
      }
    },
    [serverId],
  );

  useEffect(() => {
    // Fetching on mount and on Refresh is the point of this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(0);
  }, [load, refreshTick]);

  return (
    <div className="table-pane">
      <div className="table-bar">
        <strong>Audit log</strong>
        <span className="spacer" />
        <span className="count" aria-live="polite">{total === null ? 'Loading…' : formatCount(total, 'entry', 'entries')}</span>
      </div>
      {error ? (
        <div className="grid-message error-text" role="alert">{error}</div>
      ) : null}
      <div className="audit-scroll">
        <table className="audit-table" aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.at)}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>{e.target ?? ''}</td>
                <td title={e.detail ?? ''}>{e.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {total !== null && items.length < total ? (
          <button type="button" className="button load-more" disabled={loading} onClick={() => void load(items.length)}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </div>
    </div>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';
import { Button, Input, Label, SearchField } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import { AUDIT_ACTIONS } from '../../../shared/api/audit';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { errorMessage, formatCount, formatDateTime } from '../lib/format';
import { AUDIT_ACTION_LABELS, AUDIT_FAMILIES, auditFilterQuery, NO_AUDIT_FILTERS, type AuditFilters } from '../lib/list-filters';
import { useAppStore } from '../store/store';

type AuditEntry = ChannelOutput<'audit:list'>['items'][number];
/** audit:list answers at most 500 entries per call. */
const AUDIT_PAGE = 200;
/** Typed filters (user, administrator, search) wait this long after the last key before asking the server. */
const TYPING_DEBOUNCE_MS = 300;


/** A text filter that applies itself a moment after the administrator stops typing. */
function useDebounced(value: string, apply: (v: string) => void): void {
  useEffect(() => {
    const t = setTimeout(() => apply(value), TYPING_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [value, apply]);
}

/** Filters by action, user, administrator and day, a search box, and Export as CSV. */
function AuditFilterBar({ serverId, filters, onChange, total }: { serverId: string; filters: AuditFilters; onChange: (f: AuditFilters) => void; total: number | null }) {
  const [target, setTarget] = useState(filters.target);
  const [actor, setActor] = useState(filters.actor);
  const [search, setSearch] = useState(filters.search);
  const running = useAppStore(useShallow((s) => s.csvExport));
  const patch = useCallback((p: Partial<AuditFilters>) => onChange({ ...filters, ...p }), [filters, onChange]);
  useDebounced(target, useCallback((v: string) => v !== filters.target && patch({ target: v }), [filters.target, patch]));
  useDebounced(actor, useCallback((v: string) => v !== filters.actor && patch({ actor: v }), [filters.actor, patch]));
  useDebounced(search, useCallback((v: string) => v !== filters.search && patch({ search: v }), [filters.search, patch]));
  const narrowed = Object.keys(auditFilterQuery(filters)).length > 0;

  function clear() {
    setTarget('');
    setActor('');
    setSearch('');
    onChange(NO_AUDIT_FILTERS);
  }

  return (
    <div className="filter-bar">
      <div className="bar-row">
        <SearchField className="search" value={search} onChange={setSearch} aria-label="Search the audit log">
          <Label className="visually-hidden">Search the audit log</Label>
          <Input placeholder="Search the audit log" />
        </SearchField>
        <span className="spacer" />
        <span className="count" aria-live="polite">
          {total === null ? 'Loading…' : `${formatCount(total, 'entry', 'entries')}${narrowed ? (total === 1 ? ' matches' : ' match') : ''}`}
        </span>
        {running?.list === 'audit' ? (
          <span className="export-progress" role="status">
            Exporting {running.total > 0 ? `${running.done.toLocaleString('en-US')} of ${formatCount(running.total, 'entry', 'entries')}` : 'entries'}…
            <Button className="button small" onPress={() => void useAppStore.getState().cancelCsvExport()} isDisabled={running.cancelling}>
              {running.cancelling ? 'Cancelling…' : 'Cancel'}
            </Button>
          </span>
        ) : (
          <Button className="button small" isDisabled={running !== null} onPress={() => void useAppStore.getState().exportAuditCsv(serverId, filters)}>
            Export as CSV
          </Button>
        )}
      </div>
      <div className="bar-row" role="group" aria-label="Filters">
        <label className="filter">
          <span>Action</span>
          <select aria-label="Action" className="action-select" value={filters.action} onChange={(e) => patch({ action: e.target.value })}>
            <option value="">All actions</option>
            <optgroup label="Kinds">
              {/* The families first (every action of a kind), then each action. */}
              {AUDIT_FAMILIES.map((f) => (
                <option key={f} value={f}>
                  {AUDIT_ACTION_LABELS[f]}
                </option>
              ))}
            </optgroup>
            <optgroup label="Actions">
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {AUDIT_ACTION_LABELS[a] ?? a} ({a})
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <label className="filter">
          <span>User</span>
          <input type="text" aria-label="User" className="text-input" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="login" spellCheck={false} />
        </label>
        <label className="filter">
          <span>Administrator</span>
          <input type="text" aria-label="Administrator" className="text-input" value={actor} onChange={(e) => setActor(e.target.value)} placeholder="login" spellCheck={false} />
        </label>
        <label className="filter">
          <span>From</span>
          <input type="date" aria-label="From" className="date-input" value={filters.from} onChange={(e) => patch({ from: e.target.value })} />
        </label>
        <label className="filter">
          <span>To</span>
          <input type="date" aria-label="To" className="date-input" value={filters.to} onChange={(e) => patch({ to: e.target.value })} />
        </label>
        {narrowed ? (
          <button type="button" className="link-button" onClick={clear}>
            Clear filters
          </button>
        ) : null}
      </div>
    </div>
  );
}

/** The server's audit log, newest first, filtered on the server, loaded a page at a time. */
export function AuditTable({ serverId }: { serverId: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const [filters, setFilters] = useState<AuditFilters>(NO_AUDIT_FILTERS);
  const [items, setItems] = useState<readonly AuditEntry[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  // Each load's number: an answer to filters that have changed since is dropped.
  const latest = useRef(0);

  const load = useCallback(
    async (offset: number) => {
      const mine = ++latest.current;
      setLoading(true);
      try {
        const page = await window.gatepass.audit.list({ serverId, offset, limit: AUDIT_PAGE, ...auditFilterQuery(filters) });
        if (mine !== latest.current) return;
        setItems((prev) => (offset === 0 ? page.items : [...prev, ...page.items]));
        setTotal(page.total);
        setError(null);
      } catch (err) {
        if (mine === latest.current) setError(errorMessage(err));
      } finally {
        if (mine === latest.current) setLoading(false);
      }
    },
    [serverId, filters],
  );

  useEffect(() => {
    // Fetching on mount, on a filter change and on Refresh is the point of this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(0);
  }, [load, refreshTick]);

  return (
    <div className="table-pane">
      <AuditFilterBar serverId={serverId} filters={filters} onChange={setFilters} total={total} />
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
              <th scope="col" title="The client's address (behind a trusted proxy: the proxy's client)">Address</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td title={e.at}>{formatDateTime(e.at)}</td>
                <td>{e.actor}</td>
                <td title={AUDIT_ACTION_LABELS[e.action]}>{e.action}</td>
                <td>{e.target ?? ''}</td>
                <td className={e.source ? undefined : 'muted'}>{e.source ?? '—'}</td>
                <td title={e.detail ?? ''}>{e.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {total === 0 && !error ? (
          <p className="grid-message muted">{Object.keys(auditFilterQuery(filters)).length > 0 ? 'No entries match the filters.' : 'No entries yet.'}</p>
        ) : null}
        {total !== null && items.length < total ? (
          <button type="button" className="button load-more" disabled={loading} onClick={() => void load(items.length)}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </div>
    </div>
  );
}

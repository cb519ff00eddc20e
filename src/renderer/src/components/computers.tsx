import { useCallback, useEffect, useId, useState } from 'react';
import { Button } from 'react-aria-components';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { formatCount, formatDateTime } from '../lib/format';
import { useAppStore } from '../store/store';
import { PagedGrid, usePagedRows, type GridColumn } from './paged-grid';

type Computer = ChannelOutput<'computers:list'>['items'][number];
type StateFilter = 'active' | 'revoked' | 'all';

const SEARCH_DEBOUNCE_MS = 300;

const COLUMNS: readonly GridColumn<Computer>[] = [
  {
    id: 'name',
    title: 'Name',
    width: 'minmax(140px, 1.6fr)',
    cell: (c) => ({
      text: (
        <>
          {c.name}
          {c.revokedAt ? <span className="revoked-mark"> revoked</span> : null}
        </>
      ),
      title: c.name,
    }),
  },
  { id: 'registered', title: 'Registered', width: '136px', cell: (c) => ({ text: formatDateTime(c.registeredAt), title: `${c.registeredAt} by ${c.registeredBy}` }) },
  { id: 'registeredBy', title: 'By', width: 'minmax(80px, 0.8fr)', cell: (c) => ({ text: c.registeredBy, title: c.registeredBy }) },
  { id: 'lastSeen', title: 'Last seen', width: '136px', cell: (c) => (c.lastSeenAt ? { text: formatDateTime(c.lastSeenAt), title: c.lastSeenAt } : { text: 'never', className: 'muted' }) },
  { id: 'sessions', title: 'Sessions', width: '80px', numeric: true, cell: (c) => ({ text: c.sessions }) },
  { id: 'open', title: 'Open now', width: '80px', numeric: true, cell: (c) => ({ text: c.activeSessions }) },
  {
    id: 'revoked',
    title: 'Revoked',
    width: 'minmax(120px, 1fr)',
    cell: (c) => (c.revokedAt ? { text: `${formatDateTime(c.revokedAt)}${c.revokedBy ? ` by ${c.revokedBy}` : ''}`, title: c.revokedAt } : { text: '—', className: 'muted' }),
  },
];

/**
 * A server's registered computers: name, registered (when, by whom), last seen, client sessions
 * (ever and open now), revoked. "Register computer…" names one and saves its agent file through
 * main; Revoke (the button, or Delete on the row) asks first, naming the computer.
 */
export function ComputersView({ serverId, serverName }: { serverId: string; serverName: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const reasonId = useId();
  const [state, setState] = useState<StateFilter>('active');
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<{ index: number; computer: Computer | undefined } | null>(null);
  const rows = usePagedRows<Computer>(
    `${serverId}|${state}|${search}`,
    (offset, limit) => window.gatepass.computers.list({ serverId, offset, limit, state, ...(search ? { search } : {}) }),
    refreshTick,
  );
  const { reload, generation } = rows;

  useEffect(() => {
    const t = setTimeout(() => setSearch(text.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text]);
  useEffect(() => {
    // A new query or a reload: the row at that index is another computer now.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSelected(null);
  }, [generation]);

  // The selected row's computer, once its page is there (a click on a row still loading selects it when it arrives).
  const chosen = selected ? (selected.computer ?? rows.rowAt(selected.index)) : undefined;
  const revokeReason = !chosen ? 'Select a computer first' : chosen.revokedAt ? `${chosen.name} is already revoked` : null;

  const openRegister = useCallback(() => {
    useAppStore.getState().openDialog({ kind: 'registerComputer', serverId, onDone: () => reload() });
  }, [serverId, reload]);
  const openRevoke = useCallback(
    (c: Computer) => {
      if (c.revokedAt) return;
      useAppStore.getState().openDialog({ kind: 'revokeComputer', serverId, computer: { id: c.id, name: c.name }, onDone: () => reload() });
    },
    [serverId, reload],
  );

  const total = rows.total;
  return (
    <div className="table-pane">
      <div className="filter-bar">
        <div className="bar-row">
          <Button className="button primary small" onPress={openRegister}>
            Register computer…
          </Button>
          <Button
            className="button small danger-outline"
            isDisabled={revokeReason !== null}
            aria-describedby={revokeReason ? reasonId : undefined}
            onPress={() => chosen && openRevoke(chosen)}
          >
            Revoke…
          </Button>
          {/* Why Revoke is greyed out, beside it (not in it, where it would become part of its name). */}
          <span id={reasonId} className="muted small-note">
            {revokeReason ?? (chosen ? `Selected: ${chosen.name}` : '')}
          </span>
          <span className="spacer" />
          <span className="count" aria-live="polite">
            {total === null ? 'Loading…' : formatCount(total, state === 'revoked' ? 'revoked computer' : state === 'all' ? 'computer' : 'active computer')}
          </span>
        </div>
        <div className="bar-row" role="group" aria-label="Filters">
          <label className="filter">
            <span>Name</span>
            <input type="search" aria-label="Search computers" className="text-input wide" value={text} onChange={(e) => setText(e.target.value)} placeholder="part of the name" spellCheck={false} />
          </label>
          <label className="filter">
            <span>Show</span>
            <select aria-label="Show" value={state} onChange={(e) => setState(e.target.value as StateFilter)}>
              <option value="active">Active</option>
              <option value="revoked">Revoked</option>
              <option value="all">All</option>
            </select>
          </label>
        </div>
      </div>
      <PagedGrid
        id="computers"
        label={`Computers of ${serverName}`}
        columns={COLUMNS}
        rows={rows}
        selectable
        selected={selected?.index ?? null}
        onSelect={(index, computer) => setSelected(index === null ? null : { index, computer })}
        onKey={(e, _index, c) => {
          if (e.key !== 'Delete') return false;
          openRevoke(c);
          return true;
        }}
        rowClassName={(c) => (c.revokedAt ? 'revoked-row' : '')}
        emptyText={
          search
            ? 'No computer matches the name.'
            : state === 'revoked'
              ? 'No computer has been revoked.'
              : 'No computers yet. Register one to get the agent file it needs to sign users in with one-time passwords.'
        }
        onRetry={reload}
      />
    </div>
  );
}

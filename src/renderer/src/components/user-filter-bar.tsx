import { useEffect, useState } from 'react';
import { Button, Checkbox, Input, Label, Menu, MenuItem, MenuTrigger, Popover, SearchField, type Selection } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import { HideableColumnSchema, type HideableColumn } from '../../../shared/ipc/contract';
import { formatCount } from '../lib/format';
import { hasUserFilters, NO_USER_FILTERS, type UserFilters } from '../lib/list-filters';
import { PROVISIONING_FILTER_LABELS } from '../lib/provisioning-text';
import { selectedCount } from '../lib/selection';
import { useAppStore } from '../store/store';
import { ChevronDownIcon } from './icons';
import { USER_COLUMNS } from './user-columns';

/** The search box waits this long after the last key before asking the server. */
const SEARCH_DEBOUNCE_MS = 250;

function setFilters(patch: Partial<UserFilters>): void {
  const st = useAppStore.getState();
  if (st.query) st.setUserFilters({ ...st.query.filters, ...patch });
}

/** The count line: how many users match (all of them when nothing narrows the list), and how many are selected. */
function CountLine() {
  const { total, narrowed, count } = useAppStore(
    useShallow((s) => ({
      total: s.total,
      narrowed: !!s.query && (!!s.query.search || hasUserFilters(s.query.filters)),
      count: selectedCount(s.selection, s.total ?? 0),
    })),
  );
  let text = 'Loading…';
  if (total !== null) text = narrowed ? `${formatCount(total, 'user')} ${total === 1 ? 'matches' : 'match'}` : formatCount(total, 'user');
  return (
    <span className="count" aria-live="polite">
      {text}
      {count > 0 ? ` · ${formatCount(count, 'selected', 'selected')}` : ''}
    </span>
  );
}

/** Show or hide columns; Login always shows. Remembered by main across reloads. */
function ColumnChooser() {
  const hidden = useAppStore((s) => s.hiddenColumns);
  const shown: Selection = new Set(USER_COLUMNS.filter((c) => c.id === 'login' || !hidden.includes(c.id as HideableColumn)).map((c) => c.id));
  function onChange(keys: Selection) {
    if (keys === 'all') return;
    const st = useAppStore.getState();
    for (const id of HideableColumnSchema.options) {
      const wantHidden = !keys.has(id);
      if (wantHidden !== st.hiddenColumns.includes(id)) st.setColumnHidden(id as HideableColumn, wantHidden);
    }
  }
  return (
    <MenuTrigger>
      <Button className="button small menu-button">
        Columns
        <ChevronDownIcon />
      </Button>
      <Popover className="menu-popover" placement="bottom end">
        <Menu className="menu" aria-label="Columns" selectionMode="multiple" selectedKeys={shown} onSelectionChange={onChange} disabledKeys={['login']}>
          {USER_COLUMNS.map((c) => (
            <MenuItem key={c.id} id={c.id} className="menu-item" textValue={c.title}>
              {({ isSelected }) => (
                <>
                  <span className={`menu-check${isSelected ? ' on' : ''}`} aria-hidden="true" />
                  {c.title}
                </>
              )}
            </MenuItem>
          ))}
        </Menu>
      </Popover>
    </MenuTrigger>
  );
}

/**
 * The all-servers list's servers, in the tree's order: how many users each has under the search
 * and filters, or why it gives none (not connected, needs the code, its answer failed), with
 * Connect for those that want it.
 */
function SourcesLine() {
  const sources = useAppStore((s) => s.sources);
  return (
    <ul className="sources-line" aria-label="Servers in this list">
      {sources.map((src) => (
        <li key={src.serverId} className={`source ${src.state}`}>
          <span className="source-name">{src.name}</span>{' '}
          {src.state === 'ok' ? (
            <span>{src.total === null ? '…' : formatCount(src.total, 'user')}</span>
          ) : (
            <>
              <span className={src.state === 'failed' ? 'error-text' : 'muted'}>{src.state === 'offline' ? src.message : `failed: ${src.message ?? ''}`}</span>
              {src.state === 'offline' ? (
                <button type="button" className="link-button" onClick={() => useAppStore.getState().openDialog({ kind: 'connect', serverId: src.serverId })}>
                  Connect
                </button>
              ) : null}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Export list as CSV: every user the search and filters match, in the table's order; progress and Cancel while it runs. */
function ExportButton() {
  const { running, query } = useAppStore(useShallow((s) => ({ running: s.csvExport, query: s.query })));
  if (running?.list === 'users') {
    return (
      <span className="export-progress" role="status">
        Exporting {running.total > 0 ? `${running.done.toLocaleString('en-US')} of ${formatCount(running.total, 'user')}` : 'users'}…
        <Button className="button small" onPress={() => void useAppStore.getState().cancelCsvExport()} isDisabled={running.cancelling}>
          {running.cancelling ? 'Cancelling…' : 'Cancel'}
        </Button>
      </span>
    );
  }
  if (query?.serverId === null) {
    return (
      <span className="muted small-note" title="Open one server's Users to export its list as CSV">
        CSV export: one server at a time
      </span>
    );
  }
  return (
    <Button className="button small" isDisabled={!query || running !== null} onPress={() => void useAppStore.getState().exportUsersCsv()}>
      Export list as CSV
    </Button>
  );
}

/**
 * Over the user table: the search box, the filters (QR code, created since, signed in now,
 * two-step verification, account status, mobile provisioning), the column chooser, Export list as CSV and the count
 * line; in the all-servers list, each server's count. Every filter is applied by each server,
 * so it holds for 100,000 users as for 10.
 */
export function UserFilterBar() {
  const query = useAppStore((s) => s.query);
  const filters = query?.filters ?? NO_USER_FILTERS;
  const [text, setText] = useState(query?.search ?? '');
  const [forQuery, setForQuery] = useState(query?.serverId);
  // A different server starts with an empty search box (adjusting state during render, per React docs).
  if (forQuery !== query?.serverId) {
    setForQuery(query?.serverId);
    setText(query?.search ?? '');
  }

  useEffect(() => {
    const q = useAppStore.getState().query;
    if (!q || q.search === text.trim()) return;
    const t = setTimeout(() => {
      // The list as it is when the wait ends: another server (or All servers) chosen meanwhile keeps its own query.
      const now = useAppStore.getState().query;
      if (now && now.serverId === q.serverId && now.search !== text.trim()) useAppStore.getState().setUserQuery({ ...now, search: text.trim() });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text]);

  const narrowed = hasUserFilters(filters) || filters.qr === 'issuedBefore';

  return (
    <div className="filter-bar">
      <div className="bar-row">
        <SearchField className="search" value={text} onChange={setText} aria-label="Search users">
          <Label className="visually-hidden">Search users</Label>
          <Input placeholder="Search users" />
        </SearchField>
        <span className="spacer" />
        <CountLine />
        <ColumnChooser />
        <ExportButton />
      </div>
      <div className="bar-row" role="group" aria-label="Filters">
        <label className="filter">
          <span>QR code</span>
          <select aria-label="QR code" value={filters.qr} onChange={(e) => setFilters({ qr: e.target.value as UserFilters['qr'] })}>
            <option value="any">Any</option>
            <option value="never">Never issued</option>
            <option value="issued">Issued</option>
            <option value="issuedBefore">Issued before…</option>
          </select>
        </label>
        {filters.qr === 'issuedBefore' ? (
          <input
            type="date"
            className="date-input"
            aria-label="QR issued before"
            value={filters.qrBefore}
            onChange={(e) => setFilters({ qrBefore: e.target.value })}
          />
        ) : null}
        <label className="filter">
          <span>Created since</span>
          <input type="date" aria-label="Created since" className="date-input" value={filters.createdSince} onChange={(e) => setFilters({ createdSince: e.target.value })} />
        </label>
        <label className="filter">
          <span>2FA</span>
          <select aria-label="2FA" value={filters.twoStep} onChange={(e) => setFilters({ twoStep: e.target.value as UserFilters['twoStep'] })}>
            <option value="any">Any</option>
            <option value="enabled">Enabled</option>
            <option value="disabled">Not enabled</option>
          </select>
        </label>
        <label className="filter">
          <span>Status</span>
          <select aria-label="Status" value={filters.status} onChange={(e) => setFilters({ status: e.target.value as UserFilters['status'] })}>
            <option value="any">Any</option>
            <option value="active">Active</option>
            <option value="disabled">Disabled</option>
          </select>
        </label>
        <label className="filter">
          <span>Provisioning</span>
          <select
            aria-label="Provisioning"
            value={filters.provisioning}
            onChange={(e) => setFilters({ provisioning: e.target.value as UserFilters['provisioning'] })}
          >
            <option value="any">Any</option>
            {PROVISIONING_FILTER_LABELS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <Checkbox className="checkbox" isSelected={filters.signedInNow} onChange={(v) => setFilters({ signedInNow: v })}>
          <span className="checkbox-box" aria-hidden="true" />
          Signed in now
        </Checkbox>
        {narrowed ? (
          <button type="button" className="link-button" onClick={() => setFilters(NO_USER_FILTERS)}>
            Clear filters
          </button>
        ) : null}
      </div>
      {query?.serverId === null ? <SourcesLine /> : null}
    </div>
  );
}

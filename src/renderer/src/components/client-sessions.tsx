import { useCallback, useEffect, useState } from 'react';
import { Button, Checkbox, Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import {
  clientSessionFilterQuery,
  endReasonText,
  expiresInText,
  NO_CLIENT_SESSION_FILTERS,
  NO_PENDING_FILTERS,
  OTP_MODE_TEXT,
  pendingFilterQuery,
  type ClientSessionFilters,
  type PendingFilters,
} from '../lib/computer-signin';
import { formatCount, formatDateTime } from '../lib/format';
import { useAppStore } from '../store/store';
import { PagedGrid, usePagedRows, type GridColumn } from './paged-grid';

type ClientSession = ChannelOutput<'clientSessions:list'>['items'][number];
type PendingOtp = ChannelOutput<'emailOtp:pending'>['items'][number];

/** Typed filters wait this long after the last key before asking the server. */
const TYPING_DEBOUNCE_MS = 300;

/** A text filter as typed, applied a moment after the administrator stops typing. */
function useTypedFilter(value: string, apply: (v: string) => void): [string, (v: string) => void] {
  const [text, setText] = useState(value);
  const [shown, setShown] = useState(value);
  // Cleared from outside (Clear filters): the box follows (adjusting state during render, per React docs).
  if (value !== shown) {
    setShown(value);
    if (value === '') setText('');
  }
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => apply(text), TYPING_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, value, apply]);
  return [text, setText];
}

/** An emergency mark that is read out, not only coloured. */
function EmergencyMark({ on }: { on: boolean }) {
  return on ? <span className="emergency-mark">Emergency</span> : <span className="muted">—</span>;
}

const SESSION_COLUMNS: readonly GridColumn<ClientSession>[] = [
  // As the reference's Client Sessions list: `<signed-in user> (<email>)`.
  { id: 'userName', title: 'User Name', width: 'minmax(200px, 2.4fr)', cell: (s) => ({ text: s.userName, title: `${s.userName}; Gatepass user ${s.login}` }) },
  { id: 'computer', title: 'Computer', width: 'minmax(120px, 1.2fr)', cell: (s) => ({ text: s.computerName, title: s.computerName }) },
  { id: 'started', title: 'Start', width: '136px', cell: (s) => ({ text: formatDateTime(s.startedAt), title: s.startedAt }) },
  {
    id: 'ended',
    title: 'End',
    width: 'minmax(150px, 1fr)',
    cell: (s) =>
      s.endedAt === null
        ? { text: 'Ongoing', className: 'on' }
        : { text: `${formatDateTime(s.endedAt)} (${endReasonText(s)})`, title: s.endedAt },
  },
  { id: 'emergency', title: 'Emergency', width: '96px', cell: (s) => ({ text: <EmergencyMark on={s.emergency} /> }) },
];

const PENDING_COLUMNS: readonly GridColumn<PendingOtp>[] = [
  { id: 'user', title: 'User', width: 'minmax(110px, 1fr)', cell: (p) => ({ text: p.osUser ? `${p.login} (${p.osUser})` : p.login, title: p.login }) },
  { id: 'email', title: 'Email', width: 'minmax(150px, 1.4fr)', cell: (p) => ({ text: p.email, title: p.email }) },
  { id: 'computer', title: 'Computer', width: 'minmax(110px, 1fr)', cell: (p) => ({ text: p.computerName, title: p.computerName }) },
  { id: 'requested', title: 'Requested', width: '136px', cell: (p) => ({ text: formatDateTime(p.createdAt), title: `${p.createdAt}; ${OTP_MODE_TEXT[p.mode] ?? p.mode}` }) },
  { id: 'expires', title: 'Expires', width: '196px', cell: (p) => ({ text: `${formatDateTime(p.expiresAt)} (${expiresInText(p.expiresAt, Date.now())})`, title: p.expiresAt }) },
  { id: 'emergency', title: 'Emergency', width: '96px', cell: (p) => ({ text: <EmergencyMark on={p.emergency} /> }) },
  { id: 'sends', title: 'Mails', width: '60px', numeric: true, cell: (p) => ({ text: p.sends, title: `Last sent ${formatDateTime(p.lastSentAt)}` }) },
  { id: 'tries', title: 'Wrong tries', width: '90px', numeric: true, cell: (p) => ({ text: `${p.failedTries} of 5` }) },
];

/** Export as CSV of the sessions the filters match, with progress and Cancel while it runs. */
function SessionsExport({ serverId, filters }: { serverId: string; filters: ClientSessionFilters }) {
  const running = useAppStore(useShallow((s) => s.csvExport));
  if (running?.list === 'clientSessions') {
    return (
      <span className="export-progress" role="status">
        Exporting {running.total > 0 ? `${running.done.toLocaleString('en-US')} of ${formatCount(running.total, 'session')}` : 'sessions'}…
        <Button className="button small" onPress={() => void useAppStore.getState().cancelCsvExport()} isDisabled={running.cancelling}>
          {running.cancelling ? 'Cancelling…' : 'Cancel'}
        </Button>
      </span>
    );
  }
  return (
    <Button className="button small" isDisabled={running !== null} onPress={() => void useAppStore.getState().exportClientSessionsCsv(serverId, filters)}>
      Export as CSV
    </Button>
  );
}

/** The sessions: filters by user, email, computer and start day, ongoing and emergency only; the count and Export as CSV. */
function SessionsPanel({ serverId }: { serverId: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const [filters, setFilters] = useState<ClientSessionFilters>(NO_CLIENT_SESSION_FILTERS);
  const patch = useCallback((p: Partial<ClientSessionFilters>) => setFilters((f) => ({ ...f, ...p })), []);
  const [user, setUser] = useTypedFilter(filters.user, useCallback((v: string) => patch({ user: v }), [patch]));
  const [email, setEmail] = useTypedFilter(filters.email, useCallback((v: string) => patch({ email: v }), [patch]));
  const [computer, setComputer] = useTypedFilter(filters.computer, useCallback((v: string) => patch({ computer: v }), [patch]));
  const query = clientSessionFilterQuery(filters);
  const narrowed = Object.keys(query).length > 0;
  const rows = usePagedRows<ClientSession>(
    `${serverId}|${JSON.stringify(query)}`,
    (offset, limit) => window.gatepass.clientSessions.list({ serverId, offset, limit, ...query }),
    refreshTick,
  );
  const total = rows.total;

  return (
    <div className="table-pane">
      <div className="filter-bar">
        <div className="bar-row" role="group" aria-label="Filters">
          <label className="filter">
            <span>User</span>
            <input type="text" aria-label="User" className="text-input" value={user} onChange={(e) => setUser(e.target.value)} placeholder="account or login" spellCheck={false} />
          </label>
          <label className="filter">
            <span>Email</span>
            <input type="text" aria-label="Email" className="text-input wide" value={email} onChange={(e) => setEmail(e.target.value)} placeholder="address" spellCheck={false} />
          </label>
          <label className="filter">
            <span>Computer</span>
            <input type="text" aria-label="Computer" className="text-input" value={computer} onChange={(e) => setComputer(e.target.value)} placeholder="name" spellCheck={false} />
          </label>
          <span className="spacer" />
          <span className="count" aria-live="polite">
            {total === null ? 'Loading…' : `${formatCount(total, 'session')}${narrowed ? (total === 1 ? ' matches' : ' match') : ''}`}
          </span>
          <SessionsExport serverId={serverId} filters={filters} />
        </div>
        <div className="bar-row">
          <label className="filter">
            <span>Started from</span>
            <input type="date" aria-label="Started from" className="date-input" value={filters.from} onChange={(e) => patch({ from: e.target.value })} />
          </label>
          <label className="filter">
            <span>to</span>
            <input type="date" aria-label="Started to" className="date-input" value={filters.to} onChange={(e) => patch({ to: e.target.value })} />
          </label>
          <Checkbox className="checkbox" isSelected={filters.ongoing} onChange={(v) => patch({ ongoing: v })}>
            <span className="checkbox-box" aria-hidden="true" />
            Ongoing only
          </Checkbox>
          <Checkbox className="checkbox" isSelected={filters.emergency} onChange={(v) => patch({ emergency: v })}>
            <span className="checkbox-box" aria-hidden="true" />
            Emergency access only
          </Checkbox>
          {narrowed ? (
            <button type="button" className="link-button" onClick={() => setFilters(NO_CLIENT_SESSION_FILTERS)}>
              Clear filters
            </button>
          ) : null}
        </div>
      </div>
      <PagedGrid
        id="client-sessions"
        label="Client sessions"
        columns={SESSION_COLUMNS}
        rows={rows}
        rowClassName={(s) => (s.emergency ? 'emergency-row' : '')}
        emptyText={narrowed ? 'No client sessions match the filters.' : 'No client sessions yet: they start when a user signs in to a registered computer with a one-time password.'}
        onRetry={rows.reload}
      />
    </div>
  );
}

/** The passwords mailed and not used, void or expired yet: who asked, for which computer, until when. Never the password. */
function PendingPanel({ serverId }: { serverId: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const [filters, setFilters] = useState<PendingFilters>(NO_PENDING_FILTERS);
  const patch = useCallback((p: Partial<PendingFilters>) => setFilters((f) => ({ ...f, ...p })), []);
  const [search, setSearch] = useTypedFilter(filters.search, useCallback((v: string) => patch({ search: v }), [patch]));
  const query = pendingFilterQuery(filters);
  const narrowed = Object.keys(query).length > 0;
  const rows = usePagedRows<PendingOtp>(
    `${serverId}|${JSON.stringify(query)}`,
    (offset, limit) => window.gatepass.emailOtp.pending({ serverId, offset, limit, ...query }),
    refreshTick,
  );
  const total = rows.total;
  return (
    <div className="table-pane">
      <div className="filter-bar">
        <div className="bar-row" role="group" aria-label="Filters">
          <label className="filter">
            <span>Search</span>
            <input
              type="search"
              aria-label="Search pending requests"
              className="text-input wide"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="login, email or computer"
              spellCheck={false}
            />
          </label>
          <label className="filter">
            <span>Requested from</span>
            <input type="date" aria-label="Requested from" className="date-input" value={filters.from} onChange={(e) => patch({ from: e.target.value })} />
          </label>
          <label className="filter">
            <span>to</span>
            <input type="date" aria-label="Requested to" className="date-input" value={filters.to} onChange={(e) => patch({ to: e.target.value })} />
          </label>
          {narrowed ? (
            <button type="button" className="link-button" onClick={() => setFilters(NO_PENDING_FILTERS)}>
              Clear filters
            </button>
          ) : null}
          <span className="spacer" />
          <span className="count" aria-live="polite">
            {total === null ? 'Loading…' : `${formatCount(total, 'pending request')}${narrowed ? (total === 1 ? ' matches' : ' match') : ''}`}
          </span>
        </div>
        <p className="note">
          One-time passwords mailed and still usable. The passwords themselves are never shown: the server keeps only what checks them.
        </p>
      </div>
      <PagedGrid
        id="pending-otps"
        label="Pending requests"
        columns={PENDING_COLUMNS}
        rows={rows}
        rowClassName={(p) => (p.emergency ? 'emergency-row' : '')}
        emptyText={narrowed ? 'No pending requests match the filters.' : 'No one-time password is pending.'}
        onRetry={rows.reload}
      />
    </div>
  );
}

/**
 * A server's Client sessions: users' sign-ins to registered computers with one-time passwords
 * by email, the User Name column as the reference shows it (`<signed-in user> (<email>)`), and
 * on a second tab the requests still pending.
 */
export function ClientSessionsView({ serverId }: { serverId: string }) {
  return (
    <Tabs className="view-tabs">
      <TabList aria-label="Client sessions" className="view-tab-list">
        <Tab id="sessions" className="view-tab">
          Sessions
        </Tab>
        <Tab id="pending" className="view-tab">
          Pending requests
        </Tab>
      </TabList>
      <TabPanel id="sessions" className="view-tab-panel">
        <SessionsPanel serverId={serverId} />
      </TabPanel>
      <TabPanel id="pending" className="view-tab-panel">
        <PendingPanel serverId={serverId} />
      </TabPanel>
    </Tabs>
  );
}

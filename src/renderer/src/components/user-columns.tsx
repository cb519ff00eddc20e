import type { CSSProperties, ReactNode } from 'react';
import type { HideableColumn } from '../../../shared/ipc/contract';
import type { UserSort } from '../../../shared/model/user';
import { formatDateTime } from '../lib/format';
import { provisioningText } from '../lib/provisioning-text';
import type { UserQuery, UserRow } from '../store/types';
import { DisabledMarker } from './user-status';

/** A column of the user grid: what it shows, how wide it is, and what the server sorts it by. */
export interface UserColumn {
  readonly id: 'login' | 'server' | HideableColumn;
  readonly title: string;
  /** What the server sorts it by; null: not sortable (the all-servers list is grouped by server). */
  readonly sort: UserSort | null;
  /** Its track in the grid's `grid-template-columns`. */
  readonly width: string;
  readonly cell: (u: UserRow) => { text: ReactNode; className?: string; title?: string };
  /** The placeholder bar's width class while the row loads. */
  readonly skeleton: 'w30' | 'w60' | 'w80' | 'w90';
}

/** Every column in display order; Login always shows (it names the row), the others can be hidden. */
export const USER_COLUMNS: readonly UserColumn[] = [
  {
    id: 'login',
    title: 'Login',
    sort: 'login',
    width: 'minmax(110px, 1.2fr)',
    skeleton: 'w60',
    // A disabled user's login carries the marker, read out with it ("a.berg disabled").
    cell: (u) => ({
      text: (
        <>
          {u.login}
          <DisabledMarker user={u} />
        </>
      ),
      title: u.login,
    }),
  },
  {
    id: 'displayName',
    title: 'Display name',
    sort: 'displayName',
    width: 'minmax(120px, 1.5fr)',
    skeleton: 'w80',
    cell: (u) => ({ text: u.displayName, title: u.displayName }),
  },
  { id: 'email', title: 'Email', sort: 'email', width: 'minmax(140px, 2fr)', skeleton: 'w90', cell: (u) => ({ text: u.email, title: u.email }) },
  {
    id: 'totp',
    title: '2FA',
    sort: 'totp',
    width: '60px',
    skeleton: 'w30',
    cell: (u) => ({ text: u.totpEnabled ? 'on' : 'off', className: u.totpEnabled ? 'on' : 'muted' }),
  },
  { id: 'qrIssuedAt', title: 'QR issued', sort: 'qrIssuedAt', width: '136px', skeleton: 'w60', cell: (u) => ({ text: formatDateTime(u.qrIssuedAt) }) },
  { id: 'sessions', title: 'Sessions', sort: 'sessions', width: '96px', skeleton: 'w30', cell: (u) => ({ text: u.activeSessions, className: 'num' }) },
  // Directory or internal: which automatic one-time-password option reaches the user (Settings, Computer sign-in).
  {
    id: 'source',
    title: 'Source',
    sort: null,
    width: '84px',
    skeleton: 'w60',
    cell: (u) => (u.source === 'directory' ? { text: 'Directory', title: 'A directory user: found by the account signed in on a computer' } : { text: 'Internal', className: 'muted' }),
  },
  {
    // The server filters by it (the Provisioning filter) but does not sort by it.
    id: 'provisioning',
    title: 'Provisioning',
    sort: null,
    // "provisioned on 2026-12-06 14:15" in full.
    width: 'minmax(214px, 1.3fr)',
    skeleton: 'w80',
    cell: (u) => {
      const text = provisioningText(u.provisioning);
      return { text, className: u.provisioning.state === 'none' ? 'muted' : u.provisioning.state === 'expired' ? 'warn' : undefined, title: u.provisioning.at ? `${text} (${u.provisioning.at})` : text };
    },
  },
];

/**
 * The all-servers list's first column: the user's server. Not sortable: the list is the
 * servers one after another in the tree's order, each sorted on its own.
 */
export const SERVER_COLUMN: UserColumn = {
  id: 'server',
  title: 'Server',
  sort: null,
  width: 'minmax(90px, 1fr)',
  skeleton: 'w60',
  cell: (u) => ({ text: u.serverName, title: u.serverName }),
};

/** The columns shown, in order; the all-servers list starts with the server. */
export function visibleColumns(hidden: readonly HideableColumn[], allServers = false): readonly UserColumn[] {
  const shown = USER_COLUMNS.filter((c) => c.id === 'login' || !hidden.includes(c.id as HideableColumn));
  return allServers ? [SERVER_COLUMN, ...shown] : shown;
}

/** The grid's column tracks as a CSS variable: the check box, then each shown column. */
export function columnStyle(columns: readonly UserColumn[]): CSSProperties {
  return { '--cols': `28px ${columns.map((c) => c.width).join(' ')}` } as CSSProperties;
}

/** A loaded row's cells. */
export function UserCells({ user, columns }: { user: UserRow; columns: readonly UserColumn[] }) {
  return (
    <>
      {columns.map((c) => {
        const { text, className, title } = c.cell(user);
        return (
          <div key={c.id} role="gridcell" className={`cell${className ? ` ${className}` : ''}`} title={title}>
            {text}
          </div>
        );
      })}
    </>
  );
}

/** A row whose page is still on its way. */
export function PlaceholderCells({ columns }: { columns: readonly UserColumn[] }) {
  return (
    <>
      {columns.map((c, i) => (
        <div key={c.id} role="gridcell" className="cell">
          <span className={`skeleton ${c.skeleton}`} />
          {i === 0 ? <span className="visually-hidden">Loading…</span> : null}
        </div>
      ))}
    </>
  );
}

/** The header cells: every column sorts on the server, ascending first, and says how it is sorted (aria-sort). */
export function UserHeaderCells({ columns, query, onSort }: { columns: readonly UserColumn[]; query: UserQuery | null; onSort: (sort: UserSort) => void }) {
  return (
    <>
      {columns.map((c) => {
        const sort = c.sort;
        if (sort === null) {
          return (
            <div key={c.id} role="columnheader" className="cell">
              <span className="sort-button static">{c.title}</span>
            </div>
          );
        }
        const sorted = query?.sort === sort;
        const ascending = query?.order === 'asc';
        return (
          <div key={c.id} role="columnheader" className={`cell${c.id === 'sessions' ? ' num' : ''}`} aria-sort={sorted ? (ascending ? 'ascending' : 'descending') : 'none'}>
            <button type="button" className="sort-button" onClick={() => onSort(sort)}>
              {c.title}
              <span className="sort-mark" aria-hidden="true">
                {sorted ? (ascending ? '▲' : '▼') : ''}
              </span>
            </button>
          </div>
        );
      })}
    </>
  );
}

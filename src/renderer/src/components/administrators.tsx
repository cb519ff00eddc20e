import { useCallback, useEffect, useId, useState } from 'react';
import { Button } from 'react-aria-components';
import type { AdminSummary } from '../../../shared/api/admins';
import { adminActionReasons, adminCountText } from '../lib/admin-actions';
import { formatDateTime } from '../lib/format';
import { useAppStore } from '../store/store';
import { PagedGrid, usePagedRows, type GridColumn } from './paged-grid';

const COLUMNS: readonly GridColumn<AdminSummary>[] = [
  {
    id: 'login',
    title: 'Login',
    width: 'minmax(160px, 1.6fr)',
    cell: (a) => ({
      text: (
        <>
          {a.login}
          {a.you ? <span className="you-mark"> (you)</span> : null}
        </>
      ),
      title: a.you ? `${a.login}: the administrator signed in here` : a.login,
    }),
  },
  {
    id: 'state',
    title: 'State',
    width: 'minmax(180px, 1.2fr)',
    cell: (a) => (a.disabledAt ? { text: `Disabled since ${formatDateTime(a.disabledAt)}`, title: a.disabledAt, className: 'revoked-mark' } : { text: 'Enabled' }),
  },
  { id: 'twoStep', title: 'Two-step verification', width: '160px', cell: (a) => (a.twoStep ? { text: 'On' } : { text: 'Off', className: 'muted' }) },
  { id: 'created', title: 'Created', width: '136px', cell: (a) => ({ text: formatDateTime(a.createdAt), title: a.createdAt }) },
];

/**
 * A server's administrators (issue 12): login ("you" on the one signed in here), enabled or
 * disabled since when, two-step verification, created. Add administrator… asks for a login and a
 * password the server's policy accepts; Disable…/Enable… confirm, naming the administrator;
 * Change password… asks for your current password when it is yours. The list is reread after
 * each action and on Refresh.
 */
export function AdministratorsView({ serverId, serverName }: { serverId: string; serverName: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const reasonId = useId();
  const [all, setAll] = useState<readonly AdminSummary[] | null>(null);
  const [selected, setSelected] = useState<{ index: number; admin: AdminSummary | undefined } | null>(null);
  // The server answers every administrator at once (a handful); the grid shows them as it shows every list.
  const fetchPage = useCallback(
    async (offset: number, limit: number) => {
      const { items } = await window.gatepass.admins.list({ serverId });
      if (offset === 0) setAll(items);
      return { total: items.length, items: items.slice(offset, offset + limit) };
    },
    [serverId],
  );
  const rows = usePagedRows<AdminSummary>(serverId, fetchPage, refreshTick);
  const { reload, generation } = rows;

  useEffect(() => {
    // A reload (after an action, F5): the same administrator stays selected, at the row they are
    // at now, so disabling and enabling again is one key each; gone from the list, nothing is.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSelected((sel) => {
      const id = sel?.admin?.id;
      const index = id && all ? all.findIndex((a) => a.id === id) : -1;
      return index >= 0 && all ? { index, admin: all[index] } : null;
    });
  }, [generation, all]);

  const chosen = selected ? (selected.admin ?? rows.rowAt(selected.index)) : undefined;
  const reasons = adminActionReasons(chosen);
  const note = !chosen ? reasons.password : chosen.you ? `Selected: ${chosen.login} (you). ${reasons.disable ?? ''}` : `Selected: ${chosen.login}${reasons.disable ? `. ${reasons.disable}` : ''}`;

  const open = useAppStore.getState().openDialog;
  const openAdd = useCallback(() => useAppStore.getState().openDialog({ kind: 'addAdmin', serverId, onDone: reload }), [serverId, reload]);
  const openState = useCallback(
    (a: AdminSummary, action: 'disable' | 'enable') => {
      const reason = adminActionReasons(a)[action];
      if (reason !== null) {
        // Said, not ignored: Delete on your own row tells why it does nothing.
        useAppStore.getState().showNotice({ tone: 'error', text: reason });
        return;
      }
      useAppStore.getState().openDialog({ kind: 'adminState', serverId, admin: { id: a.id, login: a.login }, action, onDone: reload });
    },
    [serverId, reload],
  );

  return (
    <div className="table-pane">
      <div className="filter-bar">
        <div className="bar-row">
          <Button className="button primary small" onPress={openAdd}>
            Add administrator…
          </Button>
          <Button
            className="button small danger-outline"
            isDisabled={reasons.disable !== null}
            aria-describedby={reasons.disable ? reasonId : undefined}
            onPress={() => chosen && openState(chosen, 'disable')}
          >
            Disable…
          </Button>
          <Button className="button small" isDisabled={reasons.enable !== null} aria-describedby={reasons.enable ? reasonId : undefined} onPress={() => chosen && openState(chosen, 'enable')}>
            Enable…
          </Button>
          <Button
            className="button small"
            isDisabled={reasons.password !== null}
            aria-describedby={reasons.password ? reasonId : undefined}
            onPress={() => chosen && open({ kind: 'adminPassword', serverId, admin: { id: chosen.id, login: chosen.login, you: chosen.you }, onDone: reload })}
          >
            Change password…
          </Button>
          <span className="spacer" />
          <span className="count" aria-live="polite">
            {rows.total === null || !all ? 'Loading…' : adminCountText(all)}
          </span>
        </div>
        {/* Why a button is greyed out, under them (not in them, where it would become part of their names), on a line of its own so the list does not move as it changes. */}
        <div className="bar-row">
          <span id={reasonId} className="muted small-note">
            {note || '\u00a0'}
          </span>
        </div>
      </div>
      <PagedGrid
        id="administrators"
        label={`Administrators of ${serverName}`}
        columns={COLUMNS}
        rows={rows}
        selectable
        selected={selected?.index ?? null}
        onSelect={(index, admin) => setSelected(index === null ? null : { index, admin })}
        onKey={(e, _index, a) => {
          // Delete disables, as it revokes a computer; Enter changes the password.
          if (e.key === 'Delete') {
            openState(a, 'disable');
            return true;
          }
          if (e.key === 'Enter') {
            useAppStore.getState().openDialog({ kind: 'adminPassword', serverId, admin: { id: a.id, login: a.login, you: a.you }, onDone: reload });
            return true;
          }
          return false;
        }}
        rowClassName={(a) => (a.disabledAt ? 'revoked-row' : '')}
        emptyText="No administrators."
        onRetry={reload}
      />
    </div>
  );
}

// Page (b)/(c): the same users in react-aria-components' Table inside a Virtualizer with
// TableLayout (fixed row height), multiple selection with checkboxes, "replace" selection
// behaviour (click / arrows select, Ctrl+click / Ctrl+Space toggle), as a port of
// user-table.tsx would be written.
import '../../src/renderer/src/csp-setup';
import '../../src/renderer/src/styles.css';
import './rac.css';
import { memo, useMemo, useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { Cell, Checkbox, Column, Input, Label, Row, SearchField, Table, TableBody, TableHeader, TableLayout, Virtualizer, type Selection } from 'react-aria-components';
import { formatCount, formatDateTime } from '../../src/renderer/src/lib/format';
import type { User } from '../../src/shared/model/user';
import { makeUsers } from './data';
import { install } from './harness';

const ROW_H = 24; // the same as user-table.tsx
let users: User[] = [];
/** 'controlled': selectedKeys lives in the component that renders the Table (what a straight port
 * to a store does); 'uncontrolled': the Table owns it and only the count line re-renders. */
let selectionMode: 'controlled' | 'uncontrolled' = 'controlled';
/** false: header and body JSX re-created on every render (the straightforward way to write it). */
let memoContent = true;

// A tiny store for the count line in 'uncontrolled' mode.
let countValue = 0;
const countListeners = new Set<() => void>();
function setCount(n: number) {
  countValue = n;
  for (const l of countListeners) l();
}
function useCount() {
  return useSyncExternalStore(
    (l) => {
      countListeners.add(l);
      return () => countListeners.delete(l);
    },
    () => countValue,
  );
}

function SelectionBox() {
  return (
    <Checkbox slot="selection" className="rac-check">
      <span className="fake-check" aria-hidden="true" />
    </Checkbox>
  );
}

function Bar({ total, count }: { total: number; count: number }) {
  return (
      <div className="table-bar">
        {/* The same search box as user-table.tsx, so both grids get the same height. */}
        <SearchField className="search" aria-label="Search users">
          <Label className="visually-hidden">Search users</Label>
          <Input placeholder="Search users" />
        </SearchField>
        <span className="spacer" />
        <span className="count" aria-live="polite">
          {formatCount(total, 'user')}
          {count > 0 ? ` · ${formatCount(count, 'selected', 'selected')}` : ''}
        </span>
      </div>
  );
}

function CountBar({ total }: { total: number }) {
  return <Bar total={total} count={useCount()} />;
}

function ControlledUsersTable({ items }: { items: User[] }) {
  const [selected, setSelected] = useState<Selection>(new Set());
  return (
    <div className="table-pane">
      <Bar total={items.length} count={selected === 'all' ? items.length : selected.size} />
      <UsersGrid items={items} selectedKeys={selected} onSelectionChange={setSelected} />
    </div>
  );
}

function UncontrolledUsersTable({ items }: { items: User[] }) {
  return (
    <div className="table-pane">
      <CountBar total={items.length} />
      <UsersGrid items={items} onSelectionChange={(s) => setCount(s === 'all' ? items.length : s.size)} />
    </div>
  );
}

function renderRow(u: User) {
  return (
    <Row id={u.id} textValue={u.login} className="rac-row">
      <Cell className="cell check-cell"><SelectionBox /></Cell>
      <Cell className="cell">{u.login}</Cell>
      <Cell className="cell">{u.displayName}</Cell>
      <Cell className="cell">{u.email}</Cell>
      <Cell className={`cell ${u.totpEnabled ? 'on' : 'muted'}`}>{u.totpEnabled ? 'on' : 'off'}</Cell>
      <Cell className="cell">{formatDateTime(u.qrIssuedAt)}</Cell>
      <Cell className="cell num">{u.activeSessions}</Cell>
    </Row>
  );
}

/**
 * The table's header and body. `render` is the row renderer: the stable `renderRow`, or a new
 * arrow per render, which is what an application that does not memoise would pass.
 */
function tableContent(items: User[], render: (u: User) => ReturnType<typeof renderRow>) {
  return (
    <>
      <TableHeader>
        <Column id="check" width={28} minWidth={28}>
          <SelectionBox />
        </Column>
        <Column id="login" isRowHeader width="1.2fr" minWidth={110}>Login</Column>
        <Column id="displayName" width="1.5fr" minWidth={120}>Display name</Column>
        <Column id="email" width="2fr" minWidth={140}>Email</Column>
        <Column id="totp" width={48}>2FA</Column>
        <Column id="qr" width={130}>QR issued</Column>
        <Column id="sessions" width={78}>Sessions</Column>
      </TableHeader>
      <TableBody items={items}>{render}</TableBody>
    </>
  );
}

const UsersGrid = memo(function UsersGrid({ items, selectedKeys, onSelectionChange }: { items: User[]; selectedKeys?: Selection; onSelectionChange: (s: Selection) => void }) {
  // The header and body elements are memoised: re-created elements would mark the columns
  // dirty in react-aria's collection document, which then copies its whole key map (O(rows)).
  const content = useMemo(() => tableContent(items, renderRow), [items]);
  const naive = tableContent(items, (u) => renderRow(u));
  return (
      <Virtualizer layout={TableLayout} layoutOptions={{ rowHeight: ROW_H, headingHeight: ROW_H }}>
        <Table
          aria-label="Users"
          className="rac-grid"
          selectionMode="multiple"
          selectionBehavior="replace"
          {...(selectedKeys ? { selectedKeys } : {})}
          onSelectionChange={onSelectionChange}
        >
          {memoContent ? content : naive}
        </Table>
      </Virtualizer>
  );
});

install({
  rowH: ROW_H,
  prepare(n, opts) {
    users = makeUsers(n);
    if (opts?.selection) selectionMode = opts.selection;
    if (opts?.memo === false) memoContent = false;
  },
  async mount() {
    const root = createRoot(document.getElementById('root')!);
    const t0 = performance.now();
    root.render(selectionMode === 'controlled' ? <ControlledUsersTable items={users} /> : <UncontrolledUsersTable items={users} />);
    const t1 = await window.bench.waitFor(() => document.querySelectorAll('[role="row"][aria-rowindex]').length > 10 && !!window.bench.rowEl(0)?.textContent);
    return t1 === null ? null : t1 - t0;
  },
  scroller() {
    return { el: document.querySelector<HTMLElement>('.rac-grid')!, headerPx: ROW_H };
  },
});

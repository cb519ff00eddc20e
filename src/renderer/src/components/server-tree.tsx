import { useMemo, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { Menu, MenuItem, Popover } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import type { Server } from '../../../shared/model/server';
import { STATUS_TEXT, wantsConnect } from '../lib/server-status';
import { ALL_SERVERS_FROM } from '../store/servers-slice';
import { useAppStore } from '../store/store';
import type { View } from '../store/types';
import { ClientSessionIcon, ComputerIcon } from './computer-icons';
import { AdminsIcon, ChevronIcon, ListIcon, ServerIcon, SettingsIcon, UsersIcon } from './icons';

/**
 * The navigation tree, following the WAI-ARIA tree pattern (role tree/treeitem/group,
 * roving tabindex, arrows/Home/End). React Aria's Tree renders a treegrid of rows, which
 * names items differently from what assistive tech and our end-to-end tests expect of a
 * plain navigation tree, so the pattern is implemented here on the same keyboard model.
 */

type Node =
  | { kind: 'all'; key: string }
  | { kind: 'server'; key: string; server: Server }
  | { kind: 'section'; key: string; server: Server; section: View['section'] };

/** The "All servers" node's key: server ids are UUIDs, so it cannot collide with one. */
const ALL_KEY = '*all';

const SECTIONS: { section: View['section']; label: string }[] = [
  { section: 'users', label: 'Users' },
  { section: 'clientSessions', label: 'Client sessions' },
  { section: 'computers', label: 'Computers' },
  { section: 'admins', label: 'Administrators' },
  { section: 'audit', label: 'Audit' },
  { section: 'settings', label: 'Settings' },
];

function keyOf(serverId: string, section?: string) {
  return section ? `${serverId}/${section}` : serverId;
}

type ServerAction = 'connect' | 'edit' | 'settings' | 'remove';

/** What a server's context menu does (right-click, the Menu key or Shift+F10 on it). */
function runServerAction(server: Server, action: ServerAction): void {
  const st = useAppStore.getState();
  if (action === 'connect') st.openDialog({ kind: 'connect', serverId: server.id });
  else if (action === 'edit') st.openDialog({ kind: 'editServer', serverId: server.id });
  else if (action === 'settings') st.requestView({ serverId: server.id, section: 'settings' });
  else if (!server.embedded) st.openDialog({ kind: 'removeServer', serverId: server.id });
}

/** The context menu of a server node, under its row. */
function ServerMenu({ server, anchor, onClose }: { server: Server; anchor: RefObject<HTMLElement | null>; onClose: () => void }) {
  return (
    <Popover className="menu-popover" triggerRef={anchor} isOpen onOpenChange={(open) => !open && onClose()} placement="bottom start">
      <Menu
        className="menu"
        aria-label={`${server.name} actions`}
        autoFocus="first"
        onAction={(key) => {
          onClose();
          runServerAction(server, key as ServerAction);
        }}
      >
        {server.status !== 'connected' ? (
          <MenuItem id="connect" className="menu-item">
            Connect…
          </MenuItem>
        ) : null}
        <MenuItem id="edit" className="menu-item">
          {server.embedded ? 'Rename…' : 'Rename or change address…'}
          <kbd className="menu-key">F2</kbd>
        </MenuItem>
        <MenuItem id="settings" className="menu-item">
          Settings
        </MenuItem>
        {server.embedded ? null : (
          <MenuItem id="remove" className="menu-item">
            Remove from the console…
            <kbd className="menu-key">Del</kbd>
          </MenuItem>
        )}
      </Menu>
    </Popover>
  );
}

/** The server tree on the left: servers, each with Users, Client sessions, Computers, Audit and Settings. */
export function ServerTree() {
  const { servers, view, serversLoaded, serversError } = useAppStore(
    useShallow((s) => ({ servers: s.servers, view: s.view, serversLoaded: s.serversLoaded, serversError: s.serversError })),
  );
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [focusKey, setFocusKey] = useState<string | null>(null);
  /** The server whose context menu is open, if any. */
  const [menuFor, setMenuFor] = useState<string | null>(null);
  const menuAnchor = useRef<HTMLElement | null>(null);
  const refs = useRef(new Map<string, HTMLDivElement>());

  const showAll = servers.length >= ALL_SERVERS_FROM;
  // The visible nodes in order: what Up/Down walk through.
  const visible = useMemo(() => {
    const out: Node[] = [];
    if (servers.length >= ALL_SERVERS_FROM) out.push({ kind: 'all', key: ALL_KEY });
    for (const server of servers) {
      out.push({ kind: 'server', key: keyOf(server.id), server });
      if (!collapsed.has(server.id)) {
        for (const s of SECTIONS) out.push({ kind: 'section', key: keyOf(server.id, s.section), server, section: s.section });
      }
    }
    return out;
  }, [servers, collapsed]);

  const selectedKey = view ? (view.serverId === null ? ALL_KEY : keyOf(view.serverId, view.section)) : null;
  const tabKey = visible.some((n) => n.key === focusKey) ? focusKey : (selectedKey ?? visible[0]?.key ?? null);

  function focus(key: string | undefined) {
    if (!key) return;
    setFocusKey(key);
    refs.current.get(key)?.focus();
  }

  function setExpanded(serverId: string, expanded: boolean) {
    const next = new Set(collapsed);
    if (expanded) next.delete(serverId);
    else next.add(serverId);
    setCollapsed(next);
  }

  function openMenu(serverId: string) {
    menuAnchor.current = refs.current.get(keyOf(serverId))?.querySelector<HTMLElement>('.tree-row') ?? null;
    setMenuFor(serverId);
  }

  function closeMenu() {
    const key = menuFor ? keyOf(menuFor) : null;
    setMenuFor(null);
    // Back to the node the menu was opened on, unless a dialog took focus.
    if (key) requestAnimationFrame(() => useAppStore.getState().dialog.kind === 'none' && refs.current.get(key)?.focus());
  }

  function activate(node: Node) {
    const { requestView, openDialog } = useAppStore.getState();
    if (node.kind === 'all') {
      requestView({ serverId: null, section: 'users' });
    } else if (node.kind === 'section') {
      // Asks first when the view being left has unsaved edits (Settings).
      requestView({ serverId: node.server.id, section: node.section });
    } else if (node.server.status === 'needs-password' || node.server.status === 'needs-code') {
      openDialog({ kind: 'connect', serverId: node.server.id });
    } else if (node.server.status === 'key-changed') {
      // Its key changed: Enter opens the review of the new key (Edit server), which nothing else trusts.
      openDialog({ kind: 'editServer', serverId: node.server.id });
    } else {
      setExpanded(node.server.id, collapsed.has(node.server.id));
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>, node: Node) {
    const i = visible.findIndex((n) => n.key === node.key);
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        focus(visible[i + 1]?.key);
        break;
      case 'ArrowUp':
        focus(visible[i - 1]?.key);
        break;
      case 'Home':
        focus(visible[0]?.key);
        break;
      case 'End':
        focus(visible[visible.length - 1]?.key);
        break;
      case 'ArrowRight':
        if (node.kind === 'server') {
          if (collapsed.has(node.server.id)) setExpanded(node.server.id, true);
          else focus(keyOf(node.server.id, SECTIONS[0]?.section));
        }
        break;
      case 'ArrowLeft':
        if (node.kind === 'section') focus(keyOf(node.server.id));
        else if (node.kind === 'server' && !collapsed.has(node.server.id)) setExpanded(node.server.id, false);
        break;
      case 'Enter':
      case ' ':
        activate(node);
        break;
      case 'Delete':
        // The embedded local server comes back at every start, so it cannot be removed.
        if (node.kind === 'server' && !node.server.embedded) useAppStore.getState().openDialog({ kind: 'removeServer', serverId: node.server.id });
        break;
      case 'F2':
        // Rename, as in a file manager's tree.
        if (node.kind === 'server') useAppStore.getState().openDialog({ kind: 'editServer', serverId: node.server.id });
        break;
      case 'ContextMenu':
        if (node.kind === 'server') openMenu(node.server.id);
        break;
      case 'F10':
        if (e.shiftKey && node.kind === 'server') openMenu(node.server.id);
        else handled = false;
        break;
      default:
        handled = false;
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  const register = (key: string) => (el: HTMLDivElement | null) => {
    if (el) refs.current.set(key, el);
    else refs.current.delete(key);
  };

  if (!serversLoaded) return <div className="tree-empty">Loading servers…</div>;
  if (serversError) return <div className="tree-empty error-text" role="alert">{serversError}</div>;
  if (servers.length === 0) return <div className="tree-empty">No servers yet. Use Add server.</div>;

  return (
    <div role="tree" aria-label="Servers" className="tree">
      {showAll ? (
        <div
          ref={(el) => {
            if (el) refs.current.set(ALL_KEY, el);
            else refs.current.delete(ALL_KEY);
          }}
          role="treeitem"
          aria-level={1}
          aria-selected={selectedKey === ALL_KEY}
          aria-label="All servers"
          aria-describedby="tree-all-hint"
          tabIndex={tabKey === ALL_KEY ? 0 : -1}
          className="treeitem"
          onKeyDown={(e) => onKeyDown(e, { kind: 'all', key: ALL_KEY })}
          onFocus={() => setFocusKey(ALL_KEY)}
          onClick={() => {
            focus(ALL_KEY);
            activate({ kind: 'all', key: ALL_KEY });
          }}
        >
          <div className={`tree-row level-1 all-servers${selectedKey === ALL_KEY ? ' selected' : ''}`}>
            <UsersIcon />
            <span className="tree-label">All servers</span>
          </div>
          <div className="tree-status-line">
            <span id="tree-all-hint" className="tree-status">
              the users of every server
            </span>
          </div>
        </div>
      ) : null}
      {servers.map((server) => {
        const expanded = !collapsed.has(server.id);
        const key = keyOf(server.id);
        const node: Node = { kind: 'server', key, server };
        const statusId = `srv-status-${server.id}`;
        return (
          <div
            key={server.id}
            ref={register(key)}
            role="treeitem"
            aria-level={1}
            aria-expanded={expanded}
            aria-selected={false}
            aria-label={server.name}
            aria-describedby={statusId}
            tabIndex={tabKey === key ? 0 : -1}
            className="treeitem"
            onKeyDown={(e) => onKeyDown(e, node)}
            onFocus={(e) => {
              if (e.target === e.currentTarget) setFocusKey(key);
            }}
          >
            <div
              className={`tree-row level-1 status-${server.status}`}
              onClick={() => { focus(key); setExpanded(server.id, !expanded); }}
              onContextMenu={(e) => {
                e.preventDefault();
                focus(key);
                openMenu(server.id);
              }}
            >
              <span className={`chevron${expanded ? ' open' : ''}`}>
                <ChevronIcon />
              </span>
              <ServerIcon />
              <span className="tree-label" title={server.url}>
                {server.name}
              </span>
              <span className="status-dot" aria-hidden="true" title={STATUS_TEXT[server.status]} />
            </div>
            <div className="tree-status-line">
              <span id={statusId} className="tree-status">
                {STATUS_TEXT[server.status]}
                {server.statusMessage && server.status !== 'connected' ? <span className="visually-hidden">: {server.statusMessage}</span> : null}
              </span>
              {wantsConnect(server.status) ? (
                <button
                  type="button"
                  tabIndex={-1}
                  className="link-button"
                  onClick={(e) => {
                    e.stopPropagation();
                    useAppStore.getState().openDialog({ kind: 'connect', serverId: server.id });
                  }}
                >
                  Connect
                </button>
              ) : null}
              {server.status === 'key-changed' ? (
                <button
                  type="button"
                  tabIndex={-1}
                  className="link-button"
                  aria-label={`Review the new key of ${server.name}`}
                  onClick={(e) => {
                    e.stopPropagation();
                    useAppStore.getState().openDialog({ kind: 'editServer', serverId: server.id });
                  }}
                >
                  Review
                </button>
              ) : null}
              <button
                type="button"
                tabIndex={-1}
                className="link-button subtle edit"
                aria-label={`Edit ${server.name}`}
                title="Rename this server or change its address (F2)"
                onClick={(e) => {
                  e.stopPropagation();
                  useAppStore.getState().openDialog({ kind: 'editServer', serverId: server.id });
                }}
              >
                Edit
              </button>
              {server.embedded ? null : (
                <button
                  type="button"
                  tabIndex={-1}
                  className="link-button subtle"
                  aria-label={`Remove ${server.name}`}
                  title="Remove this server from the console (Delete)"
                  onClick={(e) => {
                    e.stopPropagation();
                    useAppStore.getState().openDialog({ kind: 'removeServer', serverId: server.id });
                  }}
                >
                  Remove
                </button>
              )}
            </div>
            {server.statusMessage && server.status !== 'connected' ? (
              <div className="tree-message" aria-hidden="true" title={server.statusMessage}>
                {server.statusMessage}
              </div>
            ) : null}
            {expanded ? (
              <div role="group">
                {SECTIONS.map((s) => {
                  const childKey = keyOf(server.id, s.section);
                  const child: Node = { kind: 'section', key: childKey, server, section: s.section };
                  return (
                    <div
                      key={s.section}
                      ref={register(childKey)}
                      role="treeitem"
                      aria-level={2}
                      aria-selected={selectedKey === childKey}
                      tabIndex={tabKey === childKey ? 0 : -1}
                      className="treeitem"
                      onKeyDown={(e) => onKeyDown(e, child)}
                      onFocus={() => setFocusKey(childKey)}
                      onClick={(e) => {
                        e.stopPropagation();
                        focus(childKey);
                        activate(child);
                      }}
                    >
                      <div className={`tree-row level-2${selectedKey === childKey ? ' selected' : ''}`}>
                        {s.section === 'users' ? (
                          <UsersIcon />
                        ) : s.section === 'settings' ? (
                          <SettingsIcon />
                        ) : s.section === 'computers' ? (
                          <ComputerIcon />
                        ) : s.section === 'clientSessions' ? (
                          <ClientSessionIcon />
                        ) : s.section === 'admins' ? (
                          <AdminsIcon />
                        ) : (
                          <ListIcon />
                        )}
                        <span className="tree-label">{s.label}</span>
                      </div>
                    </div>
                  );
                })}
              </div>
            ) : null}
          </div>
        );
      })}
      {menuFor ? (() => {
        const server = servers.find((x) => x.id === menuFor);
        return server ? <ServerMenu server={server} anchor={menuAnchor} onClose={closeMenu} /> : null;
      })() : null}
    </div>
  );
}

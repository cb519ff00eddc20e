import { Button } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../store/store';
import { AuditTable } from './audit-table';
import { PolicySettings } from './policy-settings';
import { UserTable } from './user-table';

/** The right-hand side: the users, audit or settings of the chosen server, or why it cannot be shown. */
export function MainPane() {
  const { view, server } = useAppStore(
    useShallow((s) => ({ view: s.view, server: s.view ? s.servers.find((x) => x.id === s.view?.serverId) : undefined })),
  );
  if (!view || !server) {
    return <div className="pane-message">Choose a server in the tree, or add one with Add server.</div>;
  }
  if (server.status !== 'connected') {
    return (
      <div className="pane-message">
        <p>
          <strong>{server.name}</strong> is{' '}
          {server.status === 'needs-password' ? 'waiting for the password' : server.status === 'unreachable' ? 'unreachable' : 'not connected'}.
        </p>
        {server.statusMessage ? <p className="error-text">{server.statusMessage}</p> : null}
        <Button className="button primary" onPress={() => useAppStore.getState().openDialog({ kind: 'connect', serverId: server.id })}>
          Connect…
        </Button>
      </div>
    );
  }
  if (view.section === 'settings') return <PolicySettings key={server.id} serverId={server.id} serverName={server.name} />;
  return view.section === 'users' ? <UserTable /> : <AuditTable key={server.id} serverId={server.id} />;
}

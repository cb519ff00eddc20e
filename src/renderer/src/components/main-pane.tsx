import { Button } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import type { Server } from '../../../shared/model/server';
import { formatDateTime } from '../lib/format';
import { useAppStore } from '../store/store';
import { AdministratorsView } from './administrators';
import { AuditTable } from './audit-table';
import { ClientSessionsView } from './client-sessions';
import { ComputersView } from './computers';
import { PolicySettings } from './policy-settings';
import { UserTable } from './user-table';

const WAITING: Record<Exclude<Server['status'], 'connected' | 'needs-enrolment'>, string> = {
  'needs-password': 'waiting for the password',
  'needs-code': 'waiting for the code from your authenticator app',
  unreachable: 'unreachable',
  disconnected: 'not connected',
  'key-changed': 'refused until you review its new TLS key',
};

/**
 * Two-step verification is mandatory on the server and this administrator has none yet: the
 * session may only enrol, so the pane says so and takes them there.
 */
function EnrolmentPane({ server }: { server: Server }) {
  return (
    <div className="pane-message" role="region" aria-label="Two-step verification required">
      <p>
        <strong>{server.name}</strong> requires two-step verification, and your account ({server.login}) does not have it yet.
      </p>
      <p>
        Set up an authenticator app now to continue
        {server.graceEndsAt ? `; after ${formatDateTime(server.graceEndsAt)} the password alone no longer signs you in` : ''}.
      </p>
      <Button className="button primary" onPress={() => useAppStore.getState().openDialog({ kind: 'enrolTwoStep', serverId: server.id })}>
        Set up two-step verification…
      </Button>
    </div>
  );
}

/** The right-hand side: the users, client sessions, computers, administrators, audit or settings of the chosen server, the users of every server, or why it cannot be shown. */
export function MainPane() {
  const { view, server } = useAppStore(
    useShallow((s) => ({ view: s.view, server: s.view ? s.servers.find((x) => x.id === s.view?.serverId) : undefined })),
  );
  if (view?.serverId === null) return <UserTable />;
  if (!view || !server) {
    return <div className="pane-message">Choose a server in the tree, or add one with Add server.</div>;
  }
  if (server.status === 'needs-enrolment') return <EnrolmentPane server={server} />;
  if (server.status !== 'connected') {
    return (
      <div className="pane-message">
        <p>
          <strong>{server.name}</strong> is {WAITING[server.status]}.
        </p>
        {server.statusMessage ? <p className="error-text">{server.statusMessage}</p> : null}
        {server.presentedCertificate ? (
          // A refused key is reviewed in Edit server, never trusted from here; Connect would only meet it again.
          <Button className="button primary" onPress={() => useAppStore.getState().openDialog({ kind: 'editServer', serverId: server.id })}>
            {server.status === 'key-changed' ? 'Review the new key…' : 'Review its key…'}
          </Button>
        ) : (
          <Button className="button primary" onPress={() => useAppStore.getState().openDialog({ kind: 'connect', serverId: server.id })}>
            Connect…
          </Button>
        )}
      </div>
    );
  }
  if (view.section === 'settings') return <PolicySettings key={server.id} serverId={server.id} serverName={server.name} />;
  if (view.section === 'clientSessions') return <ClientSessionsView key={server.id} serverId={server.id} />;
  if (view.section === 'computers') return <ComputersView key={server.id} serverId={server.id} serverName={server.name} />;
  if (view.section === 'admins') return <AdministratorsView key={server.id} serverId={server.id} serverName={server.name} />;
  return view.section === 'users' ? <UserTable /> : <AuditTable key={server.id} serverId={server.id} />;
}

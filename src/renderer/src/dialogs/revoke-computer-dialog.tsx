import { useAppStore } from '../store/store';
import { ConfirmDialog } from './confirm-dialog';

/**
 * Revoke computer: names the computer and what revoking does (its agent file stops working at
 * once, its open client sessions end, its pending one-time passwords are void), then reports
 * what it ended.
 */
export function RevokeComputerDialog({ serverId, computer, onDone }: { serverId: string; computer: { id: string; name: string }; onDone?: () => void }) {
  const serverName = useAppStore((s) => s.servers.find((x) => x.id === serverId)?.name);

  async function revoke() {
    const r = await window.gatepass.computers.revoke({ serverId, computerId: computer.id });
    onDone?.();
    const ended = [
      r.sessionsEnded > 0 ? `${r.sessionsEnded} client session${r.sessionsEnded === 1 ? '' : 's'} ended` : '',
      r.passwordsVoided > 0 ? `${r.passwordsVoided} pending one-time password${r.passwordsVoided === 1 ? '' : 's'} void` : '',
    ].filter(Boolean);
    useAppStore.getState().showNotice({ tone: 'info', text: `Revoked ${r.computer.name}${ended.length ? `: ${ended.join(', ')}` : ''}` });
  }

  return (
    <ConfirmDialog title="Revoke computer" confirmLabel={`Revoke ${computer.name}`} busyLabel="Revoking…" onConfirm={revoke}>
      <p className="action-question">
        Revoke <strong>{computer.name}</strong>
        {serverName ? ` on ${serverName}` : ''}?
      </p>
      <p>
        Its agent file stops working at once: nobody can request a one-time password for it or sign in to it. Its open client sessions end and its
        pending one-time passwords become void. To use it again, register it again (a new agent file).
      </p>
    </ConfirmDialog>
  );
}

import { useCallback, useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { errorMessage, formatDateTime } from '../lib/format';
import { useAppStore } from '../store/store';

type Device = ChannelOutput<'provisioning:devices'>['items'][number];

/**
 * A user's provisioned devices in their details: name, created, last used, and Revoke (asked
 * first, in place): the device's sign-in and its authenticator codes stop at once and its
 * sessions end. The server audits it. Revoked devices stay listed, with when.
 */
export function UserDevices({ serverId, userId, login, onChanged }: { serverId: string; userId: string; login: string; onChanged: () => void }) {
  const [devices, setDevices] = useState<readonly Device[] | null>(null);
  const [confirming, setConfirming] = useState<Device | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  const load = useCallback(async () => {
    try {
      setDevices((await window.gatepass.provisioning.devices({ serverId, userId })).items);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [serverId, userId]);

  useEffect(() => {
    // Loading the user's devices when the details open is the point of this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
  }, [load]);

  async function revoke(d: Device) {
    setBusy(true);
    setError(null);
    try {
      const r = await window.gatepass.provisioning.revokeDevice({ serverId, userId, deviceId: d.id });
      setConfirming(null);
      setStatus(
        r.revoked
          ? `${d.name} of ${login} is revoked${r.sessionsEnded > 0 ? `; ${r.sessionsEnded === 1 ? 'its session ended' : `its ${r.sessionsEnded} sessions ended`}` : ''}.`
          : `${d.name} was already revoked.`,
      );
      await load();
      // The list's Provisioning and 2FA columns, and the Security section, follow.
      useAppStore.getState().refreshUsers();
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="security" aria-label="Devices">
      <h3 className="settings-heading">Devices</h3>
      {devices === null ? (
        error ? null : (
          <p className="muted">Loading…</p>
        )
      ) : devices.length === 0 ? (
        <p className="note">No phone is provisioned for {login}. Send provisioning email or Show provisioning QR (Actions) gives them a code.</p>
      ) : (
        <table className="report-table" aria-label={`Devices of ${login}`}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">State</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => (
              <tr key={d.id}>
                <td>{d.name}</td>
                <td>{formatDateTime(d.createdAt)}</td>
                <td>{d.lastUsedAt ? formatDateTime(d.lastUsedAt) : 'never'}</td>
                <td>
                  {d.revokedAt ? (
                    <span className="muted">revoked {formatDateTime(d.revokedAt)}</span>
                  ) : (
                    <Button className="button small danger-outline" aria-label={`Revoke ${d.name}`} isDisabled={busy} onPress={() => setConfirming(d)}>
                      Revoke…
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirming ? (
        <div className="inline-confirm" role="group" aria-label="Revoke device">
          <p className="action-question">
            Revoke {confirming.name} of {login}?
          </p>
          <p>
            It stops signing in and its codes no longer count as {login}'s second factor, at once; its sessions end. A revoked device cannot be brought
            back: {login} provisions the phone again with a new code.
          </p>
          <div className="settings-buttons">
            <Button className="button danger" isDisabled={busy} onPress={() => void revoke(confirming)}>
              Revoke
            </Button>
            <Button className="button" isDisabled={busy} onPress={() => setConfirming(null)}>
              Cancel
            </Button>
          </div>
        </div>
      ) : null}
      <p className="ok-text" role="status">
        {status}
      </p>
      {error ? (
        <p className="dialog-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}

import { useState } from 'react';
import { Button } from 'react-aria-components';
import { useAppStore } from '../store/store';
import { Field } from './field';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { useDialogCall } from './use-dialog-call';

/** Connect: sign in again to a server whose password is not saved (or no longer works). */
export function ConnectDialog({ serverId }: { serverId: string }) {
  const server = useAppStore((s) => s.servers.find((x) => x.id === serverId));
  const [password, setPassword] = useState('');
  const { busy, error, setError, run } = useDialogCall(server?.status === 'unreachable' ? (server.statusMessage ?? null) : null);

  async function submit(withPassword: boolean) {
    if (withPassword && !password) {
      setError('Enter the password');
      return;
    }
    await run(async () => {
      const s = await useAppStore.getState().connectServer(serverId, withPassword ? password : undefined);
      if (s.status === 'connected') {
        useAppStore.getState().closeDialog();
        useAppStore.getState().setView({ serverId, section: 'users' });
      } else {
        setError(s.statusMessage ?? 'Could not connect');
      }
    });
  }

  return (
    <ModalFrame title={`Connect to ${server?.name ?? 'server'}`} onSubmit={() => void submit(true)} busy={busy}>
      <p className="note">
        {server ? `Sign in to ${server.url} as ${server.login}.` : ''}
        {server?.passwordSaved ? ' A saved password exists; you can also retry with it.' : ''}
      </p>
      <Field label="Password" value={password} onChange={setPassword} type="password" autoFocus autoComplete="current-password" />
      <DialogError message={error} />
      <DialogButtons>
        {server?.passwordSaved ? (
          <Button className="button" onPress={() => void submit(false)} isDisabled={busy}>
            Retry saved password
          </Button>
        ) : null}
        <span className="spacer" />
        <Button className="button" onPress={() => useAppStore.getState().closeDialog()} isDisabled={busy}>
          Cancel
        </Button>
        <Button className="button primary" type="submit" isDisabled={busy}>
          {busy ? 'Connecting…' : 'Connect'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { useState } from 'react';
import { Button } from 'react-aria-components';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import { urlProblem } from './add-server-dialog';
import { Field } from './field';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { asksForCode, EMPTY_FACTOR, factorInput, factorProblem, SecondFactorField, type SecondFactorDraft } from './second-factor-field';

/**
 * Rename a server, or change its address: the console checks that the new address is a
 * Gatepass server and signs in there (with the saved password, or one typed here) before
 * anything changes. The saved password stays with the server.
 */
export function EditServerDialog({ serverId }: { serverId: string }) {
  const server = useAppStore((s) => s.servers.find((x) => x.id === serverId));
  const [name, setName] = useState(server?.name ?? '');
  const [url, setUrl] = useState(server?.url ?? '');
  const [password, setPassword] = useState('');
  const [tried, setTried] = useState(false);
  /** The new address asked for the administrator's code: it goes with the next try. */
  const [factor, setFactor] = useState<SecondFactorDraft | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!server) return null;

  const moving = !server.embedded && url.trim() !== server.url;
  const errors = {
    name: name.trim() ? undefined : 'Enter a name',
    url: server.embedded || !moving ? undefined : url.trim() ? urlProblem(url.trim()) : 'Enter the server address',
  };
  const valid = !errors.name && !errors.url && !(moving && factor && factorProblem(factor));

  async function submit() {
    setTried(true);
    if (!valid || !server) return;
    const change = {
      ...(name.trim() !== server.name ? { name: name.trim() } : {}),
      ...(moving ? { url: url.trim() } : {}),
      ...(moving && password ? { password } : {}),
      ...(moving && factor ? factorInput(factor) : {}),
    };
    if (Object.keys(change).length === 0) {
      useAppStore.getState().closeDialog();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const st = useAppStore.getState();
      const updated = await st.updateServer(serverId, change);
      st.closeDialog();
      st.showNotice({ tone: 'info', text: moving ? `${updated.name} now connects to ${updated.url}` : `Renamed to ${updated.name}` });
    } catch (err) {
      if (asksForCode(err) && factor === null) {
        setFactor(EMPTY_FACTOR);
        setTried(false);
      } else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <ModalFrame title="Edit server" onSubmit={() => void submit()} busy={busy}>
      <Field label="Name" value={name} onChange={setName} autoFocus isRequired error={tried ? errors.name : undefined} />
      {server.embedded ? (
        <p className="note">The local server runs inside this console; it gets its address at every start.</p>
      ) : (
        <>
          <Field label="Server URL" value={url} onChange={setUrl} type="url" isRequired error={tried ? errors.url : undefined} />
          {moving ? (
            <>
              <Field
                label="Password at the new address"
                value={password}
                onChange={setPassword}
                type="password"
                autoComplete="current-password"
                hint={`Leave empty to sign in as ${server.login} with the ${server.passwordSaved ? 'password saved in the keychain' : 'password of this session'}.`}
              />
              <p className="note">The console checks the new address and signs in there before it changes anything.</p>
              {factor ? <SecondFactorField value={factor} onChange={setFactor} login={server.login} showErrors={tried} /> : null}
            </>
          ) : null}
        </>
      )}
      <DialogError message={error} />
      <DialogButtons>
        <Button className="button" onPress={() => useAppStore.getState().closeDialog()} isDisabled={busy}>
          Cancel
        </Button>
        <Button className="button primary" type="submit" isDisabled={busy}>
          {busy ? (moving ? 'Checking…' : 'Saving…') : 'Save'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { useState } from 'react';
import { Button } from 'react-aria-components';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import { afterSignIn } from './add-server-dialog';
import { Field } from './field';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { asksForCode, EMPTY_FACTOR, factorInput, factorProblem, SecondFactorField, type SecondFactorDraft } from './second-factor-field';

/**
 * Connect: sign in again to a server whose password is not saved (or no longer works), or whose
 * administrator has two-step verification: the code is never kept, so a reconnect after the
 * admin session ended asks for it (the password, when the console knows it, is not asked again).
 */
export function ConnectDialog({ serverId }: { serverId: string }) {
  const server = useAppStore((s) => s.servers.find((x) => x.id === serverId));
  // The console knows a right password and only the code is missing.
  const codeOnly = server?.status === 'needs-code';
  const [password, setPassword] = useState('');
  const [otherPassword, setOtherPassword] = useState(false);
  const [factor, setFactor] = useState<SecondFactorDraft | null>(codeOnly ? EMPTY_FACTOR : null);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(server?.status === 'unreachable' ? (server.statusMessage ?? null) : null);
  const askPassword = !codeOnly || otherPassword;

  async function submit(withPassword: boolean) {
    setTried(true);
    if (withPassword && askPassword && !password) {
      setError('Enter the password');
      return;
    }
    if (factor && factorProblem(factor)) return;
    setBusy(true);
    setError(null);
    try {
      const s = await useAppStore.getState().connectServer(serverId, withPassword && askPassword ? password : undefined, factor ? factorInput(factor) : {});
      if (s.status === 'connected' || s.status === 'needs-enrolment') {
        const was = useAppStore.getState().view;
        afterSignIn(s);
        // Stay where the administrator was (this server's Settings, the all-servers list); else open the server's Users.
        if (s.status === 'connected' && was?.serverId !== serverId && was?.serverId !== null) useAppStore.getState().setView({ serverId, section: 'users' });
      } else setError(s.statusMessage ?? 'Could not connect');
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
    <ModalFrame title={`Connect to ${server?.name ?? 'server'}`} onSubmit={() => void submit(true)} busy={busy}>
      <p className="note">
        {server ? `Sign in to ${server.url} as ${server.login}.` : ''}
        {codeOnly && !otherPassword ? ' The password is known to the console; only the code from the authenticator app is needed.' : ''}
        {!codeOnly && server?.passwordSaved ? ' A saved password exists; you can also retry with it.' : ''}
      </p>
      {askPassword ? (
        <Field label="Password" value={password} onChange={setPassword} type="password" autoFocus={!factor} autoComplete="current-password" />
      ) : null}
      {factor && server ? <SecondFactorField value={factor} onChange={setFactor} login={server.login} showErrors={tried} /> : null}
      {codeOnly && !otherPassword ? (
        <button type="button" className="link-button" onClick={() => setOtherPassword(true)}>
          Use a different password
        </button>
      ) : null}
      <DialogError message={error} />
      <DialogButtons>
        {!codeOnly && server?.passwordSaved ? (
          <Button className="button" onPress={() => void submit(false)} isDisabled={busy}>
            Retry saved password
          </Button>
        ) : null}
        <span className="spacer" />
        <CancelButton busy={busy} />
        <Button className="button primary" type="submit" isDisabled={busy}>
          {busy ? 'Connecting…' : 'Connect'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

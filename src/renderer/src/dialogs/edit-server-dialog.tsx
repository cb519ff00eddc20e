import { useState } from 'react';
import { Button } from 'react-aria-components';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import { urlProblem } from './add-server-dialog';
import { Field } from './field';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { asksForCode, EMPTY_FACTOR, factorInput, factorProblem, SecondFactorField, type SecondFactorDraft } from './second-factor-field';
import { TrustKeyStep, useTrustStep } from './trust-key-step';

/**
 * Rename a server, change its address, or trust its new TLS key: the console checks that the
 * address is a Gatepass server (with that key) and signs in there (with the saved password, or
 * one typed here) before anything changes. The saved password stays with the server. A server
 * whose key changed opens on the review of the key it now presents; nothing is trusted silently.
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
  /** The certificate to review: the one the server presented when its key was refused, or what a new address presents. */
  const trustStep = useTrustStep({
    url: url.trim(),
    error,
    setError,
    busy,
    send: (pin) => void save(pin),
    initial: server?.presentedCertificate ? { certificate: server.presentedCertificate, pinned: server.tlsPin ?? null } : null,
  });
  if (!server) return null;

  const { trusted } = trustStep;
  const pendingPin = trusted && trusted.url === url.trim() && trusted.pin !== server.tlsPin ? trusted.pin : null;
  const moving = !server.embedded && url.trim() !== server.url;
  const signingIn = moving || pendingPin !== null;
  const errors = {
    name: name.trim() ? undefined : 'Enter a name',
    url: server.embedded || !moving ? undefined : url.trim() ? urlProblem(url.trim()) : 'Enter the server address',
  };
  const valid = !errors.name && !errors.url && !(signingIn && factor && factorProblem(factor));

  async function submit() {
    setTried(true);
    if (!valid) return;
    await save(pendingPin);
  }

  async function save(tlsPin: string | null) {
    if (!server) return;
    const change = {
      ...(name.trim() !== server.name ? { name: name.trim() } : {}),
      ...(moving ? { url: url.trim() } : {}),
      ...(tlsPin ? { tlsPin } : {}),
      ...((moving || tlsPin) && password ? { password } : {}),
      ...((moving || tlsPin) && factor ? factorInput(factor) : {}),
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
      st.showNotice({
        tone: 'info',
        text: moving ? `${updated.name} now connects to ${updated.url}` : tlsPin ? `${updated.name}: its new TLS key is trusted, and signed in` : `Renamed to ${updated.name}`,
      });
    } catch (err) {
      if (trustStep.refusedBy(err, tlsPin)) return;
      if (asksForCode(err) && factor === null) {
        setFactor(EMPTY_FACTOR);
        setTried(false);
      } else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const { refusal, stepProps } = trustStep;
  if (refusal && stepProps) {
    // The trusted key changed at the same address; a new address's key is reviewed as a first one.
    const changed = refusal.pinned !== null && url.trim() === server.url;
    return (
      <ModalFrame title="Edit server" onSubmit={trustStep.enter} busy={busy}>
        <TrustKeyStep
          {...stepProps}
          changedFor={changed ? server.name : undefined}
          onCancel={() => {
            trustStep.leave();
            setError(null);
          }}
        />
      </ModalFrame>
    );
  }

  const reviewable = server.presentedCertificate && url.trim() === server.url ? server.presentedCertificate : null;
  return (
    <ModalFrame title="Edit server" onSubmit={() => void submit()} busy={busy}>
      <Field label="Name" value={name} onChange={setName} autoFocus isRequired error={tried ? errors.name : undefined} />
      {server.embedded ? (
        <p className="note">The local server runs inside this console; it gets its address at every start.</p>
      ) : (
        <>
          <Field label="Server URL" value={url} onChange={setUrl} type="url" isRequired error={tried ? errors.url : undefined} />
          <dl className="settings-facts" aria-label="TLS key">
            <dt>Trusted TLS key</dt>
            <dd className={server.tlsPin ? 'mono' : undefined} data-testid="trusted-pin">
              {server.tlsPin ?? (server.url.startsWith('https:') ? 'none pinned: trusted through this machine’s certificate authorities' : 'none: plain http://')}
            </dd>
          </dl>
          {reviewable ? (
            <div className="warning-box">
              <p className="warning-text">
                {server.status === 'key-changed'
                  ? 'This server now presents a different TLS key than the one trusted above. Nothing is sent to it until you review and trust the new key.'
                  : 'This machine does not trust the certificate this server presents. Nothing is sent to it until you review and trust its key.'}
              </p>
              <Button
                className="button"
                onPress={() => {
                  setError(null);
                  trustStep.review({ certificate: reviewable, pinned: server.tlsPin ?? null });
                }}
              >
                Review the key…
              </Button>
            </div>
          ) : null}
          {signingIn ? (
            <>
              <Field
                label={moving ? 'Password at the new address' : 'Password'}
                value={password}
                onChange={setPassword}
                type="password"
                autoComplete="current-password"
                hint={`Leave empty to sign in as ${server.login} with the ${server.passwordSaved ? 'password saved in the keychain' : 'password of this session'}.`}
              />
              {pendingPin ? (
                <p className="note">
                  Trusting the TLS key <span className="mono">{pendingPin}</span>: the console signs in with it before it changes anything.
                </p>
              ) : (
                <p className="note">The console checks the new address and signs in there before it changes anything.</p>
              )}
              {factor ? <SecondFactorField value={factor} onChange={setFactor} login={server.login} showErrors={tried} /> : null}
            </>
          ) : null}
        </>
      )}
      <DialogError message={error} />
      <DialogButtons>
        <CancelButton busy={busy} />
        <Button className="button primary" type="submit" isDisabled={busy}>
          {busy ? (signingIn ? 'Checking…' : 'Saving…') : 'Save'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { useState } from 'react';
import { Button, Checkbox } from 'react-aria-components';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import type { SignedInServer } from '../store/types';
import { Field } from './field';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { asksForCode, EMPTY_FACTOR, factorInput, factorProblem, SecondFactorField, type SecondFactorDraft } from './second-factor-field';
import { TrustKeyStep, useTrustStep } from './trust-key-step';

/**
 * What follows a sign-in: a recovery code used says how many are left, and an administrator
 * whom mandatory two-step verification holds to enrol is taken there at once.
 */
export function afterSignIn(server: SignedInServer): void {
  const st = useAppStore.getState();
  if (server.status === 'needs-enrolment') {
    st.openDialog({ kind: 'enrolTwoStep', serverId: server.id });
    return;
  }
  st.closeDialog();
  if (server.recoveryCodesLeft !== undefined && server.recoveryCodesLeft !== null) {
    const left = server.recoveryCodesLeft;
    st.showNotice({
      tone: left <= 2 ? 'error' : 'info',
      text: `Signed in to ${server.name} with a recovery code: ${left} left.${left <= 2 ? ' Make new ones in Settings, Your account.' : ''}`,
    });
  }
}

/** Checks the URL the way servers:add will, so the mistake is shown next to the field. */
export function urlProblem(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? undefined : 'Use an http:// or https:// address';
  } catch {
    return 'Enter a full address, such as https://gatepass.example:8443';
  }
}

/**
 * Whether an address would carry the administrator's password unencrypted over a network: plain
 * http:// to anything but this machine (a loopback server's traffic never leaves it).
 */
export function insecureOverNetwork(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:') return false;
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return !(host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host));
  } catch {
    return false;
  }
}

/**
 * Add server: sign in to a Gatepass server and add it to the tree. A server whose certificate
 * this machine does not trust (a self-signed one) is refused before the password goes out; the
 * dialog then shows the certificate it presents and asks whether to trust its key, and only after
 * Trust does it sign in, over a connection pinned to that key (the pin is saved with the server).
 */
export function AddServerDialog() {
  const appInfo = useAppStore((s) => s.appInfo);
  const keychainOk = appInfo?.keychain !== 'unavailable';
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(keychainOk);
  /** Plain http:// over a network: the administrator must say they mean it. */
  const [plainOk, setPlainOk] = useState(false);
  const insecure = insecureOverNetwork(url.trim());
  const [tried, setTried] = useState(false);
  /** Set once the server said the account has two-step verification: the code goes with the next try. */
  const [factor, setFactor] = useState<SecondFactorDraft | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** A certificate this machine does not trust: reviewed before the password goes out. */
  const trustStep = useTrustStep({ url: url.trim(), error, setError, busy, send: (pin) => void signIn(pin) });
  const trustedPin = trustStep.trusted && trustStep.trusted.url === url.trim() ? trustStep.trusted.pin : null;
  /** The address whose key the administrator declined (Cancel in the trust step), said under the form. */
  const [notTrusted, setNotTrusted] = useState<string | null>(null);

  const errors = {
    url: url.trim() ? urlProblem(url.trim()) : 'Enter the server address',
    login: login.trim() ? undefined : 'Enter the administrator login',
    password: password ? undefined : 'Enter the password',
  };
  const valid = !errors.url && !errors.login && !errors.password && (!insecure || plainOk) && (factor === null || !factorProblem(factor));

  async function submit() {
    setTried(true);
    if (!valid) return;
    await signIn(trustedPin);
  }

  /** servers:add, with the trusted pin when there is one: without it an untrusted certificate comes back to be reviewed. */
  async function signIn(tlsPin: string | null) {
    setBusy(true);
    setError(null);
    setNotTrusted(null);
    try {
      const server = await useAppStore.getState().addServer({
        ...(name.trim() ? { name: name.trim() } : {}),
        url: url.trim(),
        login: login.trim(),
        password,
        remember: remember && keychainOk,
        ...(tlsPin ? { tlsPin } : {}),
        ...(factor ? factorInput(factor) : {}),
      });
      afterSignIn(server);
    } catch (err) {
      if (trustStep.refusedBy(err, tlsPin)) return;
      if (asksForCode(err) && factor === null) {
        // The password was right: ask for the code, and send it all again with it.
        setFactor(EMPTY_FACTOR);
        setTried(false);
      } else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  if (trustStep.stepProps) {
    return (
      <ModalFrame title="Add server" onSubmit={trustStep.enter} busy={busy}>
        <TrustKeyStep
          {...trustStep.stepProps}
          onCancel={() => {
            // Back to the form: nothing was trusted and nothing was sent.
            trustStep.leave();
            setNotTrusted(url.trim());
          }}
        />
      </ModalFrame>
    );
  }

  return (
    <ModalFrame title="Add server" onSubmit={() => void submit()} busy={busy}>
      <Field label="Name" value={name} onChange={setName} autoFocus placeholder="Shown in the tree; defaults to the server's own name" />
      <Field label="Server URL" value={url} onChange={setUrl} type="url" isRequired error={tried ? errors.url : undefined} placeholder="https://gatepass.example:8443" />
      {insecure ? (
        <div className="warning-box" role="alert">
          <p className="warning-text">
            This address is plain http:// to another machine: the administrator password, the users&apos; new passwords and their sign-in codes would cross the
            network unencrypted. Use https:// (the server&apos;s --tls options) unless this network is private and trusted.
          </p>
          <Checkbox className="checkbox" isSelected={plainOk} onChange={setPlainOk}>
            <span className="checkbox-box" aria-hidden="true" />
            Connect without encryption anyway
          </Checkbox>
          {tried && !plainOk ? <p className="field-error">Tick the box to connect without encryption, or use an https:// address.</p> : null}
        </div>
      ) : null}
      <Field label="Login" value={login} onChange={setLogin} isRequired error={tried ? errors.login : undefined} autoComplete="username" />
      <Field label="Password" value={password} onChange={setPassword} type="password" isRequired error={tried ? errors.password : undefined} autoComplete="current-password" />
      <Checkbox className="checkbox" isSelected={remember && keychainOk} onChange={setRemember} isDisabled={!keychainOk}>
        <span className="checkbox-box" aria-hidden="true" />
        Remember password in the system keychain
      </Checkbox>
      {!keychainOk ? (
        <p className="note">
          {appInfo?.keychainMessage ?? 'No system keychain is available: the password is kept for this session only and asked again next time.'}
        </p>
      ) : null}
      {trustedPin ? (
        <p className="note">
          Trusting this server&apos;s TLS key <span className="mono">{trustedPin}</span>: the password goes only to the server that holds it.
        </p>
      ) : null}
      {notTrusted && notTrusted === url.trim() ? <p className="note">Not trusted: nothing was sent to {notTrusted}.</p> : null}
      {factor ? <SecondFactorField value={factor} onChange={setFactor} login={login.trim()} showErrors={tried} /> : null}
      <DialogError message={error} />
      <DialogButtons>
        <CancelButton busy={busy} />
        <Button className="button primary" type="submit" isDisabled={busy}>
          {busy ? 'Signing in…' : 'Add'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { errorMessage, formatCount } from '../../lib/format';
import { issuingText, KEEP_PROMISE_BEFORE } from '../../lib/job-text';
import { useAppStore } from '../../store/store';
import type { TargetUser } from '../../store/types';
import { DialogButtons, DialogError } from '../modal-frame';
import type { PolicyFailure } from './form-problems';

/** How many of the signed-in logins the confirmation lists. */
const SIGNED_IN_SHOWN = 50;
/** How many users with a failing password the confirmation names. */
export const FAILING_SHOWN = 50;

/** While issuing: users done of N and broken so far, from qr:progress, and that a cancel is on its way. */
function IssuingProgress() {
  const issuing = useAppStore((s) => s.issuing);
  if (!issuing) return null;
  return (
    <div className="save-line issuing-line" role="status">
      <span>{issuingText(issuing)}</span>
      <progress max={issuing.total || 1} value={issuing.done} aria-label="Issuing" />
      {issuing.cancelling ? <span className="muted">Stopping after the current chunk…</span> : null}
    </div>
  );
}

/**
 * The confirmation before issuing, which ends the users' sessions at once: who of them is
 * signed in now (asked each time the step opens), how many passwords fail the policy, and how
 * long the console keeps the codes. Its Generate button submits the dialog's form; while the
 * codes are issued it shows the progress, and Cancel (or Esc) stops after the current chunk.
 */
export function ConfirmStep(props: {
  serverId: string;
  users: readonly TargetUser[];
  failing: number;
  /** The first users whose password fails, with why (at most FAILING_SHOWN of them). */
  failingUsers: readonly PolicyFailure[];
  busy: boolean;
  error: string | null;
  onBack: () => void;
  onCancel: () => void;
  /** Stops the issuing in flight (qr:cancel). */
  onStop: () => void;
}) {
  const { serverId, users, failing, busy } = props;
  const n = users.length;
  const [signedIn, setSignedIn] = useState<{ count: number; logins: string[] } | 'loading' | { error: string }>('loading');
  const cancelling = useAppStore((s) => s.issuing?.cancelling ?? false);
  const cancelRef = useRef<HTMLButtonElement>(null);

  // Generate is disabled once pressed and would drop focus to <body>, out of Esc's reach:
  // Cancel, the one thing left to do, takes it.
  useEffect(() => {
    if (busy) cancelRef.current?.focus();
  }, [busy]);

  useEffect(() => {
    let live = true;
    useAppStore
      .getState()
      .countSignedIn(serverId, users.map((u) => u.id))
      .then((res) => live && setSignedIn({ count: res.count, logins: res.logins.slice(0, SIGNED_IN_SHOWN) }))
      .catch((err: unknown) => live && setSignedIn({ error: errorMessage(err) }));
    return () => {
      live = false;
    };
  }, [serverId, users]);

  return (
    <>
      <p className="warning-text">
        Issuing new codes disconnects {n === 1 ? 'this user' : `these ${n.toLocaleString('en-US')} users`} at once. Do it outside working hours.
      </p>
      <p aria-live="polite">
        {signedIn === 'loading' ? (
          <span className="muted">Checking who is signed in now…</span>
        ) : 'error' in signedIn ? (
          <span className="error-text">Could not check who is signed in: {signedIn.error}</span>
        ) : signedIn.count === 0 ? (
          <span>None of them is signed in now.</span>
        ) : (
          <span>
            <strong>{formatCount(signedIn.count, 'of them is', 'of them are')} signed in now</strong> and will be signed out.
          </span>
        )}
      </p>
      {typeof signedIn === 'object' && 'logins' in signedIn && signedIn.logins.length > 0 ? (
        <ul className="login-list" aria-label="Signed in now">
          {signedIn.logins.map((l) => (
            <li key={l}>{l}</li>
          ))}
          {signedIn.count > signedIn.logins.length ? <li className="muted">and {formatCount(signedIn.count - signedIn.logins.length, 'more')}</li> : null}
        </ul>
      ) : null}
      {failing > 0 ? (
        <>
          <p className="error-text">
            {formatCount(failing, 'password fails', 'passwords fail')} the policy: {failing === 1 ? 'that user keeps the' : 'those users keep their'} old password and
            {failing === 1 ? ' gets a broken code' : ' get broken codes'}.
          </p>
          <ul className="login-list failing" aria-label="Passwords that fail the policy">
            {props.failingUsers.map((f) => (
              <li key={f.login}>
                <strong>{f.login}</strong>: {f.reason}
              </li>
            ))}
            {failing > props.failingUsers.length ? <li className="muted">and {formatCount(failing - props.failingUsers.length, 'more')}</li> : null}
          </ul>
        </>
      ) : null}
      <p className="note">{KEEP_PROMISE_BEFORE}</p>
      {busy ? <IssuingProgress /> : null}
      <DialogError message={props.error} />
      <DialogButtons>
        <Button className="button" onPress={props.onBack} isDisabled={busy}>
          Back
        </Button>
        <span className="spacer" />
        <Button ref={cancelRef} className="button" onPress={busy ? props.onStop : props.onCancel} isDisabled={busy && cancelling}>
          {busy && cancelling ? 'Cancelling…' : 'Cancel'}
        </Button>
        <Button className="button primary" type="submit" isDisabled={busy} data-autofocus>
          {busy ? 'Generating…' : 'Generate'}
        </Button>
      </DialogButtons>
    </>
  );
}

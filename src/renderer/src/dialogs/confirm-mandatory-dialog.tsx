import { useState } from 'react';
import { Button, Checkbox } from 'react-aria-components';
import { errorMessage } from '../lib/format';
import { ACTIVE_WITHOUT_TWO_STEP } from '../lib/list-filters';
import { activeUsersText, lockoutWhen } from '../lib/two-step-text';
import { namesSummary } from '../lib/user-actions';
import { useAppStore } from '../store/store';
import type { TwoStepImpact } from '../store/types';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';

/** What CONFIRMATION_REQUIRED carries: the count now, and the first logins. */
function impactFrom(details: unknown, before: TwoStepImpact): TwoStepImpact | null {
  const d = details as { activeUsersWithout2fa?: unknown; users?: unknown; adminsWithout2fa?: unknown } | null;
  if (!d || typeof d.activeUsersWithout2fa !== 'number') return null;
  const logins = Array.isArray(d.users) ? d.users.filter((x): x is string => typeof x === 'string') : [];
  const admins = Array.isArray(d.adminsWithout2fa) ? d.adminsWithout2fa.filter((x): x is string => typeof x === 'string') : before.adminsWithout2fa;
  return { activeUsersWithout2fa: d.activeUsersWithout2fa, users: logins.map((login) => ({ id: login, login, displayName: '', email: '' })), adminsWithout2fa: admins };
}

/**
 * Turning mandatory two-step verification on while active users have none: the warning says how
 * many will not be able to sign in (the count is a link to exactly those users in the Users
 * view), and the administrator acknowledges that count before the server takes the change. If
 * the count changed meanwhile, the server refuses and the dialog asks again with the new count.
 */
export function ConfirmMandatoryDialog(props: { serverId: string; serverName: string; impact: TwoStepImpact; graceDays: number; save: (acknowledged: number) => Promise<void> }) {
  const [impact, setImpact] = useState(props.impact);
  const [understood, setUnderstood] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const n = impact.activeUsersWithout2fa;

  async function confirm() {
    if (!understood || busy) return;
    setBusy(true);
    setError(null);
    try {
      await props.save(n);
      useAppStore.getState().closeDialog();
    } catch (err) {
      const fresh = (err as { code?: unknown }).code === 'CONFIRMATION_REQUIRED' ? impactFrom((err as { details?: unknown }).details, impact) : null;
      if (fresh) {
        setImpact(fresh);
        setUnderstood(false);
        setError(`The count changed while you looked: ${activeUsersText(fresh.activeUsersWithout2fa)} have no two-step verification now. Confirm again.`);
      } else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  function showThem() {
    const st = useAppStore.getState();
    st.closeDialog();
    // The Users view with exactly these users: active, without two-step verification (what the server counted).
    st.requestView({ serverId: props.serverId, section: 'users', userFilters: ACTIVE_WITHOUT_TWO_STEP });
  }

  return (
    <ModalFrame title="Make two-step verification mandatory" role="alertdialog" busy={busy} onSubmit={() => void confirm()} className="wide">
      <p className="warning-text" role="alert">
        <button type="button" className="link-button inline" onClick={showThem}>
          {activeUsersText(n)}
        </button>{' '}
        will not be able to sign in with a password {lockoutWhen(props.graceDays)} on {props.serverName}, until they set up two-step verification.
      </p>
      {impact.users.length > 0 ? (
        <p className="note">
          Among them: {namesSummary(impact.users.map((u) => u.login), n)}.
        </p>
      ) : null}
      {props.graceDays > 0 ? (
        <p>During the grace period, users without two-step verification who sign in with a password are taken to set it up.</p>
      ) : (
        <p>With no grace period their password alone stops signing them in at once.</p>
      )}
      {impact.adminsWithout2fa.length > 0 ? <p className="note">Administrators without it are held to it too: {namesSummary(impact.adminsWithout2fa)}.</p> : null}
      <Checkbox className="checkbox" isSelected={understood} onChange={setUnderstood} isDisabled={busy}>
        <span className="checkbox-box" aria-hidden="true" />I understand that {activeUsersText(n)} will not be able to sign in with a password
      </Checkbox>
      <DialogError message={error} />
      <DialogButtons>
        <CancelButton busy={busy} />
        <Button className="button danger" type="submit" isDisabled={busy || !understood}>
          {busy ? 'Saving…' : 'Make mandatory'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

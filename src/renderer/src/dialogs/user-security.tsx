import { useCallback, useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import type { ChannelOutput, ShownRecoveryCodes } from '../../../shared/ipc/contract';
import { errorMessage, formatDateTime } from '../lib/format';
import { driftText, twoStepStateText } from '../lib/two-step-text';
import { mandatoryNote } from '../lib/user-actions';
import { useAppStore } from '../store/store';
import { RecoveryCodesPanel } from './recovery-codes-panel';
import { ResyncForm } from './resync-form';

type State = ChannelOutput<'twoStep:userState'>;

/** What the section shows below the facts: nothing, a resync, a confirmation, or new codes. */
type Step = { kind: 'facts' } | { kind: 'resync' } | { kind: 'confirmRemove'; note: string | null } | { kind: 'confirmCodes' } | { kind: 'codes'; codes: ShownRecoveryCodes };

/**
 * A user's two-step verification in their details: on or off (enrolment pending, wrong codes,
 * locked), enrolled, last used, drift, recovery codes left; and the help an administrator
 * gives: resync from two codes the user reads out, reset the wrong-code count, new recovery
 * codes (shown once), remove it. Each asks the user's own server and is audited there.
 */
export function UserSecurity({ serverId, userId, login }: { serverId: string; userId: string; login: string }) {
  const [state, setState] = useState<State | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'facts' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  const load = useCallback(async () => {
    try {
      setState(await window.gatepass.twoStep.userState({ serverId, userId }));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [serverId, userId]);

  useEffect(() => {
    // Loading the user's state when the details open is the point of this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
  }, [load]);

  async function act(run: () => Promise<string>) {
    setBusy(true);
    setError(null);
    try {
      setStatus(await run());
      await load();
      // The list's 2FA column follows.
      useAppStore.getState().refreshUsers();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function askRemove() {
    const server = useAppStore.getState().servers.find((s) => s.id === serverId);
    let note: string | null = null;
    try {
      note = mandatoryNote(server?.name ?? 'this server', await window.gatepass.twoStep.settings({ serverId }), new Date());
    } catch (err) {
      note = `Whether two-step verification is mandatory could not be read: ${errorMessage(err)}`;
    }
    setStatus('');
    setStep({ kind: 'confirmRemove', note });
  }

  const on = state?.enabled === true;
  return (
    <section className="security" aria-label="Security">
      <h3 className="settings-heading">Security</h3>
      {state ? (
        <dl className="settings-facts">
          <dt>Two-step verification</dt>
          <dd>{twoStepStateText(state)}</dd>
          {on ? (
            <>
              <dt>Enrolled</dt>
              <dd>{formatDateTime(state.enrolledAt)}</dd>
              <dt>Last used</dt>
              <dd>{formatDateTime(state.lastUsedAt)}</dd>
              <dt>Clock drift</dt>
              <dd>{driftText(state.driftSteps)}</dd>
              <dt>Recovery codes left</dt>
              <dd>{state.recoveryCodesLeft}</dd>
            </>
          ) : null}
        </dl>
      ) : error ? null : (
        <p className="muted">Loading…</p>
      )}

      {step.kind === 'facts' && on ? (
        <div className="settings-buttons">
          <Button
            className="button"
            isDisabled={busy}
            onPress={() => {
              setStatus('');
              setStep({ kind: 'resync' });
            }}
          >
            Resync…
          </Button>
          <Button
            className="button"
            isDisabled={busy || state.failedAttempts === 0}
            onPress={() =>
              void act(async () => {
                await window.gatepass.twoStep.resetUserAttempts({ serverId, userId });
                return `${login} may try codes again.`;
              })
            }
          >
            Reset wrong-code count
          </Button>
          <Button
            className="button"
            isDisabled={busy}
            onPress={() => {
              setStatus('');
              setStep({ kind: 'confirmCodes' });
            }}
          >
            New recovery codes…
          </Button>
          <Button className="button danger-outline" isDisabled={busy} onPress={() => void askRemove()}>
            Remove 2FA…
          </Button>
        </div>
      ) : null}
      {step.kind === 'facts' && state && !on ? <p className="note">{login} sets up two-step verification in the portal, or is asked to when it is mandatory.</p> : null}

      {step.kind === 'resync' ? (
        <ResyncForm
          who={`the app of ${login}`}
          resync={(code1, code2) => window.gatepass.twoStep.resyncUser({ serverId, userId, code1, code2 })}
          onCancel={() => setStep({ kind: 'facts' })}
          onDone={(text) => {
            setStep({ kind: 'facts' });
            setStatus(text);
            void load();
          }}
        />
      ) : null}

      {step.kind === 'confirmRemove' ? (
        <div className="inline-confirm" role="group" aria-label="Remove two-step verification">
          <p className="action-question">Remove two-step verification of {login}?</p>
          <p>Their authenticator app and recovery codes stop working: they sign in with the password alone until they set up two-step verification again.</p>
          {step.note ? <p className="warning-text">{step.note}</p> : null}
          <div className="settings-buttons">
            <Button
              className="button danger"
              isDisabled={busy}
              onPress={() =>
                void act(async () => {
                  const r = await window.gatepass.twoStep.removeUser({ serverId, userId });
                  setStep({ kind: 'facts' });
                  return r.removed ? `Two-step verification of ${login} removed.` : `${login} had no two-step verification.`;
                })
              }
            >
              Remove 2FA
            </Button>
            <Button className="button" isDisabled={busy} onPress={() => setStep({ kind: 'facts' })}>
              Cancel
            </Button>
          </div>
        </div>
      ) : null}

      {step.kind === 'confirmCodes' ? (
        <div className="inline-confirm" role="group" aria-label="New recovery codes">
          <p className="action-question">Make new recovery codes for {login}?</p>
          <p>Every earlier recovery code of {login} stops working. The new ones are shown once, here: save or print them for the user.</p>
          <div className="settings-buttons">
            <Button
              className="button primary"
              isDisabled={busy}
              onPress={() =>
                void act(async () => {
                  const codes = await window.gatepass.twoStep.regenerateUserCodes({ serverId, userId });
                  setStep({ kind: 'codes', codes });
                  return '';
                })
              }
            >
              Make new codes
            </Button>
            <Button className="button" isDisabled={busy} onPress={() => setStep({ kind: 'facts' })}>
              Cancel
            </Button>
          </div>
        </div>
      ) : null}

      {step.kind === 'codes' ? (
        <>
          <RecoveryCodesPanel codes={step.codes} whose="user" />
          <div className="settings-buttons">
            <Button className="button" onPress={() => setStep({ kind: 'facts' })}>
              Done with the codes
            </Button>
          </div>
        </>
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

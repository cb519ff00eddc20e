import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import type { RunOutcome } from '../lib/chunked-run';
import { errorMessage, formatCount } from '../lib/format';
import { setPasswordProblems } from '../lib/set-password-check';
import { namesSummary, progressText, resultText } from '../lib/user-actions';
import { useAppStore } from '../store/store';
import type { TargetUser } from '../store/types';
import { Field } from './field';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { PolicyPanel, usePolicy } from './policy-panel';
import { RunProgress, RunResult } from './run-result';

const DONE = 'Set the password of';

/**
 * Set password: one new password for the selected users (named), without issuing a code.
 * Checked as typed against the server's policy and common-password list in the policy's words;
 * the server decides again per user and audits each. Their QR codes stop working, which the
 * dialog says before anything is set.
 */
export function SetPasswordDialog({ serverId }: { serverId: string }) {
  const [users, setUsers] = useState<readonly TargetUser[] | null>(null);
  const { policy, policyError } = usePolicy(serverId);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState({ done: 0, total: 0 });
  const [stopping, setStopping] = useState(false);
  const [outcome, setOutcome] = useState<RunOutcome | null>(null);
  const stop = useRef(false);

  useEffect(() => {
    let live = true;
    useAppStore
      .getState()
      .resolveSelectedUsers()
      .then((u) => live && setUsers(u))
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [serverId]);

  const problems = setPasswordProblems(password, confirm, policy, users?.map((u) => u.login) ?? []);
  const close = () => useAppStore.getState().closeDialog();
  function requestStop() {
    stop.current = true;
    setStopping(true);
  }

  async function submit() {
    setTried(true);
    if (!users || users.length === 0 || !policy || problems.password || problems.confirm || busy || outcome) return;
    setBusy(true);
    setError(null);
    stop.current = false;
    setStopping(false);
    try {
      const st = useAppStore.getState();
      const out = await st.setUsersPassword(users, password, { onProgress: (done, total) => setProgress({ done, total }), stopped: () => stop.current });
      const first = out.failures[0];
      if (out.failures.length === 0 && out.notReached === 0 && out.error === null) {
        st.showNotice({ tone: 'info', text: resultText(DONE, { ok: out.ok, failed: 0, notReached: 0 }) });
        st.closeDialog();
      } else if (out.ok === 0 && out.notReached === 0 && first && out.failures.every((f) => f.message === first.message)) {
        // Refused for everyone for one reason (the server's common-password list, say): say it here, so it can be corrected.
        setError(users.length === 1 ? first.message : `${first.message} (for all ${formatCount(users.length, 'user')})`);
      } else {
        setOutcome(out);
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const step = outcome ? 'result' : busy ? 'running' : 'form';
  return (
    <ModalFrame title="Set password" onSubmit={() => void submit()} busy={busy} onBusyEscape={requestStop} step={step} className="generate">
      {outcome ? (
        <RunResult done={DONE} outcome={outcome} />
      ) : (
        <>
          <p className="action-question">
            {users ? `New password for ${namesSummary(users.map((u) => u.login))}.` : 'Finding the selected users…'}
          </p>
          <p className="warning-text">No QR code is issued: their current QR codes stop working. Use Generate QR Code to hand out codes with a new password.</p>
          <div className="two-col">
            <div>
              <Field
                label="New password"
                value={password}
                onChange={setPassword}
                type="password"
                autoFocus
                autoComplete="new-password"
                error={tried ? problems.password : undefined}
              />
              <Field label="Confirm password" value={confirm} onChange={setConfirm} type="password" autoComplete="new-password" error={tried ? problems.confirm : undefined} />
              {problems.loginRefused.count > 0 ? (
                <p className="error-text">
                  Contains the login of {namesSummary(problems.loginRefused.first, problems.loginRefused.count)}: {problems.loginRefused.count === 1 ? 'that user keeps the' : 'they keep their'} old
                  password.
                </p>
              ) : null}
            </div>
            <PolicyPanel policy={policy} error={policyError} password={password} />
          </div>
          {busy ? <RunProgress text={progressText('Setting the password of', progress.done, progress.total)} done={progress.done} total={progress.total} stopping={stopping} /> : null}
        </>
      )}
      <DialogError message={error} />
      <DialogButtons>
        {outcome ? (
          <Button className="button primary" onPress={close} data-autofocus>
            Close
          </Button>
        ) : (
          <>
            <Button className="button" onPress={busy ? requestStop : close} isDisabled={busy && stopping} {...(busy ? { 'data-autofocus': true } : {})}>
              {busy ? 'Stop' : 'Cancel'}
            </Button>
            <Button className="button primary" type="submit" isDisabled={busy || !users || users.length === 0 || !policy}>
              Set password
            </Button>
          </>
        )}
      </DialogButtons>
    </ModalFrame>
  );
}

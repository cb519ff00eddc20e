import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import type { UserAction } from '../../../shared/api/users';
import type { RunOutcome } from '../lib/chunked-run';
import { errorMessage } from '../lib/format';
import { ACTION_TEXT, namesSummary, progressText, resultText } from '../lib/user-actions';
import { useAppStore } from '../store/store';
import type { TargetUser } from '../store/types';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { RunProgress, RunResult } from './run-result';

/**
 * Disable, enable, revoke the QR code of, or end the sessions of the selected users: the
 * confirmation names them (the first five logins and how many more) and says what the action
 * does; the run goes in chunks with progress and can be stopped between chunks; a clean run
 * closes with a notice, anything else shows who was not changed and why. The server audits
 * each user.
 */
export function UserActionDialog({ serverId, action }: { serverId: string; action: UserAction }) {
  const text = ACTION_TEXT[action];
  const [users, setUsers] = useState<readonly TargetUser[] | null>(null);
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

  const close = () => useAppStore.getState().closeDialog();
  function requestStop() {
    stop.current = true;
    setStopping(true);
  }

  async function confirm() {
    if (!users || users.length === 0 || busy || outcome) return;
    setBusy(true);
    setError(null);
    try {
      const st = useAppStore.getState();
      const out = await st.runUserAction(action, users, {
        onProgress: (done, total) => setProgress({ done, total }),
        stopped: () => stop.current,
      });
      if (out.failures.length === 0 && out.notReached === 0 && out.error === null) {
        st.showNotice({ tone: 'info', text: resultText(text.done, { ok: out.ok, failed: 0, notReached: 0 }) });
        st.closeDialog();
      } else {
        setOutcome(out);
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  // Each step focuses its own button: the action once the users are known, Stop while it runs, Close after.
  const step = outcome ? 'result' : busy ? 'running' : users ? 'confirm' : 'loading';
  return (
    <ModalFrame
      title={text.title}
      onSubmit={() => void confirm()}
      busy={busy}
      role={text.destructive ? 'alertdialog' : 'dialog'}
      onBusyEscape={requestStop}
      step={step}
    >
      {outcome ? (
        <RunResult done={text.done} outcome={outcome} />
      ) : (
        <>
          <p className="action-question">{users ? text.question(namesSummary(users.map((u) => u.login))) : 'Finding the selected users…'}</p>
          <p>{text.effect}</p>
          <p className="note">The server records this for each user in the audit log.</p>
          {busy ? <RunProgress text={progressText(text.doing, progress.done, progress.total)} done={progress.done} total={progress.total} stopping={stopping} /> : null}
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
            <Button
              className={`button ${text.destructive ? 'danger' : 'primary'}`}
              type="submit"
              isDisabled={busy || !users || users.length === 0}
              {...(busy ? {} : { 'data-autofocus': true })}
            >
              {text.verb}
            </Button>
          </>
        )}
      </DialogButtons>
    </ModalFrame>
  );
}

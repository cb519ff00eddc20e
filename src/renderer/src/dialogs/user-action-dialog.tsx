import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import type { RunOutcome } from '../lib/chunked-run';
import { errorMessage } from '../lib/format';
import { ACTION_TEXT, mandatoryNote, namesSummary, progressText, resultText, type ConsoleUserAction } from '../lib/user-actions';
import { useAppStore } from '../store/store';
import type { SelectedUser } from '../store/types';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { RunProgress, RunResult } from './run-result';

/**
 * The mandatory-2FA notes of the servers these users are on (Remove 2FA): what removing it
 * means there. A server whose setting cannot be read says so rather than staying silent.
 */
async function mandatoryNotes(users: readonly SelectedUser[]): Promise<string[]> {
  const { servers } = useAppStore.getState();
  const ids = [...new Set(users.map((u) => u.serverId))];
  const notes = await Promise.all(
    ids.map(async (serverId) => {
      const name = servers.find((s) => s.id === serverId)?.name ?? 'this server';
      try {
        return mandatoryNote(name, await window.gatepass.twoStep.settings({ serverId }), new Date());
      } catch (err) {
        return `Whether two-step verification is mandatory on ${name} could not be read: ${errorMessage(err)}`;
      }
    }),
  );
  return notes.flatMap((n) => (n ? [n] : []));
}

/**
 * Disable, enable, revoke the QR code of, end the sessions of, or remove two-step verification
 * of the selected users (of one server, or of several in the all-servers list, each sent to
 * their own server): the confirmation names them (the first five logins and how many more,
 * with their server when the list mixes servers) and says what the action does; the run goes
 * in chunks with progress and can be stopped between chunks; a clean run closes with a notice,
 * anything else shows who was not changed and why. The server audits each user.
 */
export function UserActionDialog({ serverId, action }: { serverId: string | null; action: ConsoleUserAction }) {
  const text = ACTION_TEXT[action];
  const [users, setUsers] = useState<readonly SelectedUser[] | null>(null);
  const [notes, setNotes] = useState<readonly string[]>([]);
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
      .then(async (u) => {
        const extra = action === 'removeTwoStep' ? await mandatoryNotes(u) : [];
        if (!live) return;
        setNotes(extra);
        setUsers(u);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [serverId, action]);

  // In the all-servers list a login alone does not say which user: name the server too.
  const serverName = (id: string) => useAppStore.getState().servers.find((s) => s.id === id)?.name ?? id;
  const named = users?.map((u) => (serverId === null ? `${u.login} (${serverName(u.serverId)})` : u.login));

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
      // Refusals are listed by login; in the all-servers list with the server too.
      const labelled = serverId === null ? users.map((u) => ({ ...u, login: `${u.login} (${serverName(u.serverId)})` })) : users;
      const out = await st.runUserAction(action, labelled, {
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
          <p className="action-question">{named ? text.question(namesSummary(named)) : 'Finding the selected users…'}</p>
          <p>{text.effect}</p>
          {notes.map((n) => (
            <p key={n} className="warning-text">
              {n}
            </p>
          ))}
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

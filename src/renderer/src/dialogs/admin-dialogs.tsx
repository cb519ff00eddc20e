import { useState } from 'react';
import { Button } from 'react-aria-components';
import { LoginSchema } from '../../../shared/model/user';
import { errorWithCode } from '../lib/format';
import { setPasswordProblems } from '../lib/set-password-check';
import { useAppStore } from '../store/store';
import type { AdminRef } from '../store/types';
import { ConfirmDialog } from './confirm-dialog';
import { Field } from './field';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { PolicyPanel, usePolicy } from './policy-panel';
import { useDialogCall } from './use-dialog-call';

/**
 * The Administrators section's dialogs (issue 12). Passwords live in these dialogs' state only
 * and go to main in the one call that uses them; refusals are shown with their stable code.
 */


/** A call of the dialog with its busy state and its refusal, shown with its code. */
function useAdminCall() {
  return useDialogCall(null, errorWithCode);
}

function serverNameOf(serverId: string): string | undefined {
  return useAppStore.getState().servers.find((s) => s.id === serverId)?.name;
}

/**
 * Add administrator: a login and a password with its confirmation, checked as typed against the
 * server's policy (its rules, its common-password list, not containing the login), as Set
 * password checks users' passwords. The server decides again: LOGIN_TAKEN for a login that
 * exists in any case, POLICY_VIOLATION with the policy's words.
 */
export function AddAdminDialog({ serverId, onDone }: { serverId: string; onDone?: () => void }) {
  const serverName = useAppStore((s) => s.servers.find((x) => x.id === serverId)?.name);
  const { policy, policyError } = usePolicy(serverId);
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [tried, setTried] = useState(false);
  const { busy, error, run } = useAdminCall();

  const loginCheck = LoginSchema.safeParse(login);
  const problems = setPasswordProblems(password, confirm, policy, loginCheck.success ? [loginCheck.data] : []);
  const loginError = loginCheck.success ? undefined : loginCheck.error.issues[0]?.message;

  async function submit() {
    setTried(true);
    if (busy || !policy || !loginCheck.success || problems.password || problems.confirm) return;
    const newLogin = loginCheck.data;
    await run(async () => {
      const added = await window.gatepass.admins.create({ serverId, login: newLogin, password });
      onDone?.();
      const st = useAppStore.getState();
      st.showNotice({ tone: 'info', text: `Added administrator ${added.login}${serverName ? ` on ${serverName}` : ''}` });
      st.closeDialog();
    });
  }

  return (
    <ModalFrame title="Add administrator" onSubmit={() => void submit()} busy={busy} className="generate">
      <p className="action-question">A new administrator of {serverName ?? 'this server'}: they sign in to the console and the CLI with this login and password.</p>
      <div className="two-col">
        <div>
          <Field label="Login" value={login} onChange={setLogin} autoFocus isRequired maxLength={128} error={tried ? loginError : undefined} hint="Unique on this server, ignoring case." />
          <Field label="Password" value={password} onChange={setPassword} type="password" isRequired autoComplete="new-password" error={tried ? problems.password : undefined} />
          <Field label="Confirm password" value={confirm} onChange={setConfirm} type="password" isRequired autoComplete="new-password" error={tried ? problems.confirm : undefined} />
        </div>
        <PolicyPanel policy={policy} error={policyError} password={password} login={login} />
      </div>
      <DialogError message={error} />
      <DialogButtons>
        <CancelButton busy={busy} />
        <Button className="button primary" type="submit" isDisabled={busy || !policy}>
          {busy ? 'Adding…' : 'Add administrator'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

/**
 * Disable or enable an administrator, named in the confirmation. Disabling ends their sessions at
 * once and stops their sign-in; the server refuses yourself and the last enabled administrator,
 * and its reason is shown here with its code.
 */
export function AdminStateDialog({ serverId, admin, action, onDone }: { serverId: string; admin: AdminRef; action: 'disable' | 'enable'; onDone?: () => void }) {
  const serverName = serverNameOf(serverId);
  const on = serverName ? ` on ${serverName}` : '';

  async function confirm() {
    try {
      const done = action === 'disable' ? await window.gatepass.admins.disable({ serverId, adminId: admin.id }) : await window.gatepass.admins.enable({ serverId, adminId: admin.id });
      useAppStore.getState().showNotice({ tone: 'info', text: `${action === 'disable' ? 'Disabled' : 'Enabled'} administrator ${done.login}${on}` });
    } catch (err) {
      // The dialog shows a thrown error's message: give it the code as well.
      throw new Error(errorWithCode(err));
    } finally {
      // Refused or not, the list shows what the server holds now (another console may have changed it).
      onDone?.();
    }
  }

  return action === 'disable' ? (
    <ConfirmDialog title="Disable administrator" confirmLabel={`Disable ${admin.login}`} busyLabel="Disabling…" onConfirm={confirm}>
      <p className="action-question">
        Disable <strong>{admin.login}</strong>
        {on}?
      </p>
      <p>
        Their sessions end at once, in every console and the CLI, and they cannot sign in until an administrator enables them again. Their password and
        two-step verification are kept.
      </p>
    </ConfirmDialog>
  ) : (
    <ConfirmDialog title="Enable administrator" confirmLabel={`Enable ${admin.login}`} busyLabel="Enabling…" onConfirm={confirm} tone="primary">
      <p className="action-question">
        Enable <strong>{admin.login}</strong>
        {on}?
      </p>
      <p>They can sign in again with their password (and their two-step verification, if they have it).</p>
    </ConfirmDialog>
  );
}

/**
 * Change an administrator's password, checked against the server's policy as typed. Your own
 * needs your current password (an open console is not enough) and your other sessions end; the
 * console keeps signing in with the new one. Another's ends every session of theirs.
 */
export function AdminPasswordDialog({ serverId, admin, onDone }: { serverId: string; admin: AdminRef & { you: boolean }; onDone?: () => void }) {
  const serverName = serverNameOf(serverId);
  const { policy, policyError } = usePolicy(serverId);
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [tried, setTried] = useState(false);
  const { busy, error, run } = useAdminCall();

  const problems = setPasswordProblems(password, confirm, policy, [admin.login]);
  const currentError = admin.you && !current ? 'Enter your current password' : undefined;

  async function submit() {
    setTried(true);
    if (busy || !policy || currentError || problems.password || problems.confirm) return;
    await run(async () => {
      const changed = await window.gatepass.admins.setPassword({ serverId, adminId: admin.id, password, ...(admin.you ? { currentPassword: current } : {}) });
      onDone?.();
      const st = useAppStore.getState();
      st.showNotice({ tone: 'info', text: changed.you ? 'Your password was changed' : `Changed the password of ${changed.login}: their sessions ended` });
      st.closeDialog();
    });
  }

  return (
    <ModalFrame title={admin.you ? 'Change your password' : `Change password of ${admin.login}`} onSubmit={() => void submit()} busy={busy} className="generate">
      {admin.you ? (
        <p className="action-question">
          Your password as <strong>{admin.login}</strong>
          {serverName ? ` on ${serverName}` : ''}. Your other sessions end; this console goes on and signs in with the new password from now on.
        </p>
      ) : (
        <>
          <p className="action-question">
            New password for <strong>{admin.login}</strong>
            {serverName ? ` on ${serverName}` : ''}.
          </p>
          <p className="warning-text">Their sessions end at once: {admin.login} signs in again with the new password. Tell them how they get it.</p>
        </>
      )}
      <div className="two-col">
        <div>
          {admin.you ? (
            <Field label="Current password" value={current} onChange={setCurrent} type="password" autoFocus isRequired autoComplete="current-password" error={tried ? currentError : undefined} />
          ) : null}
          <Field
            label="New password"
            value={password}
            onChange={setPassword}
            type="password"
            autoFocus={!admin.you}
            isRequired
            autoComplete="new-password"
            error={tried ? problems.password : undefined}
          />
          <Field label="Confirm password" value={confirm} onChange={setConfirm} type="password" isRequired autoComplete="new-password" error={tried ? problems.confirm : undefined} />
        </div>
        <PolicyPanel policy={policy} error={policyError} password={password} login={admin.login} />
      </div>
      <DialogError message={error} />
      <DialogButtons>
        <CancelButton busy={busy} />
        <Button className="button primary" type="submit" isDisabled={busy || !policy}>
          {busy ? 'Changing…' : 'Change password'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import { EmailSchema, LoginSchema } from '../../../shared/model/user';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import { Field } from './field';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { useDialogCall } from './use-dialog-call';

/** Add user and Edit user: the same form; editing loads the user fresh from main first. */
export function UserDialog({ serverId, userId }: { serverId: string; userId?: string }) {
  const editing = userId !== undefined;
  const [login, setLogin] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [loaded, setLoaded] = useState(!editing);
  const [tried, setTried] = useState(false);
  const { busy, error, setError, run } = useDialogCall();

  useEffect(() => {
    if (userId === undefined) return;
    let live = true;
    window.gatepass.users
      .get({ serverId, userId })
      .then((u) => {
        if (!live) return;
        setLogin(u.login);
        setDisplayName(u.displayName);
        setEmail(u.email);
        setLoaded(true);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
    // setError is React's state setter (stable), passed through useDialogCall.
  }, [serverId, userId, setError]);

  const loginCheck = LoginSchema.safeParse(login);
  const emailCheck = EmailSchema.safeParse(email.trim());
  const errors = {
    login: loginCheck.success ? undefined : loginCheck.error.issues[0]?.message,
    email: emailCheck.success ? undefined : emailCheck.error.issues[0]?.message,
  };

  async function submit() {
    setTried(true);
    if (!loaded || errors.login || errors.email) return;
    const input = { login: login.trim(), displayName: displayName.trim(), email: email.trim() };
    await run(async () => {
      const st = useAppStore.getState();
      if (userId === undefined) await st.createUser(input);
      else await st.updateUser(userId, input);
      st.closeDialog();
    });
  }

  return (
    <ModalFrame title={editing ? 'Edit user' : 'Add user'} onSubmit={() => void submit()} busy={busy}>
      <Field label="Login" value={login} onChange={setLogin} autoFocus isRequired error={tried ? errors.login : undefined} />
      <Field label="Display name" value={displayName} onChange={setDisplayName} />
      <Field label="Email" value={email} onChange={setEmail} type="email" error={tried ? errors.email : undefined} />
      {!loaded && !error ? <p className="note">Loading…</p> : null}
      <DialogError message={error} />
      <DialogButtons>
        <Button className="button" onPress={() => useAppStore.getState().closeDialog()} isDisabled={busy}>
          Cancel
        </Button>
        <Button className="button primary" type="submit" isDisabled={busy || !loaded}>
          {editing ? 'Save' : 'Add'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

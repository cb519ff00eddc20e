import { useState } from 'react';
import { Button, Checkbox } from 'react-aria-components';
import { useAppStore } from '../store/store';
import { Field } from './field';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { useDialogCall } from './use-dialog-call';

/** Checks the URL the way servers:add will, so the mistake is shown next to the field. */
export function urlProblem(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? undefined : 'Use an http:// or https:// address';
  } catch {
    return 'Enter a full address, such as https://gatepass.example:8443';
  }
}

/** Add server: sign in to a Gatepass server and add it to the tree. */
export function AddServerDialog() {
  const appInfo = useAppStore((s) => s.appInfo);
  const keychainOk = appInfo?.keychain !== 'unavailable';
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(keychainOk);
  const [tried, setTried] = useState(false);
  const { busy, error, run } = useDialogCall();

  const errors = {
    url: url.trim() ? urlProblem(url.trim()) : 'Enter the server address',
    login: login.trim() ? undefined : 'Enter the administrator login',
    password: password ? undefined : 'Enter the password',
  };
  const valid = !errors.url && !errors.login && !errors.password;

  async function submit() {
    setTried(true);
    if (!valid) return;
    await run(async () => {
      await useAppStore.getState().addServer({
        ...(name.trim() ? { name: name.trim() } : {}),
        url: url.trim(),
        login: login.trim(),
        password,
        remember: remember && keychainOk,
      });
      useAppStore.getState().closeDialog();
    });
  }

  return (
    <ModalFrame title="Add server" onSubmit={() => void submit()} busy={busy}>
      <Field label="Name" value={name} onChange={setName} autoFocus placeholder="Shown in the tree; defaults to the server's own name" />
      <Field label="Server URL" value={url} onChange={setUrl} type="url" isRequired error={tried ? errors.url : undefined} placeholder="https://gatepass.example:8443" />
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
      <DialogError message={error} />
      <DialogButtons>
        <Button className="button" onPress={() => useAppStore.getState().closeDialog()} isDisabled={busy}>
          Cancel
        </Button>
        <Button className="button primary" type="submit" isDisabled={busy}>
          {busy ? 'Signing in…' : 'Add'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import { Button, Checkbox, Label, Radio, RadioGroup, Text } from 'react-aria-components';
import { EmailSchema, LoginSchema, type UserSource } from '../../../shared/model/user';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import { Field } from './field';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { useDialogCall } from './use-dialog-call';
import { UserDevices } from './user-devices';
import { UserSecurity } from './user-security';

/**
 * Add user and Edit user: the same form; editing loads the user fresh from their server first
 * and adds the Security section (two-step verification) and the Devices section (provisioned
 * phones, each revocable). The details are their own form, so
 * Enter in a Security field never saves the details.
 */
export function UserDialog({ serverId, userId }: { serverId: string; userId?: string }) {
  const editing = userId !== undefined;
  const [login, setLogin] = useState('');
  const [loadedLogin, setLoadedLogin] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [source, setSource] = useState<UserSource>('internal');
  const [mobileAllowed, setMobileAllowed] = useState(true);
  const [loaded, setLoaded] = useState(!editing);
  // Bumped when a device is revoked: the Security section reads the user's two-step state again.
  const [securityTick, setSecurityTick] = useState(0);
  const [tried, setTried] = useState(false);
  const { busy, error, setError, run } = useDialogCall();
  const serverName = useAppStore((s) => s.servers.find((x) => x.id === serverId)?.name);
  const allServers = useAppStore((s) => s.view?.serverId === null);

  useEffect(() => {
    if (userId === undefined) return;
    let live = true;
    window.gatepass.users
      .get({ serverId, userId })
      .then((u) => {
        if (!live) return;
        setLogin(u.login);
        setLoadedLogin(u.login);
        setDisplayName(u.displayName);
        setEmail(u.email);
        setSource(u.source);
        setMobileAllowed(u.mobileAllowed);
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

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    setTried(true);
    if (busy || !loaded || errors.login || errors.email) return;
    const input = { login: login.trim(), displayName: displayName.trim(), email: email.trim(), source, mobileAllowed };
    await run(async () => {
      const st = useAppStore.getState();
      if (userId === undefined) await st.createUser(input);
      else await st.updateUser(serverId, userId, input);
      st.closeDialog();
    });
  }

  const fields = (
    <>
      <Field label="Login" value={login} onChange={setLogin} autoFocus isRequired error={tried ? errors.login : undefined} />
      <Field label="Display name" value={displayName} onChange={setDisplayName} />
      <Field label="Email" value={email} onChange={setEmail} type="email" error={tried ? errors.email : undefined} />
      <RadioGroup className="option-group source-group" orientation="horizontal" value={source} onChange={(v) => setSource(v === 'directory' ? 'directory' : 'internal')}>
        <Label className="group-label">Source</Label>
        <div className="source-choices">
          <Radio className="radio" value="internal">
            <span className="radio-dot" aria-hidden="true" />
            Internal
          </Radio>
          <Radio className="radio" value="directory">
            <span className="radio-dot" aria-hidden="true" />
            Directory
          </Radio>
        </div>
        <Text slot="description" className="hint">
          Internal users get one-time passwords for computers with their login and password; directory users by the account signed in on the computer
          (Settings, Computer sign-in).
        </Text>
      </RadioGroup>
      <Checkbox className="checkbox" isSelected={mobileAllowed} onChange={setMobileAllowed} isDisabled={busy || !loaded}>
        <span className="checkbox-box" aria-hidden="true" />
        May use mobile authentication (provision a phone)
      </Checkbox>
    </>
  );
  const buttons = (
    <DialogButtons>
      <CancelButton busy={busy} />
      <Button className="button primary" type={editing ? 'button' : 'submit'} onPress={editing ? () => void submit() : undefined} isDisabled={busy || !loaded}>
        {editing ? 'Save' : 'Add'}
      </Button>
    </DialogButtons>
  );

  if (!editing) {
    return (
      <ModalFrame title="Add user" onSubmit={() => void submit()} busy={busy}>
        {fields}
        <DialogError message={error} />
        {buttons}
      </ModalFrame>
    );
  }
  return (
    <ModalFrame title="Edit user" busy={busy} className="wide">
      {/* Which server, when the list mixes them. */}
      {allServers && serverName ? <p className="note">On {serverName}</p> : null}
      <form
        className="details-form"
        aria-label="Details"
        noValidate
        onSubmit={(e) => void submit(e)}
        onKeyDown={(e) => {
          // Enter in a detail field saves the details (the Security section has its own forms).
          if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
            e.preventDefault();
            void submit();
          }
        }}
      >
        {fields}
      </form>
      {!loaded && !error ? <p className="note">Loading…</p> : null}
      <DialogError message={error} />
      {userId !== undefined && loaded ? (
        <>
          <UserSecurity key={securityTick} serverId={serverId} userId={userId} login={loadedLogin} />
          <UserDevices serverId={serverId} userId={userId} login={loadedLogin} onChanged={() => setSecurityTick((t) => t + 1)} />
        </>
      ) : null}
      {buttons}
    </ModalFrame>
  );
}

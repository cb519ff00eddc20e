import { useState } from 'react';
import { Button } from 'react-aria-components';
import { ComputerNameSchema } from '../../../shared/api/computers';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { triggerDownload } from '../transport/http-transport';
import { insecureOverNetwork } from './add-server-dialog';
import { useAppStore } from '../store/store';
import { Field } from './field';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { useDialogCall } from './use-dialog-call';

type Registered = ChannelOutput<'computers:register'>;

/** An http(s) address, or why not (the agent calls it; the server checks it again). */
function addressProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'The server address is required';
  try {
    const u = new URL(t);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'The server address is an http:// or https:// address';
  } catch {
    return 'Not a valid address (for example https://gatepass.example.com:8443)';
  }
}

/**
 * Register computer: the administrator names the computer (and, when agents reach the server
 * by another address than the console does, that address); main registers it and saves its
 * agent file (a save dialog in Electron, a download in the browser host). The file carries the
 * computer's credential, which the server shows this once: it never passes through here.
 */
export function RegisterComputerDialog({ serverId, onDone }: { serverId: string; onDone?: (computerId: string) => void }) {
  const server = useAppStore((s) => s.servers.find((x) => x.id === serverId));
  const [name, setName] = useState('');
  const [address, setAddress] = useState(server?.url ?? '');
  const [tried, setTried] = useState(false);
  const [done, setDone] = useState<Registered | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const { busy, error, run } = useDialogCall();

  const nameCheck = ComputerNameSchema.safeParse(name);
  const errors = { name: nameCheck.success ? undefined : nameCheck.error.issues[0]?.message, address: addressProblem(address) };

  async function submit() {
    setTried(true);
    setCancelled(false);
    if (busy || errors.name || errors.address || !nameCheck.success) return;
    const computerName = nameCheck.data;
    await run(async () => {
      const res = await window.gatepass.computers.register({ serverId, name: computerName, serverUrl: address.trim() });
      if (res.result.kind === 'cancelled' || !res.computer) {
        // Where to save is asked before anything is registered: nothing happened.
        setCancelled(true);
        return;
      }
      if (res.result.kind === 'download') triggerDownload(res.result.url, res.result.fileName);
      setDone(res);
      onDone?.(res.computer.id);
      useAppStore.getState().showNotice({ tone: 'info', text: `Registered ${res.computer.name}` });
    });
  }

  if (done?.computer) {
    const where = done.result.kind === 'saved' ? `saved to ${done.result.path}` : done.result.kind === 'download' ? `downloaded as ${done.result.fileName}` : '';
    return (
      <ModalFrame title="Computer registered" className="wide" step="done">
        <p role="status">
          <strong>{done.computer.name}</strong> is registered on {server?.name ?? 'the server'}. Its agent file was {where}.
        </p>
        <p>
          Install the file on {done.computer.name} only, readable by the agent&apos;s account alone: it holds the computer&apos;s own credential, which
          Gatepass shows this once and keeps only as a hash. If it is lost or leaked, revoke the computer and register it again.
        </p>
        <p className="note">
          The agent then requests one-time passwords as the Settings&apos; Computer sign-in part allows, for example{' '}
          <code>gatepass agent request --config {done.result.kind === 'download' ? done.result.fileName : 'pc.agent'} --email …</code>.
        </p>
        <DialogButtons>
          <Button className="button primary" onPress={() => useAppStore.getState().closeDialog()} data-autofocus>
            Done
          </Button>
        </DialogButtons>
      </ModalFrame>
    );
  }

  return (
    <ModalFrame title="Register computer" className="wide" onSubmit={() => void submit()} busy={busy}>
      <Field label="Computer name" value={name} onChange={setName} autoFocus isRequired maxLength={128} error={tried ? errors.name : undefined} hint="As users and the audit will see it, for example WS-FRONT-01." />
      <Field
        label="Server address for the agent"
        value={address}
        onChange={setAddress}
        type="url"
        isRequired
        error={tried ? errors.address : undefined}
        hint="Written into the agent file: the address the computer reaches this server at (the console's own address by default)."
      />
      {insecureOverNetwork(address.trim()) ? (
        <p className="warning-text" role="note">
          This address is plain http:// to another machine: the computer&apos;s credential, users&apos; passwords and their one-time passwords would cross
          the network unencrypted. Use https:// (the server&apos;s --tls options) unless this network is private and trusted.
        </p>
      ) : null}
      <p className="note">
        Registering saves the computer&apos;s agent file (<code>.agent</code>). It holds a credential of this computer&apos;s own that works until the computer is
        revoked, so keep it private.
      </p>
      {cancelled ? <p className="note" role="status">Nothing was registered: choose where to save the agent file to register the computer.</p> : null}
      <DialogError message={error} />
      <DialogButtons>
        <CancelButton busy={busy} />
        <Button className="button primary" type="submit" isDisabled={busy}>
          {busy ? 'Registering…' : 'Register and save agent file…'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

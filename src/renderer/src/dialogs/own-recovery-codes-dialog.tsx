import { useState } from 'react';
import { Button } from 'react-aria-components';
import type { ShownRecoveryCodes } from '../../../shared/ipc/contract';
import { useAppStore } from '../store/store';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { RecoveryCodesPanel } from './recovery-codes-panel';
import { useDialogCall } from './use-dialog-call';

/**
 * New recovery codes for the administrator's own account on this server: a confirmation (every
 * earlier code stops working), then the 8 new codes, shown once, to save as .txt or print.
 */
export function OwnRecoveryCodesDialog({ serverId }: { serverId: string }) {
  const server = useAppStore((s) => s.servers.find((x) => x.id === serverId));
  const [codes, setCodes] = useState<ShownRecoveryCodes | null>(null);
  const { busy, error, run } = useDialogCall();

  const close = () => {
    const st = useAppStore.getState();
    st.closeDialog();
    if (codes) st.bumpTwoStep();
  };

  if (codes) {
    return (
      <ModalFrame title="New recovery codes" className="wide" step="codes" onClose={close}>
        <RecoveryCodesPanel codes={codes} whose="own" />
        <DialogButtons>
          <Button className="button primary" onPress={close} data-autofocus>
            Done
          </Button>
        </DialogButtons>
      </ModalFrame>
    );
  }
  return (
    <ModalFrame
      title="New recovery codes"
      role="alertdialog"
      busy={busy}
      onSubmit={() => void run(async () => setCodes(await window.gatepass.twoStep.regenerateOwnCodes({ serverId })))}
    >
      <p className="action-question">Make new recovery codes for {server?.login ?? 'your account'} on {server?.name ?? 'this server'}?</p>
      <p>Every recovery code you have now stops working. The 8 new ones are shown once: save or print them.</p>
      <DialogError message={error} />
      <DialogButtons>
        <CancelButton busy={busy} />
        <Button className="button primary" type="submit" isDisabled={busy} data-autofocus>
          {busy ? 'Making codes…' : 'Make new codes'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

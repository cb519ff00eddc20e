import type { ReactNode } from 'react';
import { Button } from 'react-aria-components';
import { useAppStore } from '../store/store';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { useDialogCall } from './use-dialog-call';

/**
 * A destructive confirmation (alertdialog) that names what goes: the action's button has focus
 * (Enter confirms, Esc cancels), the action runs on confirm, the dialog closes when it succeeds
 * and shows the error's message when it does not.
 */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  disabled?: boolean;
  /** The confirm button's look: `danger` (the default) for what takes something away, `primary` for what gives it back. */
  tone?: 'danger' | 'primary';
  /** Runs the action; resolves when done (the dialog then closes). */
  onConfirm: () => Promise<void>;
}) {
  const { busy, error, run } = useDialogCall();

  const submit = () =>
    run(async () => {
      await props.onConfirm();
      useAppStore.getState().closeDialog();
    });

  return (
    <ModalFrame title={props.title} onSubmit={() => void submit()} busy={busy} role="alertdialog">
      {props.children}
      <DialogError message={error} />
      <DialogButtons>
        <CancelButton busy={busy} />
        <Button className={`button ${props.tone ?? 'danger'}`} type="submit" isDisabled={busy || !!props.disabled} data-autofocus>
          {busy ? props.busyLabel : props.confirmLabel}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { useState, type ReactNode } from 'react';
import { Button } from 'react-aria-components';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';

/**
 * A destructive confirmation (alertdialog): Cancel has focus, the action runs on confirm,
 * the dialog closes when it succeeds and shows the error's message when it does not.
 */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  disabled?: boolean;
  /** Runs the action; resolves when done (the dialog then closes). */
  onConfirm: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      useAppStore.getState().closeDialog();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <ModalFrame title={props.title} onSubmit={() => void submit()} busy={busy} role="alertdialog">
      {props.children}
      <DialogError message={error} />
      <DialogButtons>
        <Button className="button" onPress={() => useAppStore.getState().closeDialog()} isDisabled={busy} autoFocus>
          Cancel
        </Button>
        <Button className="button danger" type="submit" isDisabled={busy || !!props.disabled}>
          {busy ? props.busyLabel : props.confirmLabel}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { Button } from 'react-aria-components';
import { useAppStore } from '../store/store';
import type { View } from '../store/types';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { useDialogCall } from './use-dialog-call';

/**
 * Leaving a view with unsaved edits (Settings): Save keeps them and goes on (the default),
 * Discard drops them and goes on, Cancel (or Esc) stays where the edits are.
 */
export function UnsavedChangesDialog({ next }: { next: View }) {
  const edits = Object.values(useAppStore((s) => s.unsavedEdits));
  const { busy, error, run } = useDialogCall();
  const st = () => useAppStore.getState();

  const go = () => {
    st().closeDialog();
    st().setView(next);
  };

  async function save() {
    await run(async () => {
      // Each part in turn; one refused stops here: stay on the form, which says why.
      for (const part of edits) {
        if (!(await part.save())) {
          st().closeDialog();
          return;
        }
      }
      go();
    });
  }

  function discard() {
    for (const part of edits) part.discard();
    go();
  }

  return (
    <ModalFrame title="Unsaved changes" role="alertdialog" onSubmit={() => void save()} busy={busy} className="question">
      <p>Save the changes to {edits.length > 0 ? edits.map((e) => e.what).join(' and ') : 'this page'} before leaving?</p>
      <p className="note">Discarded changes are lost; the server keeps what was saved before.</p>
      <DialogError message={error} />
      <DialogButtons>
        <Button className="button" onPress={() => st().closeDialog()} isDisabled={busy}>
          Cancel
        </Button>
        <span className="spacer" />
        <Button className="button danger-outline" onPress={discard} isDisabled={busy}>
          Discard
        </Button>
        <Button className="button primary" type="submit" isDisabled={busy} autoFocus>
          {busy ? 'Saving…' : 'Save'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

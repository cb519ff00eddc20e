import { Button } from 'react-aria-components';
import { useAppStore } from '../store/store';
import type { SaveState } from '../store/types';

/**
 * Where the last save stands, shared by the popup and the Save QR codes dialog: a progress bar
 * with the phase and a Cancel button while it runs, then where the file went, that it was
 * cancelled, or the error (DISK_FULL, PERMISSION_DENIED, ...) as main worded it. A save never
 * ends the job: the same codes can be saved again, in any form, until the popup is closed.
 */
export function SaveStatus({ jobId, save, idle }: { jobId: string; save: SaveState | undefined; idle?: string | undefined }) {
  if (save?.state === 'saving') {
    const what = save.options.format === 'zip' || save.options.includeConfig ? 'ZIP' : 'PDF';
    const label =
      save.total === 0
        ? `Preparing the ${what}…`
        : save.phase === 'rendering'
          ? `Drawing cards: ${save.done.toLocaleString('en-US')} of ${save.total.toLocaleString('en-US')}`
          : `Writing the ${what}: ${save.done.toLocaleString('en-US')} of ${save.total.toLocaleString('en-US')}`;
    return (
      <div className="save-line" aria-live="polite">
        <span>{label}</span>
        <progress max={save.total || 1} value={save.total ? save.done : undefined} aria-label={`Saving the ${what}`} />
        <Button className="button small" onPress={() => void useAppStore.getState().cancelSave(jobId)}>
          Cancel
        </Button>
      </div>
    );
  }
  return (
    <div className="save-line" aria-live="polite">
      {save?.state === 'done' ? (
        save.result.kind === 'saved' ? (
          <span className="ok-text">Saved to {save.result.path}</span>
        ) : save.result.kind === 'download' ? (
          <span className="ok-text">Download started: {save.result.fileName}</span>
        ) : (
          <span className="muted">Save cancelled: nothing was written.</span>
        )
      ) : save?.state === 'error' ? (
        <span className="error-text" role="alert">
          Not saved: {save.message}
        </span>
      ) : idle ? (
        <span className="muted">{idle}</span>
      ) : null}
    </div>
  );
}

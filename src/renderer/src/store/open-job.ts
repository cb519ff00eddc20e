import { unsavedCount } from '../lib/job-text';
import type { AppState, DialogState } from './types';

/**
 * The job whose popup is open, counting the dialogs opened from it (Save as…, Generate again),
 * which return to it: the job lives exactly as long as that chain of dialogs.
 */
export function openJobId(dialog: DialogState): string | null {
  switch (dialog.kind) {
    case 'generated':
    case 'saveOptions':
    case 'provisioningCodes':
      return dialog.jobId;
    case 'generate':
      return dialog.again?.jobId ?? null;
    default:
      return null;
  }
}

/** How many users of the open job have new codes no save has written (0 when no job is open). */
export function openJobUnsaved(s: Pick<AppState, 'dialog' | 'jobs' | 'savedCodes'>): number {
  const jobId = openJobId(s.dialog);
  const job = jobId ? s.jobs[jobId] : undefined;
  return job && jobId ? unsavedCount(job.codes, s.savedCodes[jobId]) : 0;
}

/**
 * Whether leaving the page (closing the window or tab, reloading) would lose codes: users are
 * being re-keyed right now, or the open job has codes nobody saved.
 */
export function mustWarnBeforeLeaving(s: Pick<AppState, 'dialog' | 'jobs' | 'savedCodes' | 'issuing'>): boolean {
  return s.issuing !== null || openJobUnsaved(s) > 0;
}

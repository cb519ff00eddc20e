import type { exportChannels } from '../../shared/ipc/channels/export';
import type { Handlers } from '../ipc/dispatch';
import type { SaveJobs } from '../services/export/save-job';

/** Saving a job as files; the save job holds the path policy, cancelling and progress. */
export function exportHandlers(saves: SaveJobs): Pick<Handlers, keyof typeof exportChannels> {
  return {
    async 'export:cancel'({ jobId }) {
      saves.cancel(jobId);
      return { ok: true as const };
    },
    async 'export:save'(input) {
      return saves.save(input);
    },
  };
}

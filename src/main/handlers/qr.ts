import { GatepassError } from '../../shared/errors';
import type { qrChannels } from '../../shared/ipc/channels/qr';
import type { EventPayload } from '../../shared/ipc/contract';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';
import type { SaveJobs } from '../services/export/save-job';
import { generateQrJob, regenerateQrJob, type RunControl } from '../services/issuing/issue-job';
import { summariseJob, type JobStore } from '../services/issuing/job-store';

/**
 * Issuing: a new job kept in `jobs` until its popup is closed, or a job's broken (or not yet
 * reached) users issued again. A run the renderer named with a runId reports progress after
 * each chunk and can be cancelled between chunks.
 */
export function qrHandlers(deps: {
  connections: Connections;
  jobs: JobStore;
  saves: SaveJobs;
  onProgress: (p: EventPayload<'qr:progress'>) => void;
}): Pick<Handlers, keyof typeof qrChannels> {
  const { connections, jobs, saves } = deps;
  const runs = new Map<string, AbortController>();

  /** Runs `work` under the run id (if any): one run per id at a time, always unregistered. */
  async function asRun<T>(runId: string | undefined, work: (control: RunControl) => Promise<T>): Promise<T> {
    if (runId === undefined) return work({});
    if (runs.has(runId)) throw new GatepassError('VALIDATION_FAILED', 'A run with this id is already going');
    const ac = new AbortController();
    runs.set(runId, ac);
    try {
      return await work({ signal: ac.signal, onProgress: (p) => deps.onProgress({ runId, ...p }) });
    } finally {
      runs.delete(runId);
    }
  }

  return {
    async 'qr:generate'({ serverId, userIds, mode, runId }) {
      const server = connections.get(serverId);
      const job = await asRun(runId, (control) =>
        generateQrJob({
          call: connections.admin(serverId),
          serverId,
          serverName: server.name,
          serverUrl: connections.urlOf(serverId),
          userIds,
          mode,
          control,
        }),
      );
      jobs.add(job);
      return summariseJob(job);
    },
    async 'qr:regenerate'({ jobId, userIds, mode, runId }) {
      const job = jobs.get(jobId);
      if (saves.isSaving(jobId)) throw new GatepassError('VALIDATION_FAILED', 'These codes are being saved; wait for the save to finish or cancel it');
      await asRun(runId, (control) => regenerateQrJob(job, { call: connections.admin(job.serverId), userIds, mode, control }));
      return summariseJob(job);
    },
    async 'qr:cancel'({ runId }) {
      // A run that has already finished has nothing left to stop; its answer says what it did.
      runs.get(runId)?.abort();
      return { ok: true as const };
    },
    async 'qr:discard'({ jobId }) {
      saves.cancel(jobId);
      jobs.delete(jobId);
      return { ok: true as const };
    },
  };
}

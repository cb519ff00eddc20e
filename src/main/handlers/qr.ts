import { GatepassError } from '../../shared/errors';
import type { qrChannels } from '../../shared/ipc/channels/qr';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';
import type { SaveJobs } from '../services/export/save-job';
import { generateQrJob, regenerateQrJob } from '../services/issuing/issue-job';
import { summariseJob, type JobStore } from '../services/issuing/job-store';

/** Issuing: a new job kept in `jobs`, or a job's broken codes issued again. */
export function qrHandlers(deps: { connections: Connections; jobs: JobStore; saves: SaveJobs }): Pick<Handlers, keyof typeof qrChannels> {
  const { connections, jobs, saves } = deps;
  return {
    async 'qr:generate'({ serverId, userIds, mode }) {
      const server = connections.get(serverId);
      const job = await generateQrJob({
        call: connections.admin(serverId),
        serverId,
        serverName: server.name,
        serverUrl: connections.urlOf(serverId),
        userIds,
        mode,
      });
      jobs.add(job);
      return summariseJob(job);
    },
    async 'qr:regenerate'({ jobId, userIds, mode }) {
      const job = jobs.get(jobId);
      if (saves.isSaving(jobId)) throw new GatepassError('VALIDATION_FAILED', 'These codes are being saved; wait for the save to finish or cancel it');
      await regenerateQrJob(job, { call: connections.admin(job.serverId), userIds, mode });
      return summariseJob(job);
    },
  };
}

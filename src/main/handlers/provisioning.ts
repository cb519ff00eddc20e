import type { provisioningChannels } from '../../shared/ipc/channels/provisioning';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';
import { summariseJob, type JobStore } from '../services/issuing/job-store';
import { provisioningQrJob } from '../services/provisioning/provisioning-job';
import type { SendRuns } from '../services/provisioning/send-runs';

/**
 * Mobile provisioning through each server's admin session. Send provisioning email passes
 * straight to the server (which issues the codes and queues the messages together) and keeps
 * the answer for the report; Show provisioning QR issues the codes and keeps their payloads in
 * main as a job, as Generate QR Code does: the renderer gets QR module paths only.
 */
export function provisioningHandlers(deps: { connections: Connections; jobs: JobStore; runs: SendRuns }): Pick<Handlers, keyof typeof provisioningChannels> {
  const { connections, jobs, runs } = deps;
  const validity = (v: number | undefined) => (v === undefined ? {} : { validitySeconds: v });
  return {
    async 'provisioning:settings'({ serverId }) {
      return connections.admin(serverId)('getProvisioningSettings');
    },
    async 'provisioning:setSettings'({ serverId, ...body }) {
      return connections.admin(serverId)('setProvisioningSettings', { body });
    },
    async 'provisioning:previewMail'({ serverId, userId, validitySeconds }) {
      return connections.admin(serverId)('previewProvisioningMail', { body: { userId, ...validity(validitySeconds) } });
    },
    async 'provisioning:sendMail'({ serverId, userIds, validitySeconds }) {
      // Codes for thousands of users are issued and their messages queued in one request.
      const results = await connections.admin(serverId)('sendProvisioningMail', { body: { userIds, ...validity(validitySeconds) } }, { timeoutMs: 5 * 60_000 });
      return { ...results, runId: runs.hold(serverId, connections.get(serverId).name, results) };
    },
    async 'provisioning:saveReport'({ runId }) {
      return runs.saveReport(runId, (serverId) => connections.admin(serverId));
    },
    async 'provisioning:discardRun'({ runId }) {
      runs.discard(runId);
      return { ok: true as const };
    },
    async 'provisioning:showQr'({ serverId, userIds, validitySeconds }) {
      const job = await provisioningQrJob({
        call: connections.admin(serverId),
        serverId,
        serverName: connections.get(serverId).name,
        serverUrl: connections.urlOf(serverId),
        userIds,
        validitySeconds,
      });
      jobs.add(job);
      return summariseJob(job);
    },
    async 'provisioning:devices'({ serverId, userId }) {
      return connections.admin(serverId)('listUserDevices', { params: { id: userId } });
    },
    async 'provisioning:revokeDevice'({ serverId, userId, deviceId }) {
      return connections.admin(serverId)('revokeDevice', { params: { id: userId, deviceId } });
    },
  };
}

import { randomUUID } from 'node:crypto';
import { GatepassError } from '../../../shared/errors';
import type { GeneratedCode } from '../../../shared/ipc/contract';
import { decodeProvisioningPayload } from '../../../shared/provisioning-payload';
import { qrImage } from '../../../shared/qr/matrix';
import type { AdminCall } from '../connections';
import type { Card } from '../export/pdf/cards';
import { fetchCardBranding, lookupUsers } from '../issuing/issue-job';
import type { QrJob } from '../issuing/job-store';

/** Users a request asks the server to issue codes for; the server takes up to 10,000 at once. */
const ISSUE_CHUNK = 1000;
const ISSUE_TIMEOUT_MS = 5 * 60_000;

/**
 * "Show provisioning QR": a new provisioning code for each user (each voids the user's earlier
 * one), kept as a job of provisioning cards in main like a Generate QR Code job: the payloads
 * stay here, the renderer gets the QR module paths, and the same PDF engine saves them. Users
 * the server refuses (may not use mobile authentication, disabled, deleted) are broken cards
 * with its reason.
 */
export async function provisioningQrJob(input: {
  call: AdminCall;
  serverId: string;
  serverName: string;
  serverUrl: string;
  userIds: readonly string[];
  validitySeconds?: number | undefined;
  now?: () => Date;
}): Promise<QrJob> {
  const ids = [...new Set(input.userIds)];
  // Read first, so a logo that cannot be printed stops the run before any code is replaced.
  const branding = await fetchCardBranding(input.call);
  const users = await lookupUsers(input.call, ids);
  const codes = new Map<string, GeneratedCode>();
  const cards = new Map<string, Card>();
  const broken = (userId: string, login: string, displayName: string, code: string, reason: string) => {
    codes.set(userId, { userId, login, displayName, status: 'broken', reason, errorCode: code, qr: null, issuedAt: null, expiresAt: null });
    cards.set(userId, { kind: 'provisioning', login, displayName, serverName: input.serverName, serverUrl: input.serverUrl, status: 'broken', payload: null, reason, issuedAt: null, expiresAt: null });
  };
  let issuedAny = false;
  for (let i = 0; i < ids.length; i += ISSUE_CHUNK) {
    const chunk = ids.slice(i, i + ISSUE_CHUNK);
    let results;
    try {
      results = (
        await input.call(
          'issueProvisioningCodes',
          { body: { userIds: chunk, ...(input.validitySeconds !== undefined ? { validitySeconds: input.validitySeconds } : {}) } },
          { timeoutMs: ISSUE_TIMEOUT_MS },
        )
      ).results;
    } catch (err) {
      // Nothing issued yet: the whole call failed, say so. Otherwise keep the codes already made.
      if (!issuedAny) throw err;
      const e = err instanceof GatepassError ? err : new GatepassError('SERVER_ERROR', 'The server stopped answering');
      for (const id of ids.slice(i)) broken(id, users.get(id)?.login ?? id, users.get(id)?.displayName ?? '', e.code, e.message);
      break;
    }
    const byId = new Map(results.map((r) => [r.userId, r]));
    for (const id of chunk) {
      const u = users.get(id);
      const r = byId.get(id);
      const displayName = u?.displayName ?? '';
      if (!r) {
        broken(id, u?.login ?? id, displayName, 'SERVER_ERROR', 'The server did not answer for this user');
        continue;
      }
      if (!r.ok) {
        broken(id, r.login ?? u?.login ?? id, displayName, r.code, r.message);
        continue;
      }
      issuedAny = true;
      // The address the phone will use is the one in the payload (the server's public URL).
      const server = decodeProvisioningPayload(r.payload).server;
      codes.set(id, { userId: id, login: r.login, displayName, status: 'ok', qr: qrImage(r.payload), issuedAt: r.issuedAt, expiresAt: r.expiresAt });
      cards.set(id, {
        kind: 'provisioning',
        login: r.login,
        displayName,
        serverName: input.serverName,
        serverUrl: server,
        status: 'ok',
        payload: r.payload,
        issuedAt: r.issuedAt,
        expiresAt: r.expiresAt,
      });
    }
  }
  return {
    jobId: randomUUID(),
    kind: 'provisioning',
    serverId: input.serverId,
    serverName: input.serverName,
    serverUrl: input.serverUrl,
    createdAt: (input.now?.() ?? new Date()).toISOString(),
    tlsPin: null,
    ...(branding ? { branding } : {}),
    // In the order the users were selected.
    codes: ids.map((id) => codes.get(id)!),
    cards: ids.map((id) => cards.get(id)!),
    notIssued: [],
    cancelled: false,
  };
}

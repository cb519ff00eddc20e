import { z } from 'zod';
import { DeviceListSchema, RevokeDeviceResultSchema } from '../../api/devices';
import {
  IssueProvisioningCodesSchema,
  ProvisioningMailPreviewSchema,
  ProvisioningMailResultsSchema,
  ProvisioningSettingsSchema,
  SetProvisioningSettingsSchema,
} from '../../api/provisioning';
import { channel, ServerRef } from '../channel';
import { SaveResultSchema } from './export';
import { JobSummarySchema } from './qr';

const UserIds = z.array(z.string().min(1).max(64)).min(1).max(10_000);
/** 10 minutes to 30 days, in seconds; the server's "Provision code validity" when left out. */
const Validity = IssueProvisioningCodesSchema.shape.validitySeconds;
const UserRef = ServerRef.extend({ userId: z.string().min(1).max(64) });
/** A send run main holds for its report (provisioning:sendMail answers it). */
const RunRef = z.object({ runId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'Not a provisioning run this console started') });

/**
 * Mobile provisioning in the console: send provisioning email (with a preview of one user's
 * message and the per-user report), show provisioning QR codes (a job of provisioning cards in
 * main, saved by the sign-in codes' PDF engine), and a user's provisioned devices.
 */
export const provisioningChannels = {
  'provisioning:settings': channel(ServerRef, ProvisioningSettingsSchema, "The server's provision code validity, QR Code URL, public URL and server ID"),
  'provisioning:setSettings': channel(
    ServerRef.extend(SetProvisioningSettingsSchema.shape),
    ProvisioningSettingsSchema,
    'Change the provision code validity or the QR Code URL (null: back to the default); audited',
  ),
  'provisioning:previewMail': channel(
    UserRef.extend({ validitySeconds: Validity }),
    ProvisioningMailPreviewSchema,
    'The provisioning message the server would send this user, rendered by the server with a sample code (nothing is issued)',
  ),
  'provisioning:sendMail': channel(
    ServerRef.extend({ userIds: UserIds, validitySeconds: Validity }),
    ProvisioningMailResultsSchema.extend({ runId: z.string() }),
    'Send provisioning email: a new code and its message per user, queued in the outbox; refusals per user; follow the batch with mail:batch',
  ),
  'provisioning:saveReport': channel(RunRef, SaveResultSchema, 'Save the per-user report of a send (refused users and each message as the outbox stands) as CSV'),
  'provisioning:discardRun': channel(RunRef, z.object({ ok: z.literal(true) }), 'The report dialog closed: main forgets the run'),
  'provisioning:showQr': channel(
    ServerRef.extend({ userIds: UserIds, validitySeconds: Validity }),
    JobSummarySchema,
    "Show provisioning QR: a new code per user (the earlier one stops working), kept in main as a job of provisioning cards until qr:discard; save it with export:save",
  ),
  'provisioning:devices': channel(UserRef, DeviceListSchema, "A user's provisioned devices, newest first, revoked ones included"),
  'provisioning:revokeDevice': channel(
    UserRef.extend({ deviceId: z.string().min(1).max(64) }),
    RevokeDeviceResultSchema,
    "Revoke one of a user's devices: its sign-in and its codes stop working, its sessions end (audited)",
  ),
} as const;

import { z } from 'zod';
import { Instant, route } from './route';

/** Every action a server writes to its audit log; a filter may also name a family (`device.`). */
export const AUDIT_ACTIONS = [
  'admin.signin',
  'admin.signin_failed',
  'admin.signout',
  'user.create',
  'user.update',
  'user.delete',
  'user.set_password',
  'user.disable',
  'user.enable',
  'user.end_sessions',
  'user.import',
  'qr.issue',
  'qr.issue_failed',
  'qr.revoke',
  'device.signin',
  'device.signin_failed',
  'policy.update',
  'cards.update',
  'device.signin_refused',
  'user.signin',
  'user.signin_failed',
  'user.signout',
  'totp.enrol_start',
  'totp.enrol_cancel',
  'totp.enrol_confirm',
  'totp.enrol_failed',
  'totp.verify',
  'totp.verify_failed',
  'totp.verify_refused',
  'totp.resync',
  'totp.resync_failed',
  'totp.remove',
  'totp.reset_attempts',
  'recovery.generate',
  'recovery.use',
  'recovery.use_failed',
  'two_step.settings',
  'mail.settings_update',
  'mail.test',
  'computer.register',
  'computer.revoke',
  'otp.request',
  'otp.request_refused',
  'otp.send',
  'otp.signin',
  'otp.signin_denied',
  'otp.settings',
  'client_session.end',
  'provision.issue',
  'provision.issue_failed',
  'provision.redeem',
  'provision.redeem_failed',
  'provision.settings',
  'provision.send',
  'device.revoke',
  'admin.create',
  'admin.disable',
  'admin.enable',
  'admin.set_password',
  'admin.unlock',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.string().nullable(),
  /** The client's address, when the entry came from a request (the proxy's client behind a trusted proxy). */
  source: z.string().nullable().default(null),
});
export const AuditQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** One action, e.g. qr.issue, or a family with a trailing dot: `device.` */
  action: z.string().max(64).optional(),
  /** Who did it (an administrator's login, or the login a device signed in as). */
  actor: z.string().max(200).optional(),
  /** The user it concerned (their login). */
  target: z.string().max(200).optional(),
  from: Instant.optional(),
  /** Before this instant (a date means before that day starts). */
  to: Instant.optional(),
  /** Case-insensitive substring of actor, action, target or detail. */
  search: z.string().max(200).optional(),
});
export type AuditQuery = z.output<typeof AuditQuerySchema>;
export const AuditPageSchema = z.object({ total: z.number().int(), items: z.array(AuditEntrySchema) });

/** The audit log of administrator actions. */
export const auditApi = {
  listAudit: route({ method: 'GET', path: '/api/v1/audit', summary: 'Audit log of admin actions, newest first', auth: 'admin', query: AuditQuerySchema, response: AuditPageSchema }),
} as const;

import { z } from 'zod';
import { route } from './route';

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.string().nullable(),
});
export const AuditQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const AuditPageSchema = z.object({ total: z.number().int(), items: z.array(AuditEntrySchema) });

/** The audit log of administrator actions. */
export const auditApi = {
  listAudit: route({ method: 'GET', path: '/api/v1/audit', summary: 'Audit log of admin actions, newest first', auth: 'admin', query: AuditQuerySchema, response: AuditPageSchema }),
} as const;

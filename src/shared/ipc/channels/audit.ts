import { AuditPageSchema, AuditQuerySchema } from '../../api/routes';
import { channel, ServerRef } from '../channel';

/** One server's audit log. */
export const auditChannels = {
  'audit:list': channel(
    // The route's own query: action (or a family such as `device.`), actor, target, from/to and search.
    ServerRef.extend(AuditQuerySchema.shape),
    AuditPageSchema,
    "The server's audit log, newest first, filtered",
  ),
} as const;

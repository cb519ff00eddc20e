import { z } from 'zod';
import { AuditPageSchema } from '../../api/routes';
import { channel, ServerRef } from '../channel';

/** One server's audit log. */
export const auditChannels = {
  'audit:list': channel(
    ServerRef.extend({ offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(100) }),
    AuditPageSchema,
    "The server's audit log",
  ),
} as const;

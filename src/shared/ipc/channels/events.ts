import { z } from 'zod';

/** Events main pushes to the renderer. */
export const events = {
  /** rendering: cards done of total; writing: config files and finishing the file. */
  'export:progress': z.object({ jobId: z.string(), done: z.number().int(), total: z.number().int(), phase: z.enum(['rendering', 'writing']) }),
  /** Issuing: users re-keyed (or refused) so far of the run's total, sent after each chunk. */
  'qr:progress': z.object({ runId: z.string(), done: z.number().int(), total: z.number().int(), broken: z.number().int() }),
  /** A CSV export: rows written so far of the matching total (which may grow while it runs). */
  'export:csvProgress': z.object({ exportId: z.string(), done: z.number().int(), total: z.number().int() }),
  'servers:changed': z.object({}),
} as const;

import { z } from 'zod';

/** Events main pushes to the renderer. */
export const events = {
  /** rendering: cards done of total; writing: config files and finishing the file. */
  'export:progress': z.object({ jobId: z.string(), done: z.number().int(), total: z.number().int(), phase: z.enum(['rendering', 'writing']) }),
  'servers:changed': z.object({}),
} as const;

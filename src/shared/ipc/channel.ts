import { z } from 'zod';

/** One console channel: the zod schemas of its input and output, and what it does. */
export function channel<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary };
}

/** The input of every channel that works on one server of the tree. */
export const ServerRef = z.object({ serverId: z.string().min(1) });

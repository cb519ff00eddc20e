import { z } from 'zod';

/** A Gatepass server as the console knows it. Never carries the admin password. */
export const ServerSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  login: z.string(),
  /** The embedded local server that `npm start` runs. */
  embedded: z.boolean(),
  status: z.enum(['connected', 'disconnected', 'needs-password', 'unreachable']),
  /** Why it is not connected, when it is not. */
  statusMessage: z.string().optional(),
  /** Whether the admin password is saved in the OS keychain. */
  passwordSaved: z.boolean(),
});
export type Server = z.infer<typeof ServerSchema>;

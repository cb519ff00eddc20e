import { z } from 'zod';
import { channel } from '../channel';

/** The console itself. */
export const appChannels = {
  'app:info': channel(
    z.object({}).strict(),
    z.object({
      version: z.string(),
      host: z.enum(['electron', 'web']),
      keychain: z.enum(['available', 'unavailable']),
      keychainMessage: z.string().optional(),
    }),
    'What this console runs on',
  ),
} as const;

import { z } from 'zod';
import { ComputerListQuerySchema, ComputerNameSchema, ComputerPageSchema, ComputerSchema, RevokedComputerSchema } from '../../api/routes';
import { channel, ServerRef } from '../channel';
import { SaveResultSchema } from './export';

/**
 * Computers whose agents sign users in with one-time passwords by email (docs/email-otp.md).
 * Registering one hands its agent file to the administrator through main (a save dialog, or the
 * browser host's one-time download): the file holds the computer's credential, so it never
 * passes through the renderer.
 */
export const computerChannels = {
  'computers:list': channel(ServerRef.extend(ComputerListQuerySchema.shape), ComputerPageSchema, 'A page of registered computers by name: registered, last seen, sessions'),
  'computers:register': channel(
    ServerRef.extend({
      name: ComputerNameSchema,
      /** The address the agent calls, written into its file; the console's own address of the server when left out. */
      serverUrl: z.url({ protocol: /^https?$/, error: 'The server address is an http:// or https:// address' }).max(2048).optional(),
    }),
    z.object({
      /** Null when the administrator cancelled where to save it: then nothing was registered. */
      computer: ComputerSchema.nullable(),
      /** Where the agent file went; `cancelled` when the save dialog was dismissed before anything was registered. */
      result: SaveResultSchema,
    }),
    'Register a computer by name and save its agent file (owner-only; a save dialog, or a one-time download); revoked again if the file cannot be written',
  ),
  'computers:revoke': channel(
    ServerRef.extend({ computerId: z.string().min(1).max(64) }),
    RevokedComputerSchema,
    "Revoke a computer: its agent file stops working at once, its open client sessions end, its pending one-time passwords are void",
  ),
} as const;

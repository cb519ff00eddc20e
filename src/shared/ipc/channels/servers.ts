import { z } from 'zod';
import { ONE_SECOND_FACTOR, SecondFactorFields, oneSecondFactor } from '../../api/totp';
import { ServerSchema } from '../../model/server';
import { TlsPinSchema } from '../../model/tls-certificate';
import { channel, ServerRef } from '../channel';

/**
 * A sign-in's answer: the server, and when a recovery code was used, how many are left (so
 * the console can say so). The code itself goes to the server once and is never kept.
 */
export const SignedInServerSchema = ServerSchema.extend({ recoveryCodesLeft: z.number().int().nonnegative().nullable().optional() });

/** The server tree: the servers the console knows and their admin sessions. */
export const serverChannels = {
  'servers:list': channel(z.object({}).strict(), z.array(ServerSchema), 'The servers in the tree'),
  'servers:add': channel(
    z.object({
      name: z.string().trim().max(100).optional(),
      url: z.url({ protocol: /^https?$/ }).max(2048),
      login: z.string().trim().min(1).max(128),
      password: z.string().min(1).max(1024),
      /** Save the password in the OS keychain; refused with KEYCHAIN_UNAVAILABLE if there is none. */
      remember: z.boolean().default(true),
      /**
       * The server's TLS key pin, once the administrator trusted it (https only): the server must
       * present this key, else TLS_PIN_MISMATCH and nothing is sent. Without it, a certificate this
       * machine does not trust is TLS_UNTRUSTED with the certificate to compare in the details.
       */
      tlsPin: TlsPinSchema.optional(),
      /** The administrator's second factor, when the server answered SECOND_FACTOR_REQUIRED to the password alone. */
      ...SecondFactorFields,
    }).refine(oneSecondFactor, ONE_SECOND_FACTOR),
    SignedInServerSchema,
    'Add a server after signing in to it (with the authenticator code or a recovery code when the administrator has two-step verification; over a pinned connection when its key was trusted by pin)',
  ),
  'servers:remove': channel(ServerRef, z.object({ ok: z.literal(true) }), 'Forget a server and its saved password'),
  'servers:update': channel(
    ServerRef.extend({
      name: z.string().trim().min(1, 'Name is required').max(100).optional(),
      /** A new address: checked to be a Gatepass server and signed in to before it replaces the old one. */
      url: z.url({ protocol: /^https?$/ }).max(2048).optional(),
      /** The password at the new address, when the saved one (keychain or session) is not it. */
      password: z.string().min(1).max(1024).optional(),
      /** A TLS key pin to trust from now on (a changed key, reviewed; or the key at the new address): checked and signed in with first. */
      tlsPin: TlsPinSchema.optional(),
      /** The second factor at the new address, when the administrator has two-step verification there. */
      ...SecondFactorFields,
    }).refine(oneSecondFactor, ONE_SECOND_FACTOR),
    ServerSchema,
    'Rename a server, change its address or trust its new TLS key; the saved password stays with the server',
  ),
  'servers:connect': channel(
    ServerRef.extend({ password: z.string().min(1).max(1024).optional(), ...SecondFactorFields }).refine(oneSecondFactor, ONE_SECOND_FACTOR),
    SignedInServerSchema,
    'Sign in again, with the saved password or one given for this session, and the second factor when the administrator has two-step verification (never kept)',
  ),
} as const;

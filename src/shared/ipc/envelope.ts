import { z } from 'zod';
import { ErrorBodySchema, type ErrorBody } from '../errors';

/**
 * What crosses the transport for every call. Electron's IPC drops custom error
 * properties, so errors travel as data and the API turns them back into throws.
 */
export type Envelope<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export const EnvelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorBodySchema }),
]);

import { z } from 'zod';
import { channel, ServerRef } from '../channel';

/** What the renderer gets to draw a QR code: the module matrix as an SVG path, not the payload text. */
export const QrImageSchema = z.object({
  /** Modules per side, quiet zone excluded. */
  size: z.number().int().positive(),
  /** SVG path data in module units (one unit per module). */
  path: z.string(),
});

export const GeneratedCodeSchema = z.object({
  userId: z.string(),
  login: z.string(),
  displayName: z.string(),
  status: z.enum(['ok', 'broken']),
  /** Why the code is broken: the server's message (e.g. the policy rules the password failed). */
  reason: z.string().optional(),
  errorCode: z.string().optional(),
  qr: QrImageSchema.nullable(),
  issuedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type GeneratedCode = z.infer<typeof GeneratedCodeSchema>;

export const PasswordModeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('same'), password: z.string().min(1).max(1024) }),
  /** prefix + index + postfix, the index counting up from `start` in the order of `userIds` (2 users or more). */
  z.object({
    kind: z.literal('template'),
    prefix: z.string().max(512),
    start: z.number().int().min(0).max(1_000_000_000),
    postfix: z.string().max(512),
    /** Zero-pad the number to this many digits ("Start from 001" is start 1, digits 3). */
    digits: z.number().int().min(2).max(10).optional(),
  }),
  /** A password per user id (2 users or more); every user of the call needs one. */
  z.object({ kind: z.literal('unique'), passwords: z.record(z.string(), z.string().min(1).max(1024)) }),
]);
export type PasswordMode = z.infer<typeof PasswordModeSchema>;

/** A user a cancelled run never reached: not re-keyed, their old password and code still work. */
export const NotIssuedSchema = z.object({ userId: z.string(), login: z.string(), displayName: z.string() });
export type NotIssued = z.infer<typeof NotIssuedSchema>;

export const JobSummarySchema = z.object({
  jobId: z.string(),
  /** signin (or absent): Generate QR Code's sign-in codes; provisioning: Show provisioning QR's codes, which set up a phone once. */
  kind: z.enum(['signin', 'provisioning']).optional(),
  serverId: z.string(),
  serverName: z.string(),
  serverUrl: z.string(),
  createdAt: z.string(),
  /** The users the run reached, re-keyed (ok) or refused (broken), in the order given. */
  codes: z.array(GeneratedCodeSchema),
  /** Users a cancel stopped the run before: untouched on the server. Empty unless cancelled. */
  notIssued: z.array(NotIssuedSchema),
  cancelled: z.boolean(),
});

/**
 * Chosen by the renderer so it can follow and cancel a run before it has a job id:
 * qr:progress events carry it and qr:cancel names it.
 */
const RunId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'A run id is 8 to 64 letters, digits, - or _');

/** Issuing sign-in QR codes: a job in main holds the payloads until its popup is closed (qr:discard). */
export const qrChannels = {
  'qr:generate': channel(
    ServerRef.extend({ userIds: z.array(z.string()).min(1).max(10_000), mode: PasswordModeSchema, runId: RunId.optional() }),
    JobSummarySchema,
    'Set passwords, issue QR credentials (in chunks, with qr:progress) and keep the job in main until qr:discard',
  ),
  'qr:regenerate': channel(
    z.object({ jobId: z.string(), userIds: z.array(z.string()).min(1).max(10_000), mode: PasswordModeSchema, runId: RunId.optional() }),
    JobSummarySchema,
    'Issue again for some users of a job (the broken or not reached ones) and update that job in place; one user is enough here',
  ),
  'qr:cancel': channel(
    z.object({ runId: RunId }),
    z.object({ ok: z.literal(true) }),
    'Stop a running qr:generate or qr:regenerate after its current chunk; it answers with who was and was not re-keyed',
  ),
  'qr:discard': channel(
    z.object({ jobId: z.string() }),
    z.object({ ok: z.literal(true) }),
    'Forget a job: its sign-in payloads leave main memory (the Generated QR codes popup was closed)',
  ),
} as const;

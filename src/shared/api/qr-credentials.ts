import { z } from 'zod';
import { route } from './route';

/** A QR sign-in credential as issued: the secret appears here once and is stored hashed. */
export const IssuedCredentialSchema = z.object({
  userId: z.string(),
  login: z.string(),
  credential: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string().nullable(),
  /** How many of the user's sessions issuing this credential ended. */
  sessionsEnded: z.number().int().nonnegative(),
});

export const IssueBatchSchema = z.object({
  /** Each user's new password; the server sets it (policy permitting) and issues a credential. */
  items: z
    .array(z.object({ userId: z.string().min(1), password: z.string().max(1024) }))
    .min(1)
    .max(10_000),
  /** Credential lifetime in days; omitted means it lasts until voided. */
  validDays: z.number().int().min(1).max(3650).optional(),
});

export const IssueResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), userId: z.string(), issued: IssuedCredentialSchema }),
  z.object({
    ok: z.literal(false),
    userId: z.string(),
    login: z.string().nullable(),
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
]);
export const IssueBatchResultSchema = z.object({ results: z.array(IssueResultSchema) });

/** Issuing QR sign-in credentials in bulk. */
export const qrCredentialsApi = {
  issueQrBatch: route({
    method: 'POST',
    path: '/api/v1/qr-credentials',
    summary: 'For each user: set the password, issue a QR sign-in credential, end their sessions',
    auth: 'admin',
    body: IssueBatchSchema,
    response: IssueBatchResultSchema,
  }),
} as const;

import { z } from 'zod';

/**
 * Mail settings and the outbox report, as the server answers them and the console shows them
 * (docs/mail.md). Pure: the server parses the same schemas it answers with.
 */

/** How a message leaves the server: nowhere yet, an SMTP relay, or .eml files in a folder. */
export const MailTransportKindSchema = z.enum(['none', 'smtp', 'folder']);
export type MailTransportKind = z.infer<typeof MailTransportKindSchema>;

/**
 * How the SMTP connection is protected: `starttls` upgrades a plain connection and refuses a
 * server that does not offer STARTTLS (RFC 3207; port 587), `tls` is TLS from the first byte
 * (RFC 8314 implicit TLS; port 465), `none` never encrypts (a relay on loopback only).
 */
export const SmtpSecuritySchema = z.enum(['starttls', 'tls', 'none']);
export type SmtpSecurity = z.infer<typeof SmtpSecuritySchema>;

/** The usual port of each kind of SMTP security. */
export const DEFAULT_SMTP_PORT: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 };

const ADDRESS_RE = /^[^\s<>@",;:()[\]\\]+@[^\s<>@",;:()[\]\\]+$/;

/** A mailbox `addr@domain` or `Display Name <addr@domain>`; no line breaks (header injection). */
export function parseMailbox(value: string): { name: string; address: string } | null {
  if (/[\r\n\0]/.test(value)) return null;
  const v = value.trim();
  const angled = /^(.*?)\s*<([^<>]+)>$/.exec(v);
  const name = angled ? (angled[1] ?? '').trim().replace(/^"(.*)"$/, '$1') : '';
  const address = angled ? (angled[2] ?? '').trim() : v;
  if (!ADDRESS_RE.test(address) || address.length > 254) return null;
  return { name, address };
}

/** A mailbox for From, checked with {@link parseMailbox}. */
export const MailboxSchema = z
  .string()
  .max(320)
  .refine((v) => parseMailbox(v) !== null, { message: 'An address such as gatepass@example.org or "Gatepass <gatepass@example.org>"' });

/** A bare recipient address. */
export const AddressSchema = z
  .string()
  .trim()
  .max(254)
  .refine((v) => ADDRESS_RE.test(v), { message: 'An e-mail address such as anna@example.org' });

const HostSchema = z
  .string()
  .trim()
  .min(1, { message: 'The SMTP server name' })
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, { message: 'A host name or IP address' });

/** The SMTP part of the settings as the server shows it: never the password, only whether one is set. */
export const SmtpSettingsViewSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  security: SmtpSecuritySchema,
  /** '' when the server takes mail without signing in. */
  user: z.string(),
  passwordSet: z.boolean(),
});

/** GET /api/v1/mail/settings. */
export const MailSettingsViewSchema = z.object({
  transport: MailTransportKindSchema,
  /** The From of every message; null until set (a folder transport then uses gatepass@localhost). */
  from: z.string().nullable(),
  smtp: SmtpSettingsViewSchema.nullable(),
  /** The folder of the folder transport, set by whoever runs the server (`--mail-folder`), not over the API. */
  folder: z.string().nullable(),
  updatedAt: z.string().nullable(),
  /** An administrator's login, or 'command line' when the server's options set it at start. */
  updatedBy: z.string().nullable(),
});
export type MailSettingsView = z.infer<typeof MailSettingsViewSchema>;

/** PUT /api/v1/mail/settings. */
export const MailSettingsInputSchema = z
  .object({
    transport: MailTransportKindSchema,
    from: MailboxSchema.nullable().optional(),
    smtp: z
      .object({
        host: HostSchema,
        port: z.number().int().min(1).max(65535).optional(),
        security: SmtpSecuritySchema,
        user: z.string().max(320).default(''),
        /**
         * Left out: keep the stored password (only while host and user stay the same and the
         * connection stays encrypted: the stored password is never sent to a new place).
         * null: sign in without one. A string: the new password.
         */
        password: z.string().max(1024).nullable().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type MailSettingsInput = z.input<typeof MailSettingsInputSchema>;
/** The input once parsed (defaults applied). */
export type MailSettingsChange = z.output<typeof MailSettingsInputSchema>;

export const MailStatusSchema = z.enum(['queued', 'sending', 'sent', 'failed']);
export type MailStatusName = z.infer<typeof MailStatusSchema>;

/** Why a message failed, stable for scripts and the console; `reason` says it in words. */
export const MailFailureSchema = z.enum(['no_transport', 'rejected', 'retries_exhausted', 'expired']);

/** One message of a batch, for the per-user report. */
export const MailItemSchema = z.object({
  id: z.string(),
  /** The caller's reference: the user a provisioning message was for. */
  ref: z.string().nullable(),
  to: z.string(),
  subject: z.string(),
  status: MailStatusSchema,
  attempts: z.number().int(),
  /** When a queued message is tried (again). */
  nextAttemptAt: z.string().nullable(),
  sentAt: z.string().nullable(),
  failure: MailFailureSchema.nullable(),
  /** In words: "sent", "retrying at ... after: 451 ...", "rejected by the mail server: 550 ...". */
  reason: z.string(),
  /** The mail server's reply to the last failed attempt, as it said it. */
  lastError: z.string().nullable(),
  messageId: z.string(),
});
export type MailItem = z.infer<typeof MailItemSchema>;

export const MailCountsSchema = z.object({ queued: z.number().int(), sending: z.number().int(), sent: z.number().int(), failed: z.number().int() });

export const MailBatchSchema = z.object({
  id: z.string(),
  kind: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  total: z.number().int(),
  counts: MailCountsSchema,
  /** True when no message of the batch is queued or sending any more. */
  done: z.boolean(),
});
export type MailBatch = z.infer<typeof MailBatchSchema>;

export const MailBatchReportSchema = z.object({
  batch: MailBatchSchema,
  /** The page asked for, in the order the messages were queued. */
  items: z.array(MailItemSchema),
  /** How many items match the status filter (all of the batch without one). */
  matching: z.number().int(),
});
export type MailBatchReport = z.infer<typeof MailBatchReportSchema>;

import { z } from 'zod';
import {
  AddressSchema,
  MailBatchReportSchema,
  MailBatchSchema,
  MailSettingsInputSchema,
  MailSettingsViewSchema,
  MailStatusSchema,
} from '../../model/mail';
import { channel, ServerRef } from '../channel';
import { SaveResultSchema } from './export';

/** A batch of the server's outbox (a test message, a provisioning send). */
const BatchRef = ServerRef.extend({ batchId: z.string().min(1).max(64) });

/**
 * The name of one message file of the folder transport, as the server writes them
 * (`<yyyymmdd-hhmmss>-<uuid>.eml`, docs/mail.md): no path, no dot-dot, nothing else.
 */
export const EmlNameSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.eml$/, 'The name of one .eml file of the mail folder');

/** One .eml file of the mail folder, as the console lists it. */
export const MailFileSchema = z.object({ name: z.string(), bytes: z.number().int().nonnegative(), modifiedAt: z.string() });
export type MailFile = z.infer<typeof MailFileSchema>;

/**
 * The folder of a server's folder transport as this console sees it. The path is the server's
 * (set where it was started); main reads it only when the folder is on this computer: the
 * embedded server's, or that of a server on a loopback address.
 */
export const MailFolderSchema = z.object({
  /** The folder the server writes to; null when it has none. */
  path: z.string().nullable(),
  /**
   * here: on this computer, readable by the console; elsewhere: on the server's computer (only
   * the path is known); none: the server has no folder.
   */
  where: z.enum(['here', 'elsewhere', 'none']),
  /** "Open folder" works on this host (Electron); a browser cannot open a local folder. */
  canOpen: z.boolean(),
  /** How many .eml files it holds (here only). */
  total: z.number().int().nonnegative(),
  /** The newest .eml files, newest first (at most 10; here only). */
  newest: z.array(MailFileSchema),
});
export type MailFolder = z.infer<typeof MailFolderSchema>;

/**
 * Mail in the console: the server's transport settings (the SMTP password only ever goes in,
 * never out), a test message and the per-message report of any batch, and the folder
 * transport's .eml files, which main opens or hands out itself: the renderer never names a path.
 */
export const mailChannels = {
  'mail:settings': channel(ServerRef, MailSettingsViewSchema, "The server's mail transport, From and SMTP server; never the SMTP password, only whether one is set"),
  'mail:setSettings': channel(
    ServerRef.extend({ settings: MailSettingsInputSchema }),
    MailSettingsViewSchema,
    'Choose the transport (none, SMTP, the folder the server was started with) and set From and the SMTP server; the password is write-only',
  ),
  'mail:sendTest': channel(
    ServerRef.extend({ to: AddressSchema }),
    z.object({ batch: MailBatchSchema, messageId: z.string() }),
    'Queue a test message to an address through the saved settings; follow it with mail:batch',
  ),
  'mail:batch': channel(
    BatchRef.extend({
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(1000),
      status: MailStatusSchema.optional(),
    }),
    MailBatchReportSchema,
    'One batch of the outbox: each message queued, sending, sent or failed and why',
  ),
  'mail:saveBatchCsv': channel(BatchRef, SaveResultSchema, 'Save the report of a batch as CSV (a save dialog, or a one-time download)'),
  'mail:folder': channel(ServerRef, MailFolderSchema, "Where the server's folder transport writes, and its newest .eml files when the folder is on this computer"),
  'mail:openFolder': channel(ServerRef, z.object({ ok: z.literal(true) }), "Open the server's mail folder in the file manager (Electron, a folder on this computer)"),
  'mail:saveMessage': channel(
    ServerRef.extend({ name: EmlNameSchema }),
    SaveResultSchema,
    'Save one .eml file of the mail folder (a save dialog, or a one-time download): how the browser host shows the folder',
  ),
} as const;

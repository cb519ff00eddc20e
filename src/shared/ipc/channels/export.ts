import { z } from 'zod';
import { AuditQuerySchema, UserListQuerySchema } from '../../api/routes';
import { channel, ServerRef } from '../channel';
import { ClientSessionListInputSchema } from './client-sessions';

export const SaveResultSchema = z.discriminatedUnion('kind', [
  /** Written to disk by main (Electron's save dialog, or a path given by the caller). */
  z.object({ kind: z.literal('saved'), path: z.string(), bytes: z.number().int() }),
  /** Browser host: a one-time download link on the host's own origin. */
  z.object({ kind: z.literal('download'), url: z.string(), fileName: z.string(), bytes: z.number().int() }),
  z.object({ kind: z.literal('cancelled') }),
]);

/** A CSV export and the rows it wrote. */
export const CsvExportResultSchema = z.object({ result: SaveResultSchema, rows: z.number().int().nonnegative() });

/** Chosen by the renderer, so it can follow (export:csvProgress) and cancel an export before it ends. */
const ExportId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'An export id is 8 to 64 letters, digits, - or _');

/** Saving files: a QR job's codes, or a list (users, audit log, client sessions) as CSV. */
export const exportChannels = {
  'export:save': channel(
    z.object({
      jobId: z.string(),
      /**
       * pdf: "All QR codes in one file"; zip: "Each QR code as a separate file" (`<login>.pdf`).
       * With includeConfig, pdf gives ONE zip: `<name>.pdf` plus `config/<login>.usr`; zip adds
       * `<login>.usr` next to each PDF. Broken users get no .usr, and a README.txt lists them.
       */
      format: z.enum(['pdf', 'zip']),
      includeConfig: z.boolean().default(false),
      pageSize: z.enum(['A4', 'Letter']).default('A4'),
      /** badges: several cards per page, when the card renderer supports it (else single). */
      layout: z.enum(['single', 'badges']).default('single'),
      /**
       * Leave the users whose code is broken out of the printed cards (the console's default,
       * for printing to end users); README.txt in a ZIP still lists them. Off here, so scripts
       * keep what they had.
       */
      omitBroken: z.boolean().default(false),
      /** Only for the CLI and tests; the console asks with a save dialog or downloads. */
      path: z.string().optional(),
    }),
    SaveResultSchema,
    'Save a job as files',
  ),
  'export:usersCsv': channel(
    ServerRef.extend({
      exportId: ExportId,
      ...UserListQuerySchema.omit({ offset: true, limit: true }).shape,
      // Over IPC signedIn and disabled are JSON booleans, as in users:list.
      signedIn: z.boolean().optional(),
      disabled: z.boolean().optional(),
    }),
    CsvExportResultSchema,
    'Every user the search and filters match, in the sort order, as a CSV file (paged from the server)',
  ),
  'export:auditCsv': channel(
    ServerRef.extend({ exportId: ExportId, ...AuditQuerySchema.omit({ offset: true, limit: true }).shape }),
    CsvExportResultSchema,
    'Every audit entry the filters match, newest first, as a CSV file (paged from the server)',
  ),
  'export:clientSessionsCsv': channel(
    ClientSessionListInputSchema.omit({ offset: true, limit: true }).extend({ exportId: ExportId }),
    CsvExportResultSchema,
    'Every client session the filters match, newest first, as a CSV file with the User Name column (paged from the server)',
  ),
  'export:cancelCsv': channel(
    z.object({ exportId: ExportId }),
    z.object({ ok: z.literal(true) }),
    'Stop a running CSV export: it returns { kind: "cancelled" } and leaves no file',
  ),
  'export:cancel': channel(
    z.object({ jobId: z.string() }),
    z.object({ ok: z.literal(true) }),
    'Cancel a running save of this job: it returns { kind: "cancelled" } and leaves no file',
  ),
} as const;

import { z } from 'zod';
import { channel } from '../channel';

export const SaveResultSchema = z.discriminatedUnion('kind', [
  /** Written to disk by main (Electron's save dialog, or a path given by the caller). */
  z.object({ kind: z.literal('saved'), path: z.string(), bytes: z.number().int() }),
  /** Browser host: a one-time download link on the host's own origin. */
  z.object({ kind: z.literal('download'), url: z.string(), fileName: z.string(), bytes: z.number().int() }),
  z.object({ kind: z.literal('cancelled') }),
]);

/** Saving a QR job as files. */
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
  'export:cancel': channel(
    z.object({ jobId: z.string() }),
    z.object({ ok: z.literal(true) }),
    'Cancel a running save of this job: it returns { kind: "cancelled" } and leaves no file',
  ),
} as const;

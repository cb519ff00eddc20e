import { GatepassError } from '../../../shared/errors';
import { createFileNamer, sanitizeFileBase } from '../../../shared/file-names';
import { decodeSigninPayload } from '../../../shared/qr-payload';
import { encodeUsrConfig } from '../../../shared/usr-config';
import { renderCardPdfs, writeCardsPdf, type Card, type PdfBranding, type PdfOptions } from './pdf/cards';
import { writeFileAtomic } from '../files/atomic-write';
import { createZipSink, type ZipSink } from './zip-sink';

/** What a save writes: one PDF, or one ZIP (per-user PDFs, or the one PDF with config files). */
export type BundleKind = 'pdf' | 'zip';

/** Progress of a save: cards rendered, then config files and finishing the file. */
export interface BundleProgress {
  done: number;
  total: number;
  phase: 'rendering' | 'writing';
}

/** How to write a job's cards. */
export interface BundleOptions {
  /** pdf: "All QR codes in one file"; zip: "Each QR code as a separate file". */
  format: 'pdf' | 'zip';
  /** Add a `<login>.usr` device configuration file per issued user. */
  includeConfig: boolean;
  pageSize: 'A4' | 'Letter';
  layout: 'single' | 'badges';
  /** Print only the issued users' cards; the broken ones are still listed in a ZIP's README.txt. */
  omitBroken?: boolean;
  /** The server's logo and line of text for every card. */
  branding?: PdfBranding;
  /** Name of the file without extension; also the one PDF's name inside a ZIP. */
  baseName: string;
  /** The server's TLS pin for the .usr files (`sha256/<base64>`), or null. */
  tlsPin: string | null;
  title?: string;
  signal?: AbortSignal;
  onProgress?: (p: BundleProgress) => void;
  now?: () => Date;
}

// fflate writes no ZIP64 (fflate #229): a ZIP holds at most 65,535 entries.
const MAX_ZIP_ENTRIES = 65_535;

/**
 * One PDF alone is a PDF; anything with more than one file (per-user PDFs, or config files
 * beside the one PDF) is ONE ZIP, so the browser host offers one download and disk gets one
 * atomic file.
 */
export function bundleKind(format: 'pdf' | 'zip', includeConfig: boolean): BundleKind {
  return format === 'pdf' && !includeConfig ? 'pdf' : 'zip';
}

/** MIME type of a bundle, for the browser host's download. */
export function bundleContentType(kind: BundleKind): string {
  return kind === 'pdf' ? 'application/pdf' : 'application/zip';
}

/** The .usr text for an issued card, from its own payload (so it matches the QR exactly). */
export function usrFor(card: Card, tlsPin: string | null): string {
  if (card.status !== 'ok' || card.payload === null) throw new GatepassError('INTERNAL', 'No configuration file for a card that was not issued');
  const p = decodeSigninPayload(card.payload);
  return encodeUsrConfig({
    server: { url: p.server, name: card.serverName, tlsPin },
    login: p.login,
    credential: p.credential,
    issuedAt: p.issuedAt,
    expiresAt: p.expiresAt ?? null,
  });
}

/** Whether a card carries a sign-in code (not broken). */
function isIssued(card: Card): boolean {
  return card.status === 'ok' && card.payload !== null;
}

/** README.txt for a ZIP: which users got no code and why (sign-in: they keep their old password and codes). */
export function brokenReadme(cards: readonly Card[], serverName: string, at: Date, includeConfig: boolean, omitted = false): string | null {
  const broken = cards.filter((c) => !isIssued(c));
  if (broken.length === 0) return null;
  if (cards[0]?.kind === 'provisioning') {
    return [
      `Gatepass provisioning codes for ${serverName}, exported ${at.toISOString()}`,
      '',
      `${cards.length - broken.length} of ${cards.length} users got a new provisioning code. These ${broken.length} did not:`,
      `any earlier code of theirs is unchanged. ${omitted ? 'They have no card.' : 'Their card is marked NOT ISSUED.'}`,
      '',
      ...broken.map((c) => `${c.login}\t${(c.reason ?? 'unknown reason').replace(/[\r\n\t]+/g, ' ')}`),
      '',
    ].join('\r\n');
  }
  const lines = [
    `Gatepass sign-in codes for ${serverName}, exported ${at.toISOString()}`,
    '',
    `${cards.length - broken.length} of ${cards.length} users got a new sign-in code. These ${broken.length} did not:`,
    (broken.some((c) => c.unconfirmed)
      ? 'they keep their previous password and codes, except those marked MAY BE RE-KEYED (the server stopped answering while it issued: use Generate again for them). '
      : 'they keep their previous password and codes. ') +
      (omitted ? 'They have no card' : 'Their card is marked NOT ISSUED') +
      (includeConfig ? (omitted ? ' and no .usr file.' : ' and they have no .usr file.') : '.'),
    '',
    ...broken.map((c) => `${c.login}\t${c.unconfirmed ? 'MAY BE RE-KEYED: ' : ''}${(c.reason ?? 'unknown reason').replace(/[\r\n\t]+/g, ' ')}`),
    '',
  ];
  // CRLF so Notepad shows the lines too; unzip and every editor read it.
  return lines.join('\r\n');
}

/**
 * Streams a job's cards into `out` as a PDF or ZIP (see {@link bundleKind}). Per-user PDFs
 * are rendered one at a time straight into their ZIP entry, never all in memory. Broken
 * users get a card showing why, no .usr file, and a line in README.txt. On abort or error it
 * rejects (CANCELLED, or the error) without ending `out`: the caller discards it.
 */
export async function writeBundle(cards: readonly Card[], out: NodeJS.WritableStream, opts: BundleOptions): Promise<void> {
  if (cards.length === 0) throw new GatepassError('VALIDATION_FAILED', 'No sign-in cards to write');
  const printed = opts.omitBroken ? cards.filter(isIssued) : cards;
  if (printed.length === 0) throw new GatepassError('VALIDATION_FAILED', 'Every code is broken: with broken codes left out there is nothing to print');
  const now = opts.now?.() ?? new Date();
  const total = printed.length;
  const progress = (done: number, phase: BundleProgress['phase']) => opts.onProgress?.({ done, total, phase });
  const pdfOptions: PdfOptions = {
    pageSize: opts.pageSize,
    layout: opts.layout,
    ...(opts.title ? { title: opts.title } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.branding ? { branding: opts.branding } : {}),
  };
  const kind = bundleKind(opts.format, opts.includeConfig);

  if (kind === 'pdf') {
    await writeCardsPdf(printed, out, { ...pdfOptions, onProgress: (done) => progress(done, 'rendering') });
    progress(total, 'writing');
    return;
  }

  const entries = opts.format === 'zip' ? total * (opts.includeConfig ? 2 : 1) + 1 : total + 2;
  if (entries > MAX_ZIP_ENTRIES) {
    throw new GatepassError('VALIDATION_FAILED', `A ZIP holds at most ${MAX_ZIP_ENTRIES} files; save ${total} users as one PDF, or in parts`);
  }
  const zip = createZipSink(out, { mtime: now, ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    // One namer per export: .pdf and .usr of a login get the same base because both are
    // asked for every user in the same order (a broken user's .usr name is just not used).
    const name = createFileNamer();
    if (opts.format === 'pdf') {
      const pdfName = `${sanitizeFileBase(opts.baseName)}.pdf`;
      await writeCardsPdf(printed, zip.entry(pdfName), { ...pdfOptions, onProgress: (done) => progress(done, 'rendering') });
      for (let i = 0; i < total; i++) {
        const card = printed[i]!;
        const usrName = name(card.login, 'usr');
        if (card.status === 'ok' && card.payload !== null) await zip.addFile(`config/${usrName}`, usrFor(card, opts.tlsPin));
        if ((i + 1) % 500 === 0) progress(i + 1, 'writing');
      }
    } else {
      // Per-user PDFs come from the worker pool in order, each a complete small document
      // sharing one font subset built for the whole export; per-user files are always one
      // card per page, so `layout` does not apply here.
      const { layout: _layout, ...perUser } = pdfOptions;
      for await (const { index, bytes } of renderCardPdfs(printed, perUser)) {
        const card = printed[index]!;
        const pdfName = name(card.login, 'pdf');
        const usrName = name(card.login, 'usr');
        await zip.addFile(pdfName, bytes);
        if (opts.includeConfig && card.status === 'ok' && card.payload !== null) await zip.addFile(usrName, usrFor(card, opts.tlsPin));
        progress(index + 1, 'rendering');
      }
    }
    const readme = brokenReadme(cards, cards[0]!.serverName, now, opts.includeConfig, opts.omitBroken === true);
    if (readme) await zip.addFile('README.txt', readme);
    progress(total, 'writing');
    await zip.end();
  } catch (err) {
    abortQuietly(zip);
    throw err;
  }
}

function abortQuietly(zip: ZipSink): void {
  try {
    zip.abort();
  } catch {
    // Already failed: the first error is the one to report.
  }
}

/**
 * Writes a bundle atomically to `path` (temp file in the same folder, fsync, rename,
 * owner-only): a cancelled or failed save leaves no file and no temp file.
 */
export async function saveBundle(cards: readonly Card[], path: string, opts: BundleOptions): Promise<{ path: string; bytes: number }> {
  return writeFileAtomic(path, (out) => writeBundle(cards, out, opts), { mode: 0o600, ...(opts.signal ? { signal: opts.signal } : {}) });
}

import { existsSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import { GatepassError } from '../../../shared/errors';
import { defaultFontDir } from './font-dir';
import { QUIET_ZONE_MODULES, type QrMatrix, qrMatrix, qrRuns } from './qr-matrix';

/** One sign-in card: a page per user. `payload` is the QR text when the credential was issued. */
export interface Card {
  login: string;
  displayName: string;
  serverName: string;
  serverUrl: string;
  status: 'ok' | 'broken';
  /** QR text when ok */
  payload: string | null;
  /** Why no code was issued, when broken */
  reason?: string;
  issuedAt: string | null;
  expiresAt: string | null;
}

/** Options for {@link writeCardsPdf}. */
export interface PdfOptions {
  pageSize?: 'A4' | 'Letter';
  /** Called after each page with (pages done, total pages). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** PDF document title (Info dictionary). */
  title?: string;
  /** Folder holding Roboto-Regular.ttf and Roboto-Medium.ttf; defaults to the project's assets/fonts. */
  fontDir?: string;
}

const PT_PER_INCH = 72;
/** QR symbol plus its quiet zone: 3 in, so the symbol itself is about 2.6 in, above the 2 in minimum. */
const QR_BOX = 3 * PT_PER_INCH;
const MARGIN = 54;
const HEADER_H = 34;

const INK = '#1d2433';
const MUTED = '#5b6475';
const RULE = '#d5d9e0';
const BAND = '#1f3a5f';
const DANGER = '#b42318';

/** Roboto's ascender in em (hhea 1900/2048): shifts shrunk text so baselines stay aligned. */
const ASCENT = 0.927;

const INSTRUCTION = 'Scan with the Gatepass app to sign in. Keep this card private: it works like a password.';

/**
 * Streams one PDF of sign-in cards, one page per card, into `out` (pdfkit piped to `out`,
 * pausing when `out` asks for backpressure, so memory does not grow with the page count
 * beyond pdfkit's per-page bookkeeping). Resolves when `out` has finished. On abort it
 * rejects with CANCELLED, on a write error with that error, and in both cases it stops
 * writing without ending `out`: the caller owns `out` and discards it (writeFileAtomic does).
 */
export async function writeCardsPdf(cards: readonly Card[], out: NodeJS.WritableStream, opts: PdfOptions = {}): Promise<void> {
  if (cards.length === 0) throw new GatepassError('VALIDATION_FAILED', 'No sign-in cards to write');
  const { signal } = opts;
  throwIfAborted(signal);

  const fontDir = opts.fontDir ?? defaultFontDir();
  const regular = path.join(fontDir, 'Roboto-Regular.ttf');
  const medium = path.join(fontDir, 'Roboto-Medium.ttf');
  if (!existsSync(regular) || !existsSync(medium)) {
    throw new GatepassError('INTERNAL', `The card fonts are missing from ${fontDir}`);
  }

  const pageSize = opts.pageSize === 'A4' ? 'A4' : 'LETTER';
  const doc = new PDFDocument({
    autoFirstPage: false,
    // Start with our own font so pdfkit never loads (or embeds) its Helvetica AFM.
    font: regular,
    info: { Title: opts.title ?? 'Gatepass sign-in cards', Creator: 'Gatepass', Producer: 'Gatepass' },
    // Sign-in cards are printed; no metadata beyond the title.
    pdfVersion: '1.7',
  });
  // Fonts are selected by path, not by registerFont() names: pdfkit caches a font under
  // the key it was first opened with, and a registered alias of the constructor's font would
  // miss that cache and re-parse the TTF on every call (measured: ~5 ms per page).
  const fonts: Fonts = { regular, medium };

  let outError: Error | null = null;
  const onOutError = (err: Error): void => {
    outError = err;
  };
  out.on('error', onOutError);
  doc.on('error', onOutError);
  doc.pipe(out);

  try {
    const total = cards.length;
    for (let i = 0; i < total; i++) {
      const card = cards[i];
      if (!card) continue;
      // A small bottom margin so the footer line below the content area never makes pdfkit start a new page.
      doc.addPage({ size: pageSize, margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: 16 } });
      drawCard(doc, fonts, card, i + 1, total);
      // Let abort events, stream errors and the pipe's data flow run between pages.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (outError) throw outError;
      throwIfAborted(signal);
      // `pipe` pauses the document when `out.write` returns false; wait for `out` to drain
      // before drawing more, so a slow disk cannot make us buffer the whole document.
      if (doc.readableFlowing === false) await waitForDrain(out, signal, () => outError);
      opts.onProgress?.(i + 1, total);
    }
    doc.end();
    // `pipe` ends `out` when the document ends; done when everything reached it.
    await finishedOrAborted(out, signal);
    if (outError) throw outError;
    out.removeListener('error', onOutError);
  } catch (err) {
    doc.unpipe(out);
    // The document's remaining buffered output is garbage now; drop it.
    doc.destroy();
    // Our listener stays on `out`: a failed stream can emit follow-up errors (e.g.
    // ERR_STREAM_DESTROYED for writes still in flight) that would otherwise crash the
    // process; the first error is the one we report.
    throw err;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new GatepassError('CANCELLED', 'Export cancelled');
}

async function waitForDrain(out: NodeJS.WritableStream, signal: AbortSignal | undefined, failed: () => Error | null): Promise<void> {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([once(out, 'drain', { signal: ac.signal }), once(out, 'error', { signal: ac.signal })]);
  } catch (err) {
    // `once` rejects on our own abort (cancel) or with the stream's error; report which.
    const e = failed();
    if (e) throw e;
    throwIfAborted(signal);
    throw err;
  } finally {
    ac.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

async function finishedOrAborted(out: NodeJS.WritableStream, signal: AbortSignal | undefined): Promise<void> {
  try {
    // `finished` accepts any Node stream; the cast is the NodeJS.WritableStream interface vs. the class.
    await finished(out as unknown as NodeJS.ReadableStream | NodeJS.WritableStream, signal ? { signal } : {});
  } catch (err) {
    throwIfAborted(signal);
    throw err;
  }
}

/** "2025-11-24 08:41 UTC": unambiguous on paper in every locale. */
export function formatCardDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

interface Fonts {
  regular: string;
  medium: string;
}

function drawCard(doc: PDFKit.PDFDocument, f: Fonts, card: Card, pageNo: number, total: number): void {
  const pageW = doc.page.width;
  const pageH = doc.page.height;
  const contentW = pageW - 2 * MARGIN;
  // Encode first: a payload that cannot become a QR code turns this card into a broken one
  // instead of failing the whole export.
  let matrix: QrMatrix | null = null;
  let reason = card.reason ?? 'unknown reason';
  if (card.status === 'ok' && card.payload !== null) {
    try {
      matrix = qrMatrix(card.payload);
    } catch (err) {
      if (!(err instanceof GatepassError)) throw err;
      reason = err.message;
    }
  } else if (card.status === 'ok') {
    reason = 'the server returned no code';
  }
  const ok = matrix !== null;

  // Header band: product name left, server name right.
  doc.rect(0, 0, pageW, HEADER_H).fill(BAND);
  doc.fillColor('#ffffff').font(f.medium).fontSize(11);
  doc.text('GATEPASS', MARGIN, 12, { lineBreak: false, characterSpacing: 1.5 });
  doc.font(f.regular).fontSize(10);
  oneLine(doc, card.serverName, MARGIN + 90, 12.5, contentW - 90, { align: 'right' });

  // Title block.
  let y = HEADER_H + 40;
  doc.fillColor(MUTED).font(f.medium).fontSize(9);
  doc.text(ok ? 'SIGN-IN CARD' : 'SIGN-IN CARD · NOT ISSUED', MARGIN, y, { lineBreak: false, characterSpacing: 1.2 });
  y += 16;
  // The login is what the user types elsewhere: shrink a long one to fit before cutting it.
  const loginSize = fitFontSize(doc.font(f.medium), card.login, contentW, 30, 14);
  doc.fillColor(INK).fontSize(loginSize);
  // Keep the baseline where a full-size login would sit (Roboto's ascender is 0.927 em).
  oneLine(doc, card.login, MARGIN, y + (30 - loginSize) * ASCENT, contentW);
  y += 38;
  if (card.displayName) {
    doc.fillColor(MUTED).font(f.regular).fontSize(fitFontSize(doc, card.displayName, contentW, 15, 11));
    oneLine(doc, card.displayName, MARGIN, y, contentW);
  }
  y += 34;

  // The code, centred, inside a hairline frame that marks the quiet zone's edge.
  const qrX = (pageW - QR_BOX) / 2;
  const qrY = y;
  if (matrix) drawQr(doc, matrix, qrX, qrY);
  else drawNoCode(doc, f, qrX, qrY);
  y = qrY + QR_BOX + 24;

  if (!ok) {
    doc.fillColor(DANGER).font(f.medium).fontSize(11);
    doc.text(`No sign-in code was issued: ${reason}`, MARGIN, y, { width: contentW, align: 'center', height: 60, ellipsis: true });
    y = Math.max(y + 20, doc.y) + 12;
  }

  // Details: label column and value column, hairline above.
  doc.moveTo(MARGIN, y).lineTo(pageW - MARGIN, y).lineWidth(0.5).strokeColor(RULE).stroke();
  y += 14;
  const rows: Array<[string, string]> = [
    ['Server', card.serverName],
    ['Address', card.serverUrl],
  ];
  if (card.issuedAt) rows.push(['Issued', formatCardDate(card.issuedAt)]);
  if (card.expiresAt) rows.push(['Expires', formatCardDate(card.expiresAt)]);
  else if (ok) rows.push(['Expires', 'Until replaced, or until the password or login changes']);
  const labelW = 90;
  for (const [label, value] of rows) {
    doc.fillColor(MUTED).font(f.regular).fontSize(10);
    doc.text(label, MARGIN, y + (11 - 10) * ASCENT, { lineBreak: false });
    const size = fitFontSize(doc.font(f.regular), value, contentW - labelW, 11, 8);
    doc.fillColor(INK).fontSize(size);
    oneLine(doc, value, MARGIN + labelW, y + (11 - size) * ASCENT, contentW - labelW);
    y += 20;
  }
  y += 6;
  doc.moveTo(MARGIN, y).lineTo(pageW - MARGIN, y).lineWidth(0.5).strokeColor(RULE).stroke();
  y += 16;

  if (ok) {
    doc.fillColor(INK).font(f.medium).fontSize(11);
    doc.text(INSTRUCTION, MARGIN, y, { width: contentW });
  } else {
    doc.fillColor(MUTED).font(f.regular).fontSize(11);
    doc.text('Ask your administrator for a new sign-in card.', MARGIN, y, { width: contentW });
  }

  // Footer.
  doc.fillColor(MUTED).font(f.regular).fontSize(8);
  const footerY = pageH - MARGIN + 18;
  doc.text(`${card.login} · card ${pageNo} of ${total}`, MARGIN, footerY, { width: contentW, align: 'right', lineBreak: false });
  doc.text('Gatepass', MARGIN, footerY, { lineBreak: false });
}

/** The largest size from `max` down to `min` at which `text` fits `width` in the current font. */
function fitFontSize(doc: PDFKit.PDFDocument, text: string, width: number, max: number, min: number): number {
  doc.fontSize(max);
  const w = doc.widthOfString(text);
  if (w <= width) return max;
  return Math.max(min, Math.floor(((max * width) / w) * 10) / 10);
}

/** Text on one line, cut with an ellipsis rather than wrapping into the next block. */
function oneLine(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number, extra: PDFKit.Mixins.TextOptions = {}): void {
  const h = doc.currentLineHeight(true);
  doc.text(text, x, y, { width, height: h, ellipsis: true, lineBreak: true, ...extra });
}

/** The symbol as one filled path of row runs, scaled so symbol + 4-module quiet zone fill QR_BOX. */
function drawQr(doc: PDFKit.PDFDocument, m: QrMatrix, x: number, y: number): void {
  const unit = QR_BOX / (m.size + 2 * QUIET_ZONE_MODULES);
  doc.save();
  doc.translate(x + QUIET_ZONE_MODULES * unit, y + QUIET_ZONE_MODULES * unit).scale(unit);
  for (const r of qrRuns(m)) doc.rect(r.x, r.y, r.w, 1);
  doc.fill('#000000');
  doc.restore();
  // Corner marks outside the quiet zone: they frame the code without eating into it.
  cornerMarks(doc, x, y, QR_BOX);
}

function cornerMarks(doc: PDFKit.PDFDocument, x: number, y: number, s: number): void {
  const l = 14;
  doc.save().lineWidth(1).strokeColor(RULE);
  doc.moveTo(x, y + l).lineTo(x, y).lineTo(x + l, y);
  doc.moveTo(x + s - l, y).lineTo(x + s, y).lineTo(x + s, y + l);
  doc.moveTo(x + s, y + s - l).lineTo(x + s, y + s).lineTo(x + s - l, y + s);
  doc.moveTo(x + l, y + s).lineTo(x, y + s).lineTo(x, y + s - l);
  doc.stroke().restore();
}

/** A hatched grey box with a cross and "NO VALID CODE": plainly not a QR code, to a person or a scanner. */
function drawNoCode(doc: PDFKit.PDFDocument, f: Fonts, x: number, y: number): void {
  const s = QR_BOX;
  doc.save();
  doc.rect(x, y, s, s).fill('#f2f3f5');
  doc.rect(x, y, s, s).clip();
  doc.lineWidth(0.75).strokeColor('#c9ced6');
  for (let d = -s; d < s; d += 12) doc.moveTo(x + d, y + s).lineTo(x + d + s, y);
  doc.stroke();
  doc.lineWidth(2).strokeColor('#9aa1ad');
  doc.moveTo(x, y).lineTo(x + s, y + s).moveTo(x + s, y).lineTo(x, y + s).stroke();
  doc.restore();
  doc.rect(x, y, s, s).lineWidth(1.5).strokeColor('#9aa1ad').stroke();
  // A white label over the cross so the words stay readable.
  const lw = 150;
  const lh = 34;
  doc.rect(x + (s - lw) / 2, y + (s - lh) / 2, lw, lh).fill('#ffffff');
  doc.rect(x + (s - lw) / 2, y + (s - lh) / 2, lw, lh).lineWidth(1).strokeColor('#9aa1ad').stroke();
  doc.fillColor(DANGER).font(f.medium).fontSize(14);
  doc.text('NO VALID CODE', x + (s - lw) / 2, y + (s - lh) / 2 + 10, { width: lw, align: 'center', lineBreak: false, characterSpacing: 0.8 });
}

import { deflateSync } from 'node:zlib';
import { type FallbackFont, FontChain, LayoutFont, ellipsize, fitSize, wrapLines } from './card-text';
import type { FontMetrics } from './font-subset';
import { PDF_HEADER, pageTree, objectBytes, pdfTextString, streamObjectBytes } from './writer';
import { type EcLevel, encodeQrText } from '../../../../shared/qr/encode';

/**
 * The card design as PDF content-stream operators, and the page/document bytes around it.
 * Pure and synchronous, so the same code runs in the export worker threads and in-thread
 * for small jobs. Coordinates below are measured from the page's top-left corner (as the
 * design was drawn with pdfkit) and flipped once, in the drawing helpers. What the text
 * measures, which font draws each character and how lines wrap is card-text.ts's.
 */

/**
 * One card, the data a worker renders (pdf-cards.ts exports it as Card): a sign-in card (the
 * QR signs in as the user) or a provisioning card (the QR sets up the user's phone once).
 */
export interface CardData {
  /** What the QR code is; a sign-in card when left out. */
  kind?: 'signin' | 'provisioning';
  login: string;
  displayName: string;
  serverName: string;
  serverUrl: string;
  status: 'ok' | 'broken';
  /** QR text when ok */
  payload: string | null;
  /** Why no code was issued, when broken */
  reason?: string;
  /** Broken because no answer came while the server issued: the user may already be re-keyed. */
  unconfirmed?: boolean;
  issuedAt: string | null;
  expiresAt: string | null;
}

/** Everything a renderer needs; structured-clone friendly so it can be sent to a worker once. */
export interface RenderConfig {
  pageSize: 'A4' | 'Letter';
  layout: 'single' | 'badges';
  ecLevel: EcLevel;
  regular: FontMetrics;
  medium: FontMetrics;
  /**
   * Fonts tried, in order, for characters the Roboto subset lacks (DejaVu Sans, then Droid
   * Sans Fallback): only those the export uses. Absent for an export Roboto covers alone.
   */
  regularFallbacks?: FallbackFont[];
  mediumFallbacks?: FallbackFont[];
  /** Cards in the whole export, for "card i of n". */
  totalCards: number;
  /** zlib level for content streams. */
  deflateLevel: number;
  /** One-PDF mode: where page objects and the page tree start (see pdf-cards.ts). */
  pageBase: number;
  treeFirst: number;
  pages: number;
  resourcesNum: number;
  /** Per-document mode: the prebuilt font objects (numbered from DOC_FONT_FIRST) and the title. */
  docFontBlock?: Uint8Array;
  docFontOffsets?: number[];
  /** Per-document mode: the page's font dictionary entries; defaults to F1 and F2 only. */
  docFontDict?: string;
  /** Per-document mode: the page's XObject dictionary entries (the logo as /Im1), if any. */
  docXObjectDict?: string;
  title?: string;
  /**
   * The server's card branding: a line of text under the instructions, and the logo's size in
   * pixels when there is one (the picture itself is the page resource /Im1).
   */
  branding?: { text: string; logo: { width: number; height: number } | null };
}

/** The page resource name of the logo picture. */
export const LOGO_RESOURCE = 'Im1';

/** Cards per page in the badge layout: 2 columns x 3 rows keeps each code about 2 inches. */
export const BADGES_PER_PAGE = 6;

/** Pages needed for `cards` cards in `layout`. */
export function pageCount(cards: number, layout: 'single' | 'badges'): number {
  return layout === 'badges' ? Math.ceil(cards / BADGES_PER_PAGE) : cards;
}

const PAGE: Record<'A4' | 'Letter', [number, number]> = { A4: [595.28, 841.89], Letter: [612, 792] };

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
const WHITE = '#ffffff';
const INSTRUCTION = 'Scan with the Gatepass app to sign in. Keep this card private: it works like a password.';
/**
 * A broken card is printed for the administrator, who chose to print it: it says what to do
 * about the user, and warns against handing it out (the user could do nothing with it).
 */
const BROKEN_NOTE = "This user's previous password and sign-in code still work. Use Generate again in the Gatepass console.";
const BROKEN_FOOTER = 'For the administrator: do not hand out this card, it holds no sign-in code.';
/** A broken sign-in card whose issue was never confirmed (the server stopped answering mid-request). */
const UNCONFIRMED_NOTE = 'This user may already have a new password, and their earlier code may no longer work. Use Generate again in the Gatepass console.';
const QUIET = 4;

/** What a card says, by kind: its label, what to do with the code, and what a broken one means. */
interface CardWords {
  label: string;
  instruction: string;
  brokenNote: string;
  brokenFooter: string;
  expires: string;
  /** The expiry row when there is none. */
  noExpiry: string;
}
const WORDS: Record<'signin' | 'provisioning', CardWords> = {
  signin: { label: 'SIGN-IN CARD', instruction: INSTRUCTION, brokenNote: BROKEN_NOTE, brokenFooter: BROKEN_FOOTER, expires: 'Expires', noExpiry: 'Until replaced, or until the password or login changes' },
  provisioning: {
    label: 'MOBILE PROVISIONING CODE',
    instruction:
      'Scan with the Gatepass mobile app to set up your phone as your authenticator. The code works once, until the time above; after that, ask for a new one. Keep it private until then.',
    brokenNote: "No provisioning code was issued for this user; any earlier code of theirs is unchanged. Put the reason right, then show the user's provisioning QR again.",
    brokenFooter: 'For the administrator: do not hand out this card, it holds no provisioning code.',
    expires: 'Valid until',
    noExpiry: 'Until it is used',
  },
};

function wordsOf(card: CardData): CardWords {
  return WORDS[card.kind ?? 'signin'];
}

/** Text that any card may show besides its own fields: its glyphs go into every font subset. */
export const FIXED_TEXT = [
  INSTRUCTION,
  'GATEPASS SIGN-IN CARD · NOT ISSUED NO VALID CODE For the administrator: no code was issued.',
  BROKEN_NOTE,
  UNCONFIRMED_NOTE,
  BROKEN_FOOTER,
  'Server Address Issued Expires Until replaced, or until the password or login changes card of Gatepass … unknown reason the server returned no code',
  ...Object.values(WORDS).flatMap((w) => [w.label, w.instruction, w.brokenNote, w.brokenFooter, w.expires, w.noExpiry]),
  'The sign-in code text is too long for a QR code ( characters)',
  // Printable ASCII, so dates, page numbers and any Latin text are always covered.
  Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join(''),
].join(' ');

/** The reason as a sentence: capitalised, ending with a full stop. */
function withStop(reason: string): string {
  const t = reason.trim();
  if (!t) return '';
  const first = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** "2025-11-24 08:41 UTC": unambiguous on paper in every locale. */
export function formatCardDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** Decimal strings of module coordinates (a symbol is at most 177 modules wide). */
const INT = Array.from({ length: 178 }, (_, i) => String(i));

/** Short decimal for content streams: at most 2 decimals, no trailing zeros. */
function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function rgb(hex: string): string {
  const v = Number.parseInt(hex.slice(1), 16);
  return `${n(((v >> 16) & 255) / 255)} ${n(((v >> 8) & 255) / 255)} ${n((v & 255) / 255)}`;
}

interface TextOpts {
  spacing?: number;
  align?: 'left' | 'right' | 'center';
  width?: number;
}

/** Collects content-stream operators for one page, in top-left coordinates. */
class Canvas {
  private parts: string[] = [];

  constructor(
    readonly h: number,
    readonly reg: FontChain,
    readonly med: FontChain,
  ) {}

  fillRect(x: number, y: number, w: number, hh: number, color: string): void {
    this.parts.push(`${rgb(color)} rg ${n(x)} ${n(this.h - y - hh)} ${n(w)} ${n(hh)} re f`);
  }

  strokeRect(x: number, y: number, w: number, hh: number, color: string, lw: number): void {
    this.parts.push(`${rgb(color)} RG ${n(lw)} w ${n(x)} ${n(this.h - y - hh)} ${n(w)} ${n(hh)} re S`);
  }

  /** A polyline per item of `lines` (each a list of x,y pairs), stroked once. */
  strokeLines(lines: number[][], color: string, lw: number, dash = ''): void {
    let s = `${rgb(color)} RG ${n(lw)} w ${dash ? `${dash} d ` : ''}`;
    for (const pts of lines) {
      for (let i = 0; i < pts.length; i += 2) s += `${n(pts[i] ?? 0)} ${n(this.h - (pts[i + 1] ?? 0))} ${i === 0 ? 'm' : 'l'} `;
    }
    this.parts.push(`${s}S${dash ? ' [] 0 d' : ''}`);
  }

  raw(ops: string): void {
    this.parts.push(ops);
  }

  /** One line of text whose top is at `y` (baseline at y + ascent, as pdfkit places it). */
  text(font: FontChain, size: number, color: string, text: string, x: number, y: number, o: TextOpts = {}): void {
    const spacing = o.spacing ?? 0;
    let tx = x;
    if (o.width !== undefined && o.align && o.align !== 'left') {
      const w = font.width(text, size, spacing);
      tx = o.align === 'right' ? x + o.width - w : x + (o.width - w) / 2;
    }
    const tc = spacing ? `${n(spacing)} Tc ` : '';
    const [first, ...more] = font.segments(text);
    if (!first) return;
    // Each Tj advances the text position by its glyphs (and Tc), so the segments follow on.
    let rest = '';
    for (const s of more) rest += ` /${s.font.resource} ${n(size)} Tf <${s.hex}> Tj`;
    this.parts.push(`BT ${rgb(color)} rg /${first.font.resource} ${n(size)} Tf ${tc}${n(tx)} ${n(this.h - y - font.ascent * size)} Td <${first.hex}> Tj${rest}${spacing ? ' 0 Tc' : ''} ET`);
  }

  /** Text cut with an ellipsis to fit `width` on one line. */
  oneLine(font: FontChain, size: number, color: string, text: string, x: number, y: number, width: number, o: TextOpts = {}): void {
    this.text(font, size, color, ellipsize(font, text, size, width, o.spacing ?? 0), x, y, { ...o, width });
  }

  /** Word-wrapped text, at most `maxLines` lines (the last cut with an ellipsis); returns the y below it. */
  wrapped(font: FontChain, size: number, color: string, text: string, x: number, y: number, width: number, align: TextOpts['align'], maxLines = 100): number {
    const lines = wrapLines(font, text, size, width, maxLines);
    const lh = font.lineHeight * size;
    lines.forEach((line, i) => this.text(font, size, color, line, x, y + i * lh, { align, width }));
    return y + lines.length * lh;
  }

  content(): string {
    return this.parts.join('\n');
  }
}

interface Qr {
  size: number;
  modules: Uint8Array;
}

/** The card's code, or why it has none (a payload too long becomes a broken card, not a failed export). */
function cardCode(card: CardData, ec: EcLevel): { qr: Qr | null; reason: string } {
  if (card.status === 'ok' && card.payload !== null) {
    const sym = encodeQrText(card.payload, ec);
    if (sym) return { qr: sym, reason: '' };
    return { qr: null, reason: `The sign-in code text is too long for a QR code (${card.payload.length} characters)` };
  }
  return { qr: null, reason: card.status === 'ok' ? 'the server returned no code' : (card.reason ?? 'unknown reason') };
}

/**
 * The symbol as ONE path: a `re` per horizontal run of dark modules, in module units under
 * one `cm`, filled once. Merged runs keep the page small and fast to rasterise.
 */
function qrOps(qr: Qr, x: number, yTop: number, unit: number, pageH: number): string {
  const { size, modules } = qr;
  // Module (0,0) is the top-left; PDF y grows upwards, so flip with a negative y scale.
  const parts: string[] = [`q 0 0 0 rg ${n(unit)} 0 0 ${n(-unit)} ${n(x)} ${n(pageH - yTop)} cm`];
  // Runs are collected as array parts joined once; the number strings come from a table
  // (number-to-string per run was most of this function's time).
  const ops: string[] = [];
  for (let y = 0; y < size; y++) {
    const row = y * size;
    const ys = ` ${INT[y] ?? String(y)} `;
    let xx = 0;
    while (xx < size) {
      if (modules[row + xx] !== 1) {
        xx++;
        continue;
      }
      const start = xx;
      while (xx < size && modules[row + xx] === 1) xx++;
      ops.push((INT[start] ?? '') + ys + (INT[xx - start] ?? '') + ' 1 re');
    }
  }
  ops.push('f Q');
  parts.push(ops.join('\n'));
  return parts.join('\n');
}

function cornerMarks(c: Canvas, x: number, y: number, s: number, l: number): void {
  c.strokeLines(
    [
      [x, y + l, x, y, x + l, y],
      [x + s - l, y, x + s, y, x + s, y + l],
      [x + s, y + s - l, x + s, y + s, x + s - l, y + s],
      [x + l, y + s, x, y + s, x, y + s - l],
    ],
    RULE,
    1,
  );
}

/** A hatched grey box with a cross and "NO VALID CODE": plainly not a QR code, to a person or a scanner. */
function noCode(c: Canvas, x: number, y: number, s: number, labelSize: number): void {
  c.fillRect(x, y, s, s, '#f2f3f5');
  const hatch: number[][] = [];
  const step = s / 18;
  for (let d = -s; d < s; d += step) hatch.push([x + d, y + s, x + d + s, y]);
  c.raw(`q ${n(x)} ${n(c.h - y - s)} ${n(s)} ${n(s)} re W n`);
  c.strokeLines(hatch, '#c9ced6', 0.75);
  c.strokeLines(
    [
      [x, y, x + s, y + s],
      [x + s, y, x, y + s],
    ],
    '#9aa1ad',
    2,
  );
  c.raw('Q');
  c.strokeRect(x, y, s, s, '#9aa1ad', 1.5);
  const lw = s * 0.7;
  const lh = labelSize * 2.4;
  c.fillRect(x + (s - lw) / 2, y + (s - lh) / 2, lw, lh, WHITE);
  c.strokeRect(x + (s - lw) / 2, y + (s - lh) / 2, lw, lh, '#9aa1ad', 1);
  c.text(c.med, labelSize, DANGER, 'NO VALID CODE', x + (s - lw) / 2, y + (s - labelSize * 1.17) / 2, { width: lw, align: 'center', spacing: labelSize * 0.057 });
}

/** Renders pages and per-user documents; one instance per worker (or in-thread). */
export class CardRenderer {
  private readonly reg: FontChain;
  private readonly med: FontChain;
  private readonly w: number;
  private readonly h: number;
  private readonly tree: ReturnType<typeof pageTree>;

  constructor(private readonly cfg: RenderConfig) {
    this.reg = new FontChain(new LayoutFont('F1', cfg.regular), cfg.regularFallbacks);
    this.med = new FontChain(new LayoutFont('F2', cfg.medium), cfg.mediumFallbacks);
    [this.w, this.h] = PAGE[cfg.pageSize];
    this.tree = pageTree(cfg.pages, cfg.treeFirst);
  }

  /** Content stream of one page (uncompressed operators). */
  pageContent(cards: readonly CardData[], firstCardIndex: number): string {
    const c = new Canvas(this.h, this.reg, this.med);
    if (this.cfg.layout === 'badges') this.drawBadges(c, cards, firstCardIndex);
    else if (cards[0]) this.drawCard(c, cards[0], firstCardIndex + 1);
    return c.content();
  }

  /** Page `pageIndex` of the one-PDF export as bytes: its page object and content stream; `contentAt` is the second object's offset in it. */
  pageChunk(pageIndex: number, cards: readonly CardData[], firstCardIndex: number): { bytes: Uint8Array; contentAt: number } {
    const pageNum = this.cfg.pageBase + 2 * pageIndex;
    const page = objectBytes(
      pageNum,
      `<< /Type /Page /Parent ${this.tree.parentOf(pageIndex)} 0 R /MediaBox [0 0 ${this.w} ${this.h}] /Resources ${this.cfg.resourcesNum} 0 R /Contents ${pageNum + 1} 0 R >>`,
    );
    const data = deflateSync(this.pageContent(cards, firstCardIndex), { level: this.cfg.deflateLevel });
    const content = streamObjectBytes(pageNum + 1, '/Filter /FlateDecode', data);
    const bytes = new Uint8Array(page.length + content.length);
    bytes.set(page);
    bytes.set(content, page.length);
    return { bytes, contentAt: page.length };
  }

  /** A complete one-page PDF for one user, around the shared prebuilt font objects. */
  document(card: CardData, cardIndex: number): Uint8Array {
    const block = this.cfg.docFontBlock;
    const fontOffsets = this.cfg.docFontOffsets;
    if (!block || !fontOffsets) throw new Error('Renderer was not configured for per-user documents');
    const data = deflateSync(this.pageContent([card], cardIndex), { level: this.cfg.deflateLevel });
    const objs = [
      objectBytes(1, '<< /Type /Catalog /Pages 3 0 R >>'),
      objectBytes(2, `<< /Title ${pdfTextString(this.cfg.title ?? `Gatepass sign-in card: ${card.login}`)} /Creator (Gatepass) /Producer (Gatepass) >>`),
      objectBytes(3, '<< /Type /Pages /Kids [4 0 R] /Count 1 >>'),
      objectBytes(
        4,
        `<< /Type /Page /Parent 3 0 R /MediaBox [0 0 ${this.w} ${this.h}] /Resources << /Font << ${this.cfg.docFontDict ?? `/F1 ${DOC_FONT_FIRST} 0 R /F2 ${DOC_FONT_FIRST + 5} 0 R`} >>${this.cfg.docXObjectDict ? ` /XObject << ${this.cfg.docXObjectDict} >>` : ''} >> /Contents 5 0 R >>`,
      ),
      streamObjectBytes(5, '/Filter /FlateDecode', data),
    ];
    const offsets: number[] = [];
    let pos = PDF_HEADER.length;
    for (const o of objs) {
      offsets.push(pos);
      pos += o.length;
    }
    for (const off of fontOffsets) offsets.push(pos + off);
    pos += block.length;
    let xref = `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n`;
    for (const off of offsets) xref += `${String(off).padStart(10, '0')} 00000 n\r\n`;
    xref += `trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R /Info 2 0 R >>\nstartxref\n${pos}\n%%EOF\n`;
    const tail = Buffer.from(xref, 'latin1');
    const out = new Uint8Array(pos + tail.length);
    out.set(PDF_HEADER);
    let p = PDF_HEADER.length;
    for (const o of objs) {
      out.set(o, p);
      p += o.length;
    }
    out.set(block, p);
    out.set(tail, p + block.length);
    return out;
  }

  private drawCard(c: Canvas, card: CardData, cardNo: number): void {
    const { w: pageW, h: pageH, reg, med } = this;
    const contentW = pageW - 2 * MARGIN;
    const { qr, reason } = cardCode(card, this.cfg.ecLevel);
    const ok = qr !== null;

    c.fillRect(0, 0, pageW, HEADER_H, BAND);
    c.text(med, 11, WHITE, 'GATEPASS', MARGIN, 12, { spacing: 1.5 });
    c.oneLine(reg, 10, WHITE, card.serverName, MARGIN + 90, 12.5, contentW - 90, { align: 'right' });
    this.logo(c, pageW - MARGIN, HEADER_H + 12, 160, 36);

    let y = HEADER_H + 40;
    const words = wordsOf(card);
    c.text(med, 9, MUTED, ok ? words.label : `${words.label} · NOT ISSUED`, MARGIN, y, { spacing: 1.2 });
    y += 16;
    // The login is what the user types elsewhere: shrink a long one to fit before cutting it,
    // keeping the baseline where a full-size login would sit.
    const loginSize = fitSize(med, card.login, contentW, 30, 14);
    c.oneLine(med, loginSize, INK, card.login, MARGIN, y + (30 - loginSize) * med.ascent, contentW);
    y += 38;
    if (card.displayName) c.oneLine(reg, fitSize(reg, card.displayName, contentW, 15, 11), MUTED, card.displayName, MARGIN, y, contentW);
    y += 34;

    const qrX = (pageW - QR_BOX) / 2;
    const qrY = y;
    if (qr) {
      const unit = QR_BOX / (qr.size + 2 * QUIET);
      c.raw(qrOps(qr, qrX + QUIET * unit, qrY + QUIET * unit, unit, pageH));
      cornerMarks(c, qrX, qrY, QR_BOX, 14);
    } else noCode(c, qrX, qrY, QR_BOX, 14);
    y = qrY + QR_BOX + 24;

    if (!ok) {
      const below = c.wrapped(med, 11, DANGER, `For the administrator: no code was issued. ${withStop(reason)}`, MARGIN, y, contentW, 'center', 4);
      const note = c.wrapped(reg, 10, INK, card.unconfirmed ? UNCONFIRMED_NOTE : words.brokenNote, MARGIN, Math.max(y + 20, below) + 4, contentW, 'center', 2);
      y = note + 12;
    }

    c.strokeLines([[MARGIN, y, pageW - MARGIN, y]], RULE, 0.5);
    y += 14;
    const rows: Array<[string, string]> = [
      ['Server', card.serverName],
      ['Address', card.serverUrl],
    ];
    if (card.issuedAt) rows.push(['Issued', formatCardDate(card.issuedAt)]);
    if (card.expiresAt) rows.push([words.expires, formatCardDate(card.expiresAt)]);
    else if (ok) rows.push([words.expires, words.noExpiry]);
    const labelW = 90;
    for (const [label, value] of rows) {
      c.text(reg, 10, MUTED, label, MARGIN, y + (11 - 10) * reg.ascent);
      const size = fitSize(reg, value, contentW - labelW, 11, 8);
      c.oneLine(reg, size, INK, value, MARGIN + labelW, y + (11 - size) * reg.ascent, contentW - labelW);
      y += 20;
    }
    y += 6;
    c.strokeLines([[MARGIN, y, pageW - MARGIN, y]], RULE, 0.5);
    y += 16;
    y = ok ? c.wrapped(med, 11, INK, words.instruction, MARGIN, y, contentW, 'left') : c.wrapped(med, 11, DANGER, words.brokenFooter, MARGIN, y, contentW, 'left');
    const custom = this.cfg.branding?.text;
    if (custom) c.wrapped(reg, 10, MUTED, custom, MARGIN, y + 10, contentW, 'left', 2);

    const footerY = pageH - MARGIN + 18;
    const total = this.cfg.totalCards;
    c.text(reg, 8, MUTED, total > 1 ? `${card.login} · card ${cardNo} of ${total}` : card.login, MARGIN, footerY, { width: contentW, align: 'right' });
    c.text(reg, 8, MUTED, 'Gatepass', MARGIN, footerY);
  }

  /**
   * Draws the logo, if the branding has one, scaled to fit `maxW` x `maxH` points with its
   * aspect ratio kept, its right edge at `right` and its top at `top`. Returns its width.
   */
  private logo(c: Canvas, right: number, top: number, maxW: number, maxH: number): number {
    const logo = this.cfg.branding?.logo;
    if (!logo) return 0;
    const scale = Math.min(maxW / logo.width, maxH / logo.height);
    const w = logo.width * scale;
    const h = logo.height * scale;
    c.raw(`q ${n(w)} 0 0 ${n(h)} ${n(right - w)} ${n(this.h - top - h)} cm /${LOGO_RESOURCE} Do Q`);
    return w;
  }

  /**
   * Badge sheet: 2 x 3 cards with cut marks in the margins. Each code is 2 inches (symbol
   * without quiet zone) for the sign-in payloads (QR version 6 and up); a smaller symbol
   * would need a wider quiet zone than the cell has, so it is scaled to fit.
   */
  private drawBadges(c: Canvas, cards: readonly CardData[], firstIndex: number): void {
    const { w: pageW, h: pageH, reg, med } = this;
    const m = 20;
    const cw = (pageW - 2 * m) / 2;
    const ch = (pageH - 2 * m) / 3;
    // Cut marks: ticks in the margin on every cut line, clear of the cards.
    const ticks: number[][] = [];
    for (let i = 0; i <= 2; i++) {
      const x = m + i * cw;
      ticks.push([x, 4, x, m - 4], [x, pageH - m + 4, x, pageH - 4]);
    }
    for (let j = 0; j <= 3; j++) {
      const y = m + j * ch;
      ticks.push([4, y, m - 4, y], [pageW - m + 4, y, pageW - 4, y]);
    }
    c.strokeLines(ticks, MUTED, 0.5);
    cards.forEach((card, k) => {
      const x = m + (k % 2) * cw;
      const y = m + Math.floor(k / 2) * ch;
      this.drawBadge(c, card, x, y, cw, ch, firstIndex + k + 1);
    });
    void reg;
    void med;
  }

  private drawBadge(c: Canvas, card: CardData, x: number, y: number, cw: number, ch: number, _cardNo: number): void {
    const { reg, med } = this;
    const pad = 12;
    const innerW = cw - 2 * pad;
    const { qr, reason } = cardCode(card, this.cfg.ecLevel);
    // A faint outline so the sheet reads as cards on screen; the cut marks guide the cutter.
    c.strokeLines([[x, y, x + cw, y, x + cw, y + ch, x, y + ch, x, y]], RULE, 0.5, '[2 2] 0');
    c.fillRect(x, y, cw, 20, BAND);
    c.text(med, 7.5, WHITE, 'GATEPASS', x + pad, y + 6, { spacing: 1 });
    c.oneLine(reg, 7.5, WHITE, card.serverName, x + pad + 60, y + 6, innerW - 60, { align: 'right' });
    // The logo sits at the right of the login and display name, which give it the room.
    const logoW = this.logo(c, x + cw - pad, y + 26, 64, 24);
    const nameW = logoW > 0 ? innerW - logoW - 6 : innerW;
    const loginSize = fitSize(med, card.login, nameW, 16, 9);
    c.oneLine(med, loginSize, INK, card.login, x + pad, y + 27 + (16 - loginSize) * med.ascent, nameW);
    if (card.displayName) c.oneLine(reg, fitSize(reg, card.displayName, nameW, 9.5, 7), MUTED, card.displayName, x + pad, y + 46, nameW);
    const custom = this.cfg.branding?.text;
    // The custom line takes the bottom edge of the badge; the code gives up that much height.
    const bottom = custom ? 10 : 0;
    if (custom) c.oneLine(reg, 6.5, MUTED, custom, x + pad, y + ch - 9, innerW, { align: 'center' });
    const top = y + 72;
    if (qr) {
      // A badge has no room for the instructions: a provisioning one at least says what it is.
      const dates: string[] = card.kind === 'provisioning' ? ['Phone setup code, works once'] : [];
      if (card.issuedAt && card.kind !== 'provisioning') dates.push(`Issued ${formatCardDate(card.issuedAt)}`);
      if (card.expiresAt) dates.push(`${wordsOf(card).expires} ${formatCardDate(card.expiresAt)}`);
      c.oneLine(reg, 6.5, MUTED, card.serverUrl, x + pad, y + 58, innerW);
      if (dates.length) c.oneLine(reg, 6.5, MUTED, dates.join(' · '), x + pad, y + 66, innerW);
      // Symbol of 2 in, its 4-module quiet zone inside the space below the text.
      const avail = y + ch - 2 - bottom - top;
      const symbol = Math.min(2 * PT_PER_INCH, (avail * qr.size) / (qr.size + 2 * QUIET));
      const unit = symbol / qr.size;
      const sx = x + (cw - symbol) / 2;
      const sy = top + QUIET * unit;
      c.raw(qrOps(qr, sx, sy, unit, this.h));
    } else {
      c.wrapped(med, 7, DANGER, `For the administrator: no code was issued. ${withStop(reason)}`, x + pad, y + 58, innerW, 'left', 2);
      const s = Math.min(2 * PT_PER_INCH, y + ch - 8 - bottom - (top + 6));
      noCode(c, x + (cw - s) / 2, top + 6, s, 10);
    }
  }
}

/** First object number of the font objects in a per-user document (1-5 are catalog, info, pages, page, content). */
export const DOC_FONT_FIRST = 6;

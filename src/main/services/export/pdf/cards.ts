import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { GatepassError } from '../../../../shared/errors';
import { type CardData, CardRenderer, DOC_FONT_FIRST, FIXED_TEXT, LOGO_RESOURCE, type RenderConfig, BADGES_PER_PAGE, formatCardDate, pageCount } from './card-layout';
import type { PdfImage } from './image';
import type { FallbackFont } from './card-text';
import { RenderPool, type WorkerReply } from './render-pool';
import { buildSubset, type FontSubset, parseTtf, type TtfFont } from './font-subset';
import { defaultFontDir } from './font-dir';
import { OBJECTS_PER_FONT, PDF_HEADER, XrefTable, fontObjects, imageObjects, objectBytes, pageTree, pdfTextString } from './writer';
import type { EcLevel } from '../../../../shared/qr/encode';

export { formatCardDate };

/** One sign-in card: a page (or a badge) per user. `payload` is the QR text when the credential was issued. */
export type Card = CardData;

/** Options for {@link writeCardsPdf} and {@link renderCardPdfs}. */
export interface PdfOptions {
  pageSize?: 'A4' | 'Letter';
  /** single: one card per page; badges: 2 x 3 cards per page with cut marks. */
  layout?: 'single' | 'badges';
  /** QR error correction; 'Q' (25% recoverable) suits printed cards. */
  ecLevel?: EcLevel;
  /** Called as cards are written with (cards done, total cards). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** PDF document title (Info dictionary). */
  title?: string;
  /**
   * Folder holding Roboto-Regular.ttf and Roboto-Medium.ttf (required) and the fallback fonts
   * DejaVuSans.ttf, DejaVuSans-Bold.ttf, DroidSansFallbackFull.ttf (each used if present);
   * defaults to the project's assets/fonts.
   */
  fontDir?: string;
  /** Worker threads: 'auto' uses them from {@link WORKER_MIN_CARDS} cards on. */
  threads?: 'auto' | 'off';
  /** The server's card branding: a line of text and a logo on every card. */
  branding?: PdfBranding;
}

/** A server's card branding as the PDF engine takes it: the logo already decoded. */
export interface PdfBranding {
  text: string;
  logo: PdfImage | null;
}

/** The render config's part of the branding: the text and the logo's size (the picture is a page resource). */
function brandingConfig(b: PdfBranding | undefined): Pick<RenderConfig, 'branding'> {
  if (!b || (!b.text && !b.logo)) return {};
  return { branding: { text: b.text, logo: b.logo ? { width: b.logo.width, height: b.logo.height } : null } };
}

/** Below this many cards, starting threads costs more than it saves (measured ~40 ms per worker start). */
export const WORKER_MIN_CARDS = 200;
/** Pages per worker request, and requests in flight per worker: bounds memory to a few hundred pages. */
const BATCH = 16;
const IN_FLIGHT = 6;
/** Content streams: zlib level 1 was as small as level 6 within 3% on card pages, and faster (bench). */
const DEFLATE_LEVEL = 1;

/** Parsed fonts by file, kept for the process: each file is read and parsed at most once. */
const parsedFonts = new Map<string, TtfFont | null>();

function loadFont(file: string, name: string): TtfFont {
  let f = parsedFonts.get(file);
  if (!f) {
    f = parseTtf(new Uint8Array(readFileSync(file)), name);
    parsedFonts.set(file, f);
  }
  return f;
}

/** A fallback font, or null when its file is not in the font folder (a custom folder may hold only Roboto). */
function loadOptionalFont(file: string, name: string): TtfFont | null {
  const known = parsedFonts.get(file);
  if (known !== undefined) return known;
  const f = existsSync(file) ? loadFont(file, name) : null;
  parsedFonts.set(file, f);
  return f;
}

/**
 * Code points the cards can show: `all` for the Roboto subsets (as always: every field in
 * both faces), and per face the card fields drawn in it, for choosing fallback fonts
 * (regular: login in the footer, display name, server name and address; medium: login,
 * reason). Strings of printable ASCII are skipped cheaply: Roboto covers them (FIXED_TEXT).
 */
function codepointsOf(cards: readonly Card[], brandingText = ''): { all: Set<number>; regular: Set<number>; medium: Set<number> } {
  const all = new Set<number>();
  const regular = new Set<number>();
  const medium = new Set<number>();
  const addText = (s: string | null | undefined, ...into: Array<Set<number>>): void => {
    if (!s || /^[\x20-\x7e]*$/.test(s)) return;
    for (const ch of s) {
      const cp = ch.codePointAt(0) ?? 0;
      all.add(cp);
      for (const set of into) set.add(cp);
    }
  };
  addText(FIXED_TEXT);
  addText(brandingText, regular);
  for (const c of cards) {
    addText(c.login, regular, medium);
    addText(c.displayName, regular);
    addText(c.serverName, regular);
    addText(c.serverUrl, regular);
    addText(c.reason, medium);
  }
  for (const ch of FIXED_TEXT) all.add(ch.codePointAt(0) ?? 0);
  return { all, regular, medium };
}

/** A font subset to embed and the page resource name that draws with it. */
interface EmbeddedFont {
  resource: string;
  subset: FontSubset;
}

interface Fonts {
  regular: FontSubset;
  medium: FontSubset;
  /** Fallback subsets this export uses (none for text Roboto covers), in resource order. */
  fallbacks: EmbeddedFont[];
  regularFallbacks: FallbackFont[];
  mediumFallbacks: FallbackFont[];
}

/**
 * The fallback chain after Roboto, per face: DejaVu Sans (Hebrew, Arabic, Armenian,
 * Georgian, many symbols) in the matching weight, then Droid Sans Fallback (CJK; one weight
 * serves both faces). Resource names are fixed so a font always draws as the same name.
 */
const DEJAVU = { file: 'DejaVuSans.ttf', name: 'DejaVuSans', resource: 'F3' };
const DEJAVU_BOLD = { file: 'DejaVuSans-Bold.ttf', name: 'DejaVuSans-Bold', resource: 'F4' };
const DROID = { file: 'DroidSansFallbackFull.ttf', name: 'DroidSansFallback', resource: 'F5' };

function subsetFonts(cards: readonly Card[], fontDir: string, brandingText = ''): Fonts {
  const regularFile = path.join(fontDir, 'Roboto-Regular.ttf');
  const mediumFile = path.join(fontDir, 'Roboto-Medium.ttf');
  if (!existsSync(regularFile) || !existsSync(mediumFile)) throw new GatepassError('INTERNAL', `The card fonts are missing from ${fontDir}`);
  const cps = codepointsOf(cards, brandingText);
  const roboto = { regular: loadFont(regularFile, 'Roboto-Regular'), medium: loadFont(mediumFile, 'Roboto-Medium') };
  const fonts: Fonts = { regular: buildSubset(roboto.regular, cps.all), medium: buildSubset(roboto.medium, cps.all), fallbacks: [], regularFallbacks: [], mediumFallbacks: [] };
  // What Roboto lacks, per face: usually nothing, and then no other font is even read.
  let regLeft = [...cps.regular].filter((cp) => roboto.regular.glyphOf(cp) === 0);
  let medLeft = [...cps.medium].filter((cp) => roboto.medium.glyphOf(cp) === 0);
  if (regLeft.length === 0 && medLeft.length === 0) return fonts;

  const take = (spec: typeof DEJAVU, left: number[], chains: Array<FallbackFont[]>): number[] => {
    if (left.length === 0) return left;
    const font = loadOptionalFont(path.join(fontDir, spec.file), spec.name);
    if (!font) return left;
    const covered = left.filter((cp) => font.glyphOf(cp) !== 0);
    if (covered.length === 0) return left;
    const subset = buildSubset(font, covered);
    fonts.fallbacks.push({ resource: spec.resource, subset });
    for (const chain of chains) chain.push({ resource: spec.resource, metrics: subset.metrics });
    return left.filter((cp) => font.glyphOf(cp) === 0);
  };
  regLeft = take(DEJAVU, regLeft, [fonts.regularFallbacks]);
  medLeft = take(DEJAVU_BOLD, medLeft, [fonts.mediumFallbacks]);
  // Droid (4 MB) is parsed only now, when some character is in neither Roboto nor DejaVu.
  const cjk = [...new Set([...regLeft, ...medLeft])];
  if (cjk.length > 0) {
    const chains: Array<FallbackFont[]> = [];
    if (regLeft.length > 0) chains.push(fonts.regularFallbacks);
    if (medLeft.length > 0) chains.push(fonts.mediumFallbacks);
    take(DROID, cjk, chains);
  }
  // Characters no bundled font has (e.g. Korean, Thai, colour emoji) stay Roboto's .notdef box.
  return fonts;
}

/** The page font dictionary's entries: Roboto as F1 and F2, then the fallbacks in use. */
function fontDict(fonts: Fonts, first: number): { dict: string; objects: Uint8Array[] } {
  const all: EmbeddedFont[] = [{ resource: 'F1', subset: fonts.regular }, { resource: 'F2', subset: fonts.medium }, ...fonts.fallbacks];
  const objects: Uint8Array[] = [];
  const dict = all
    .map((f, i) => {
      const num = first + i * OBJECTS_PER_FONT;
      objects.push(...fontObjects(f.subset, num));
      return `/${f.resource} ${num} 0 R`;
    })
    .join(' ');
  return { dict, objects };
}

/** The renderer's fallback chains; left out entirely when Roboto covers the export. */
function fallbackConfig(fonts: Fonts): Pick<RenderConfig, 'regularFallbacks' | 'mediumFallbacks'> {
  return {
    ...(fonts.regularFallbacks.length > 0 ? { regularFallbacks: fonts.regularFallbacks } : {}),
    ...(fonts.mediumFallbacks.length > 0 ? { mediumFallbacks: fonts.mediumFallbacks } : {}),
  };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new GatepassError('CANCELLED', 'Export cancelled');
}

/** Writes to `out` with backpressure, counting bytes; the first stream error is kept and rethrown. */
class OutputWriter {
  position = 0;
  error: Error | null = null;
  private readonly onError = (err: Error): void => {
    this.error ??= err;
  };

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly signal: AbortSignal | undefined,
  ) {
    // Stays attached even after a failure: a failed stream can emit follow-up errors (e.g.
    // ERR_STREAM_DESTROYED for writes in flight) that would otherwise crash the process.
    out.on('error', this.onError);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.error) throw this.error;
    this.position += bytes.length;
    if (!this.out.write(bytes)) await this.drain();
  }

  private async drain(): Promise<void> {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([once(this.out, 'drain', { signal: ac.signal }), once(this.out, 'error', { signal: ac.signal })]);
    } catch (err) {
      // `once` rejects on our own abort (cancel) or with the stream's error; report which.
      if (this.error) throw this.error;
      throwIfAborted(this.signal);
      throw err;
    } finally {
      ac.abort();
      this.signal?.removeEventListener('abort', onAbort);
    }
    if (this.error) throw this.error;
  }

  async end(): Promise<void> {
    if (this.error) throw this.error;
    this.out.end();
    try {
      // `finished` accepts any Node stream; the cast is the NodeJS.WritableStream interface vs. the class.
      await finished(this.out as unknown as NodeJS.WritableStream, this.signal ? { signal: this.signal } : {});
    } catch (err) {
      throwIfAborted(this.signal);
      throw this.error ?? err;
    }
    if (this.error) throw this.error;
    this.out.removeListener('error', this.onError);
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Keeps up to IN_FLIGHT * 2 worker requests of BATCH items queued and yields each successful
 * reply in submission order, so output order never depends on which worker finishes first.
 */
async function* inOrder(total: number, request: (start: number, end: number) => Promise<WorkerReply>): AsyncGenerator<{ start: number; reply: WorkerReply }> {
  const queue: Array<{ start: number; reply: Promise<WorkerReply> }> = [];
  let next = 0;
  const submit = (): void => {
    while (next < total && queue.length < IN_FLIGHT * 2) {
      const end = Math.min(total, next + BATCH);
      const reply = request(next, end);
      // Why: if the consumer stops early, replies still queued must not become unhandled rejections.
      reply.catch(() => undefined);
      queue.push({ start: next, reply });
      next = end;
    }
  };
  submit();
  for (let head = queue.shift(); head; head = queue.shift()) {
    const reply = await head.reply;
    if (!reply.ok) throw new GatepassError('INTERNAL', `Rendering cards failed: ${reply.error}`);
    submit();
    yield { start: head.start, reply };
  }
}

/**
 * Produces each page's bytes in order: from worker threads for big jobs (in flight batches
 * bounded, awaited in order), in-thread for small ones or when the worker file is missing.
 */
async function* pageChunks(cards: readonly Card[], cfg: RenderConfig, useWorkers: boolean): AsyncGenerator<{ bytes: Uint8Array; contentAt: number; cardsDone: number }> {
  const perPage = cfg.layout === 'badges' ? BADGES_PER_PAGE : 1;
  const pageCards = (p: number): Card[] => cards.slice(p * perPage, (p + 1) * perPage);
  const cardsDone = (p: number): number => Math.min(cards.length, (p + 1) * perPage);
  const pool = useWorkers ? RenderPool.start(cfg) : null;
  if (!pool) {
    const r = new CardRenderer(cfg);
    for (let p = 0; p < cfg.pages; p++) {
      yield { ...r.pageChunk(p, pageCards(p), p * perPage), cardsDone: cardsDone(p) };
      await yieldToLoop();
    }
    return;
  }
  try {
    const requestPages = (start: number, end: number) => {
      const pages = [];
      for (let p = start; p < end; p++) pages.push({ pageIndex: p, firstCard: p * perPage, cards: pageCards(p) });
      return pool.request({ type: 'pages', pages });
    };
    for await (const { start, reply } of inOrder(cfg.pages, requestPages)) {
      if (!('chunks' in reply)) throw new GatepassError('INTERNAL', 'Export worker sent documents for pages');
      for (let k = 0; k < reply.chunks.length; k++) {
        const ch = reply.chunks[k];
        if (ch) yield { ...ch, cardsDone: cardsDone(start + k) };
      }
    }
  } finally {
    await pool.close();
  }
}

/**
 * Streams one PDF of sign-in cards into `out`: pages are rendered (QR, layout, deflate) in
 * worker threads and written in order with backpressure, each object's offset kept for the
 * xref, so memory stays flat with the page count. The font subset (Roboto Regular and
 * Medium, only the glyphs the cards use) is written once, at the end. Resolves when `out`
 * has finished. On abort it rejects with CANCELLED, on a write error with that error, and
 * in both cases stops without ending `out`: the caller owns `out` and discards it.
 */
export async function writeCardsPdf(cards: readonly Card[], out: NodeJS.WritableStream, opts: PdfOptions = {}): Promise<void> {
  if (cards.length === 0) throw new GatepassError('VALIDATION_FAILED', 'No sign-in cards to write');
  const { signal } = opts;
  throwIfAborted(signal);
  const fonts = subsetFonts(cards, opts.fontDir ?? defaultFontDir(), opts.branding?.text);
  const layout = opts.layout ?? 'single';
  const pages = pageCount(cards.length, layout);

  // Object numbers: 1 catalog, 2 info, 3 shared resources, then the two Roboto fonts and any
  // fallback fonts, the page tree, and two objects per page (page, content): all known
  // before the first byte.
  const fontFirst = 4;
  const embedded = fontDict(fonts, fontFirst);
  // The logo, when there is one, is written once and drawn by every page.
  const logo = opts.branding?.logo ?? null;
  const logoNum = fontFirst + embedded.objects.length;
  const logoObjects = logo ? imageObjects(logo, logoNum) : [];
  const treeFirst = logoNum + logoObjects.length;
  const tree = pageTree(pages, treeFirst);
  const pageBase = treeFirst + tree.count;
  const cfg: RenderConfig = {
    pageSize: opts.pageSize === 'A4' ? 'A4' : 'Letter',
    layout,
    ecLevel: opts.ecLevel ?? 'Q',
    regular: fonts.regular.metrics,
    medium: fonts.medium.metrics,
    ...fallbackConfig(fonts),
    totalCards: cards.length,
    deflateLevel: DEFLATE_LEVEL,
    pageBase,
    treeFirst,
    pages,
    resourcesNum: 3,
    ...brandingConfig(opts.branding),
  };

  const w = new OutputWriter(out, signal);
  const xref = new XrefTable();
  const put = async (num: number, bytes: Uint8Array): Promise<void> => {
    xref.set(num, w.position);
    await w.write(bytes);
  };
  await w.write(PDF_HEADER);
  const useWorkers = opts.threads !== 'off' && cards.length >= WORKER_MIN_CARDS;
  let page = 0;
  for await (const ch of pageChunks(cards, cfg, useWorkers)) {
    const num = pageBase + 2 * page;
    xref.set(num, w.position);
    xref.set(num + 1, w.position + ch.contentAt);
    await w.write(ch.bytes);
    page++;
    opts.onProgress?.(ch.cardsDone, cards.length);
    throwIfAborted(signal);
  }
  for (const node of tree.nodes((i) => pageBase + 2 * i)) await put(node.num, objectBytes(node.num, node.body));
  await put(1, objectBytes(1, `<< /Type /Catalog /Pages ${tree.root} 0 R >>`));
  await put(2, objectBytes(2, `<< /Title ${pdfTextString(opts.title ?? 'Gatepass sign-in cards')} /Creator (Gatepass) /Producer (Gatepass) >>`));
  await put(3, objectBytes(3, `<< /Font << ${embedded.dict} >>${logo ? ` /XObject << /${LOGO_RESOURCE} ${logoNum} 0 R >>` : ''} >>`));
  for (let k = 0; k < embedded.objects.length; k++) await put(fontFirst + k, embedded.objects[k] ?? new Uint8Array(0));
  for (let k = 0; k < logoObjects.length; k++) await put(logoNum + k, logoObjects[k] ?? new Uint8Array(0));
  const startxref = w.position;
  for (const chunk of xref.tail(startxref, 1, 2)) await w.write(chunk);
  await w.end();
}

/** One user's complete PDF from {@link renderCardPdfs}. */
export interface CardPdf {
  index: number;
  bytes: Uint8Array;
}

/**
 * Small complete one-card PDFs, one per card, in order (for a ZIP of per-user files). The
 * font subset is built once for all cards and its compressed objects are copied into each
 * document as they are, so a document costs its page and a few hundred bytes of structure.
 * Pages render in worker threads for big jobs. Stop iterating to stop; abort -> CANCELLED.
 */
export async function* renderCardPdfs(cards: readonly Card[], opts: PdfOptions = {}): AsyncGenerator<CardPdf> {
  if (cards.length === 0) throw new GatepassError('VALIDATION_FAILED', 'No sign-in cards to write');
  const { signal } = opts;
  throwIfAborted(signal);
  const fonts = subsetFonts(cards, opts.fontDir ?? defaultFontDir(), opts.branding?.text);
  const { dict: docFontDict, objects: fontObjs } = fontDict(fonts, DOC_FONT_FIRST);
  // The logo's objects follow the fonts in the block every document copies.
  const logo = opts.branding?.logo ?? null;
  const logoNum = DOC_FONT_FIRST + fontObjs.length;
  const objs = logo ? [...fontObjs, ...imageObjects(logo, logoNum)] : fontObjs;
  const docFontOffsets: number[] = [];
  let len = 0;
  for (const o of objs) {
    docFontOffsets.push(len);
    len += o.length;
  }
  const docFontBlock = new Uint8Array(len);
  objs.forEach((o, i) => docFontBlock.set(o, docFontOffsets[i] ?? 0));
  const cfg: RenderConfig = {
    pageSize: opts.pageSize === 'A4' ? 'A4' : 'Letter',
    // A per-user file holds one card: always the full-page design.
    layout: 'single',
    ecLevel: opts.ecLevel ?? 'Q',
    regular: fonts.regular.metrics,
    medium: fonts.medium.metrics,
    ...fallbackConfig(fonts),
    totalCards: 1,
    deflateLevel: DEFLATE_LEVEL,
    pageBase: 4,
    treeFirst: 3,
    pages: 1,
    resourcesNum: 0,
    docFontBlock,
    docFontOffsets,
    docFontDict,
    ...(logo ? { docXObjectDict: `/${LOGO_RESOURCE} ${logoNum} 0 R` } : {}),
    ...(opts.title ? { title: opts.title } : {}),
    ...brandingConfig(opts.branding),
  };
  const useWorkers = opts.threads !== 'off' && cards.length >= WORKER_MIN_CARDS;
  const pool = useWorkers ? RenderPool.start(cfg) : null;
  if (!pool) {
    const r = new CardRenderer(cfg);
    for (let i = 0; i < cards.length; i++) {
      const card = cards[i];
      if (!card) continue;
      yield { index: i, bytes: r.document(card, i) };
      opts.onProgress?.(i + 1, cards.length);
      throwIfAborted(signal);
      if (i % 16 === 15) await yieldToLoop();
    }
    return;
  }
  try {
    const requestDocs = (start: number, end: number) => pool.request({ type: 'docs', start, cards: cards.slice(start, end) });
    for await (const { start, reply } of inOrder(cards.length, requestDocs)) {
      if (!('docs' in reply)) throw new GatepassError('INTERNAL', 'Export worker sent pages for documents');
      for (let k = 0; k < reply.docs.length; k++) {
        const bytes = reply.docs[k];
        if (!bytes) continue;
        yield { index: start + k, bytes };
        opts.onProgress?.(start + k + 1, cards.length);
        throwIfAborted(signal);
      }
    }
  } finally {
    await pool.close();
  }
}

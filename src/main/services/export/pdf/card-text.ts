import bidiFactory from 'bidi-js';
import type { FontMetrics } from './font-subset';

/**
 * The card's text as the content stream needs it: widths from the font subsets' metrics,
 * the font of each character (Roboto, then the fallbacks), right-to-left text in visual
 * order, and lines cut or wrapped to a width. Geometry and drawing are card-layout.ts's.
 */

/** A fallback font subset and the page resource name it is drawn with. */
export interface FallbackFont {
  resource: string;
  metrics: FontMetrics;
}

// Subsets hold a few hundred glyphs: a small table covers them, the rest are formatted on demand.
const HEX4_TABLE = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(4, '0'));
const HEX4 = (cid: number): string => HEX4_TABLE[cid] ?? cid.toString(16).padStart(4, '0');

/** A font as layout sees it: code point -> CID (2 bytes, Identity-H) and widths. */
export class LayoutFont {
  private readonly cid = new Map<number, number>();
  readonly widths: Float64Array;
  readonly ascent: number;
  readonly lineHeight: number;

  constructor(
    readonly resource: string,
    m: FontMetrics,
  ) {
    m.codepoints.forEach((cp, i) => this.cid.set(cp, m.cids[i] ?? 0));
    this.widths = m.widths;
    this.ascent = m.ascent;
    this.lineHeight = m.ascent - m.descent;
  }

  /** Whether the subset has a glyph for `cp` (subsets list only the code points they cover). */
  has(cp: number): boolean {
    return this.cid.has(cp);
  }

  /** Advance of `cp` in 1/1000 em (.notdef's when not covered). */
  advance(cp: number): number {
    return this.widths[this.cid.get(cp) ?? 0] ?? 0;
  }

  width(text: string, size: number, spacing = 0): number {
    let w = 0;
    let n = 0;
    for (const ch of text) {
      w += this.widths[this.cid.get(ch.codePointAt(0) ?? 0) ?? 0] ?? 0;
      n++;
    }
    return (w * size) / 1000 + spacing * Math.max(0, n - 1);
  }

  hex(text: string): string {
    let h = '';
    for (const ch of text) h += HEX4(this.cid.get(ch.codePointAt(0) ?? 0) ?? 0);
    return h;
  }
}

/**
 * Strong right-to-left characters: Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic,
 * their presentation forms, and the historic RTL blocks of plane 1. Only a quick test that
 * a line needs the bidi algorithm at all.
 */
const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;
/** A character with the combining marks that follow it: reordering never separates them. */
const CLUSTER = /\P{M}\p{M}*|\p{M}+/gu;
let bidi: ReturnType<typeof bidiFactory> | null = null;

/**
 * Visual order for a line holding right-to-left text, as a PDF draws glyphs left to right:
 * the Unicode Bidirectional Algorithm (UAX #9, bidi-js) gives each character its embedding
 * level, with the paragraph's direction taken from its first strong character; runs are
 * then reversed from the highest level down (rule L2), by character cluster so combining
 * marks stay on their base (L3), and brackets in right-to-left runs are mirrored (L4).
 * Arabic contextual shaping (joining forms) is not done: Arabic letters print isolated.
 */
export function visualOrder(text: string): string {
  if (!RTL.test(text)) return text;
  bidi ??= bidiFactory();
  const { levels } = bidi.getEmbeddingLevels(text);
  const mirrored = bidi.getMirroredCharactersMap(text, levels);
  const clusters: Array<{ text: string; level: number }> = [];
  for (const m of text.matchAll(CLUSTER)) {
    const at = m.index;
    const mirror = mirrored.get(at);
    clusters.push({ text: mirror ? mirror + m[0].slice(1) : m[0], level: levels[at] ?? 0 });
  }
  let high = 0;
  let lowOdd = Infinity;
  for (const c of clusters) {
    high = Math.max(high, c.level);
    if (c.level % 2 === 1) lowOdd = Math.min(lowOdd, c.level);
  }
  for (let level = high; level >= lowOdd; level--) {
    for (let i = 0; i < clusters.length; i++) {
      if (clusters[i]!.level < level) continue;
      let end = i;
      while (end + 1 < clusters.length && clusters[end + 1]!.level >= level) end++;
      const run = clusters.slice(i, end + 1).reverse();
      clusters.splice(i, run.length, ...run);
      i = end;
    }
  }
  return clusters.map((c) => c.text).join('');
}

/** One same-font piece of a line, in drawing order. */
interface Segment {
  font: LayoutFont;
  hex: string;
}

/**
 * Roboto first, then the fallback fonts: each character is drawn with the first font that
 * has a glyph for it (Roboto's .notdef when none has). With no fallbacks (an export Roboto
 * covers alone) every call is the single font's, so such exports are exactly as before.
 */
export class FontChain {
  readonly ascent: number;
  readonly lineHeight: number;
  private readonly rest: LayoutFont[];

  constructor(
    readonly primary: LayoutFont,
    fallbacks: readonly FallbackFont[] = [],
  ) {
    this.rest = fallbacks.map((f) => new LayoutFont(f.resource, f.metrics));
    this.ascent = primary.ascent;
    this.lineHeight = primary.lineHeight;
  }

  private fontOf(cp: number): LayoutFont {
    if (this.primary.has(cp)) return this.primary;
    for (const f of this.rest) if (f.has(cp)) return f;
    return this.primary;
  }

  width(text: string, size: number, spacing = 0): number {
    if (this.rest.length === 0) return this.primary.width(text, size, spacing);
    let w = 0;
    let count = 0;
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      w += this.fontOf(cp).advance(cp);
      count++;
    }
    return (w * size) / 1000 + spacing * Math.max(0, count - 1);
  }

  /** `text` in visual order, split into same-font segments. */
  segments(text: string): Segment[] {
    if (this.rest.length === 0) return [{ font: this.primary, hex: this.primary.hex(text) }];
    const segs: Segment[] = [];
    let cur: Segment | null = null;
    for (const ch of visualOrder(text)) {
      const cp = ch.codePointAt(0) ?? 0;
      const font = this.fontOf(cp);
      const hex = font.hex(ch);
      if (cur && cur.font === font) cur.hex += hex;
      else {
        cur = { font, hex };
        segs.push(cur);
      }
    }
    return segs.length > 0 ? segs : [{ font: this.primary, hex: '' }];
  }
}

/** `text` cut with an ellipsis to fit `width` on one line. */
export function ellipsize(font: FontChain, text: string, size: number, width: number, spacing: number): string {
  if (font.width(text, size, spacing) <= width) return text;
  const chars = [...text];
  while (chars.length > 0 && font.width(`${chars.join('')}…`, size, spacing) > width) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}

function wrap(font: FontChain, text: string, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && font.width(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** `text` word-wrapped to `width`, at most `maxLines` lines, the last cut with an ellipsis when more would follow. */
export function wrapLines(font: FontChain, text: string, size: number, width: number, maxLines: number): string[] {
  const lines = wrap(font, text, size, width);
  const shown = lines.slice(0, maxLines);
  if (lines.length > maxLines && shown.length > 0) shown[shown.length - 1] = ellipsize(font, `${shown[shown.length - 1] ?? ''}…`, size, width, 0);
  return shown;
}

/** The largest size from `max` down to `min` at which `text` fits `width`. */
export function fitSize(font: FontChain, text: string, width: number, max: number, min: number): number {
  const w = font.width(text, max);
  if (w <= width) return max;
  return Math.max(min, Math.floor(((max * width) / w) * 10) / 10);
}

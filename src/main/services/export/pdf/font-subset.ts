import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * A TrueType reader and subsetter for embedding Roboto in our PDFs (OpenType spec, tables
 * head, hhea, maxp, hmtx, loca, glyf, cmap formats 4 and 12, OS/2). The subset renumbers
 * glyphs densely (0 = .notdef, then the glyphs in use and the components of composite
 * glyphs), drops hinting (cards are printed and viewed scaled; the instructions were a
 * third of the glyph bytes), and is embedded as an Identity-H CIDFontType2 whose CIDs are
 * the subset's glyph ids (ISO 32000-1 §9.7.4).
 */

/** A parsed TrueType font: what layout and subsetting need. */
export interface TtfFont {
  postscriptName: string;
  unitsPerEm: number;
  ascender: number;
  descender: number;
  capHeight: number;
  bbox: [number, number, number, number];
  numGlyphs: number;
  /** Code point to glyph id (0 when the font has no glyph for it). */
  glyphOf(cp: number): number;
  /** Advance width of a glyph in font units. */
  advance(gid: number): number;
  /** The raw bytes of glyph `gid` in the glyf table (empty for a blank glyph). */
  glyph(gid: number): Uint8Array;
  table(tag: string): Uint8Array | undefined;
}

/** Reads the tables of a TrueType (glyf-outline) font file. */
export function parseTtf(bytes: Uint8Array, name: string): TtfFont {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, Uint8Array>();
  const numTables = dv.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    const tag = String.fromCharCode(bytes[rec] ?? 0, bytes[rec + 1] ?? 0, bytes[rec + 2] ?? 0, bytes[rec + 3] ?? 0);
    tables.set(tag, bytes.subarray(dv.getUint32(rec + 8), dv.getUint32(rec + 8) + dv.getUint32(rec + 12)));
  }
  const need = (tag: string): DataView => {
    const t = tables.get(tag);
    if (!t) throw new Error(`Font ${name} has no ${tag} table`);
    return new DataView(t.buffer, t.byteOffset, t.byteLength);
  };
  const head = need('head');
  const hhea = need('hhea');
  const maxp = need('maxp');
  const hmtx = need('hmtx');
  const loca = need('loca');
  const glyf = tables.get('glyf');
  if (!glyf) throw new Error(`Font ${name} has no glyf table (only TrueType outlines are supported)`);
  const numGlyphs = maxp.getUint16(4);
  const numHMetrics = hhea.getUint16(34);
  const longLoca = head.getInt16(50) === 1;
  const glyphStart = (g: number): number => (longLoca ? loca.getUint32(g * 4) : loca.getUint16(g * 2) * 2);
  const os2 = tables.get('OS/2');
  const capHeight = os2 && os2.length >= 90 ? new DataView(os2.buffer, os2.byteOffset, os2.byteLength).getInt16(88) : hhea.getInt16(4);
  const cmap = readCmap(need('cmap'));
  return {
    postscriptName: name,
    unitsPerEm: head.getUint16(18),
    ascender: hhea.getInt16(4),
    descender: hhea.getInt16(6),
    capHeight,
    bbox: [head.getInt16(36), head.getInt16(38), head.getInt16(40), head.getInt16(42)],
    numGlyphs,
    glyphOf: (cp) => cmap.get(cp) ?? 0,
    advance: (gid) => hmtx.getUint16(4 * Math.min(gid, numHMetrics - 1)),
    glyph: (gid) => (gid < 0 || gid >= numGlyphs ? new Uint8Array(0) : glyf.subarray(glyphStart(gid), glyphStart(gid + 1))),
    table: (tag) => tables.get(tag),
  };
}

/** The Unicode cmap (3,10 format 12 preferred, else 3,1 / 0,x format 4) as a map. */
function readCmap(cmap: DataView): Map<number, number> {
  const map = new Map<number, number>();
  const n = cmap.getUint16(2);
  let best = -1;
  let bestRank = 0;
  for (let i = 0; i < n; i++) {
    const platform = cmap.getUint16(4 + 8 * i);
    const encoding = cmap.getUint16(6 + 8 * i);
    const offset = cmap.getUint32(8 + 8 * i);
    const format = cmap.getUint16(offset);
    const rank = format === 12 && (platform === 3 || platform === 0) ? 3 : format === 4 && ((platform === 3 && encoding === 1) || platform === 0) ? 2 : 0;
    if (rank > bestRank) {
      bestRank = rank;
      best = offset;
    }
  }
  if (best < 0) throw new Error('Font has no Unicode cmap (format 4 or 12)');
  if (cmap.getUint16(best) === 12) {
    const groups = cmap.getUint32(best + 12);
    for (let g = 0; g < groups; g++) {
      const p = best + 16 + 12 * g;
      const start = cmap.getUint32(p);
      const end = cmap.getUint32(p + 4);
      const gid = cmap.getUint32(p + 8);
      for (let c = start; c <= end; c++) map.set(c, gid + c - start);
    }
    return map;
  }
  const segX2 = cmap.getUint16(best + 6);
  const ends = best + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const ranges = deltas + segX2;
  for (let s = 0; s < segX2; s += 2) {
    const end = cmap.getUint16(ends + s);
    const start = cmap.getUint16(starts + s);
    const delta = cmap.getInt16(deltas + s);
    const rangeOffset = cmap.getUint16(ranges + s);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let gid: number;
      if (rangeOffset === 0) gid = (c + delta) & 0xffff;
      else {
        const g = cmap.getUint16(ranges + s + rangeOffset + 2 * (c - start));
        gid = g === 0 ? 0 : (g + delta) & 0xffff;
      }
      if (gid !== 0) map.set(c, gid);
    }
  }
  return map;
}

/** What layout needs of a subset font, small and structured-clone friendly (sent to workers). */
export interface FontMetrics {
  /** Code points covered, parallel to `cids`. */
  codepoints: Uint32Array;
  cids: Uint16Array;
  /** Advance width per CID, in 1/1000 em (PDF glyph space). */
  widths: Float64Array;
  /** Ascender and descender in em, for placing baselines the way pdfkit did. */
  ascent: number;
  descent: number;
}

/** A font subset ready to embed: its metrics and the bytes of its PDF objects' streams. */
export interface FontSubset {
  baseFont: string;
  metrics: FontMetrics;
  /** The subset TrueType file, deflated, for /FontFile2. */
  fontFile: Uint8Array;
  fontFileLength: number;
  /** The ToUnicode CMap, deflated, so text extracts as Unicode (ISO 32000-1 §9.10.3). */
  toUnicode: Uint8Array;
  descriptor: { flags: number; bbox: number[]; ascent: number; descent: number; capHeight: number };
}

const COMPONENT_WORDS = 0x0001;
const COMPONENT_SCALE = 0x0008;
const COMPONENT_MORE = 0x0020;
const COMPONENT_XY_SCALE = 0x0040;
const COMPONENT_2X2 = 0x0080;
const COMPONENT_INSTRUCTIONS = 0x0100;

/** Glyph ids a composite glyph refers to (its components). */
function components(g: Uint8Array): number[] {
  if (g.length < 10) return [];
  const dv = new DataView(g.buffer, g.byteOffset, g.byteLength);
  if (dv.getInt16(0) >= 0) return [];
  const out: number[] = [];
  let p = 10;
  for (;;) {
    const flags = dv.getUint16(p);
    out.push(dv.getUint16(p + 2));
    p += 4 + componentArgBytes(flags);
    if (!(flags & COMPONENT_MORE)) return out;
  }
}

function componentArgBytes(flags: number): number {
  let n = flags & COMPONENT_WORDS ? 4 : 2;
  if (flags & COMPONENT_SCALE) n += 2;
  else if (flags & COMPONENT_XY_SCALE) n += 4;
  else if (flags & COMPONENT_2X2) n += 8;
  return n;
}

/** A glyph with its hinting instructions removed and component ids renumbered. */
function rewriteGlyph(g: Uint8Array, newId: Map<number, number>): Uint8Array {
  if (g.length === 0) return g;
  const dv = new DataView(g.buffer, g.byteOffset, g.byteLength);
  const contours = dv.getInt16(0);
  if (contours >= 0) {
    const instrAt = 10 + 2 * contours;
    const instrLen = dv.getUint16(instrAt);
    const out = new Uint8Array(g.length - instrLen);
    out.set(g.subarray(0, instrAt + 2));
    out[instrAt] = 0;
    out[instrAt + 1] = 0;
    out.set(g.subarray(instrAt + 2 + instrLen), instrAt + 2);
    return out;
  }
  const out = g.slice();
  const ov = new DataView(out.buffer);
  let p = 10;
  for (;;) {
    const flags = ov.getUint16(p);
    ov.setUint16(p, flags & ~COMPONENT_INSTRUCTIONS);
    ov.setUint16(p + 2, newId.get(ov.getUint16(p + 2)) ?? 0);
    p += 4 + componentArgBytes(flags);
    if (!(flags & COMPONENT_MORE)) return out.subarray(0, p);
  }
}

function checksum(b: Uint8Array): number {
  const padded = new Uint8Array((b.length + 3) & ~3);
  padded.set(b);
  const dv = new DataView(padded.buffer);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + dv.getUint32(i)) >>> 0;
  return sum;
}

/** A TrueType file from tables (sorted by tag, 4-byte aligned, checksums and head adjustment set). */
function assembleTtf(tables: Map<string, Uint8Array>): Uint8Array {
  const tags = [...tables.keys()].sort();
  const n = tags.length;
  let size = 12 + 16 * n;
  for (const t of tags) size += ((tables.get(t)?.length ?? 0) + 3) & ~3;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  const entrySelector = Math.floor(Math.log2(n));
  dv.setUint32(0, 0x00010000);
  dv.setUint16(4, n);
  dv.setUint16(6, 16 * 2 ** entrySelector);
  dv.setUint16(8, entrySelector);
  dv.setUint16(10, n * 16 - 16 * 2 ** entrySelector);
  let offset = 12 + 16 * n;
  let headAt = 0;
  tags.forEach((tag, i) => {
    const data = tables.get(tag) ?? new Uint8Array(0);
    const rec = 12 + 16 * i;
    for (let k = 0; k < 4; k++) out[rec + k] = tag.charCodeAt(k);
    dv.setUint32(rec + 4, checksum(data));
    dv.setUint32(rec + 8, offset);
    dv.setUint32(rec + 12, data.length);
    out.set(data, offset);
    if (tag === 'head') headAt = offset;
    offset += (data.length + 3) & ~3;
  });
  dv.setUint32(headAt + 8, (0xb1b0afba - checksum(out)) >>> 0);
  return out;
}

/**
 * Subsets `font` to the glyphs of `codepoints` (plus .notdef and composite components).
 * The six-letter subset tag (ISO 32000-1 §9.6.4) is a hash of the set, so it is stable.
 */
export function buildSubset(font: TtfFont, codepoints: Iterable<number>): FontSubset {
  const cpList = [...new Set(codepoints)].sort((a, b) => a - b).filter((cp) => font.glyphOf(cp) !== 0);
  const oldIds: number[] = [0];
  const newId = new Map<number, number>([[0, 0]]);
  const add = (g: number): void => {
    if (newId.has(g)) return;
    newId.set(g, oldIds.length);
    oldIds.push(g);
    for (const c of components(font.glyph(g))) add(c);
  };
  for (const cp of cpList) add(font.glyphOf(cp));

  const n = oldIds.length;
  const glyphs = oldIds.map((g) => rewriteGlyph(font.glyph(g), newId));
  let glyfLen = 0;
  for (const g of glyphs) glyfLen += (g.length + 3) & ~3;
  const glyf = new Uint8Array(glyfLen);
  const loca = new Uint8Array(4 * (n + 1));
  const locaDv = new DataView(loca.buffer);
  const hmtx = new Uint8Array(4 * n);
  const hmtxDv = new DataView(hmtx.buffer);
  let off = 0;
  glyphs.forEach((g, i) => {
    locaDv.setUint32(4 * i, off);
    glyf.set(g, off);
    off += (g.length + 3) & ~3;
    const old = oldIds[i] ?? 0;
    hmtxDv.setUint16(4 * i, font.advance(old));
    // Left side bearing = xMin of the glyph (0 for a blank one).
    hmtxDv.setInt16(4 * i + 2, g.length >= 10 ? new DataView(g.buffer, g.byteOffset, g.byteLength).getInt16(2) : 0);
  });
  locaDv.setUint32(4 * n, off);

  const copy = (tag: string): Uint8Array => {
    const t = font.table(tag);
    if (!t) throw new Error(`Font has no ${tag} table`);
    return t.slice();
  };
  const head = copy('head');
  new DataView(head.buffer).setInt16(50, 1); // long loca offsets
  new DataView(head.buffer).setUint32(8, 0); // checkSumAdjustment, set by assembleTtf
  const hhea = copy('hhea');
  new DataView(hhea.buffer).setUint16(34, n);
  const maxp = copy('maxp');
  new DataView(maxp.buffer).setUint16(4, n);
  const ttf = assembleTtf(new Map([['head', head], ['hhea', hhea], ['maxp', maxp], ['hmtx', hmtx], ['loca', loca], ['glyf', glyf]]));

  const scale = 1000 / font.unitsPerEm;
  const widths = new Float64Array(n);
  for (let i = 0; i < n; i++) widths[i] = Math.round(font.advance(oldIds[i] ?? 0) * scale * 100) / 100;
  const cids = new Uint16Array(cpList.length);
  cpList.forEach((cp, i) => (cids[i] = newId.get(font.glyphOf(cp)) ?? 0));

  const tag = subsetTag(cpList, font.postscriptName);
  return {
    baseFont: `${tag}+${font.postscriptName}`,
    metrics: { codepoints: Uint32Array.from(cpList), cids, widths, ascent: font.ascender / font.unitsPerEm, descent: font.descender / font.unitsPerEm },
    fontFile: deflateSync(ttf, { level: 9 }),
    fontFileLength: ttf.length,
    toUnicode: deflateSync(toUnicodeCmap(cpList, cids), { level: 9 }),
    descriptor: {
      // Nonsymbolic (bit 6): the glyphs are Latin/Cyrillic/Greek text (ISO 32000-1 §9.8.2).
      flags: 32,
      bbox: font.bbox.map((v) => Math.round(v * scale)),
      ascent: Math.round(font.ascender * scale),
      descent: Math.round(font.descender * scale),
      capHeight: Math.round(font.capHeight * scale),
    },
  };
}

function subsetTag(cps: readonly number[], name: string): string {
  const h = createHash('sha256').update(name).update(Uint32Array.from(cps)).digest();
  let tag = '';
  for (let i = 0; i < 6; i++) tag += String.fromCharCode(65 + ((h[i] ?? 0) % 26));
  return tag;
}

function utf16Hex(cp: number): string {
  const s = String.fromCodePoint(cp);
  let hex = '';
  for (let i = 0; i < s.length; i++) hex += s.charCodeAt(i).toString(16).padStart(4, '0');
  return hex;
}

/** ToUnicode CMap: each CID back to its code point (first code point wins for shared glyphs). */
function toUnicodeCmap(cps: readonly number[], cids: Uint16Array): Uint8Array {
  const seen = new Map<number, number>();
  cps.forEach((cp, i) => {
    const cid = cids[i] ?? 0;
    if (!seen.has(cid)) seen.set(cid, cp);
  });
  const entries = [...seen.entries()].sort((a, b) => a[0] - b[0]);
  const lines: string[] = [];
  // bfchar blocks hold at most 100 entries each (Adobe TN 5411).
  for (let i = 0; i < entries.length; i += 100) {
    const chunk = entries.slice(i, i + 100);
    lines.push(`${chunk.length} beginbfchar`);
    for (const [cid, cp] of chunk) lines.push(`<${cid.toString(16).padStart(4, '0')}> <${utf16Hex(cp)}>`);
    lines.push('endbfchar');
  }
  const text = [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <ffff>',
    'endcodespacerange',
    ...lines,
    'endcmap',
    'CMapName currentdict /CMap defineresource pop',
    'end',
    'end',
  ].join('\n');
  return new TextEncoder().encode(text);
}

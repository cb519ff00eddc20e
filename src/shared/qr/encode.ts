/**
 * A QR Code encoder (ISO/IEC 18004:2015), byte mode only, built for bulk export speed.
 *
 * Byte mode carries our UTF-8 JSON payloads as they are (the `qrcode` package's optimal
 * segmentation gave the same versions for them). Everything that depends only on the
 * version (function patterns, the data placement order, the 8 mask patterns over the data
 * area) is computed once per version and cached, so encoding one symbol is: pad, Reed-Solomon
 * per block, interleave, place, and score the 8 masks on typed arrays. Mask choice and
 * penalties follow the same rules, in the same order, as the `qrcode` package, so both give
 * the same symbol for the same text (qr-encode.test.ts checks thousands of payloads).
 */

/** QR error correction level (ISO/IEC 18004 §6.5.1): L 7%, M 15%, Q 25%, H 30% recoverable. */
export type EcLevel = 'L' | 'M' | 'Q' | 'H';

/** An encoded symbol: `modules[y * size + x] === 1` is dark; quiet zone excluded. */
export interface QrSymbol {
  version: number;
  size: number;
  mask: number;
  modules: Uint8Array;
}

const EC_INDEX: Record<EcLevel, number> = { L: 0, M: 1, Q: 2, H: 3 };
/** Format-information EC bits (Table 12): L=01, M=00, Q=11, H=10. */
const EC_FORMAT_BITS: Record<EcLevel, number> = { L: 1, M: 0, Q: 3, H: 2 };

// Table 9 of ISO/IEC 18004: error correction blocks and codewords per version (1-40), L M Q H.
// prettier-ignore
const EC_BLOCKS = [
  1,1,1,1, 1,1,1,1, 1,1,2,2, 1,2,2,4, 1,2,4,4, 2,4,4,4, 2,4,6,5, 2,4,6,6, 2,5,8,8, 4,5,8,8,
  4,5,8,11, 4,8,10,11, 4,9,12,16, 4,9,16,16, 6,10,12,18, 6,10,17,16, 6,11,16,19, 6,13,18,21, 7,14,21,25, 8,16,20,25,
  8,17,23,25, 9,17,23,34, 9,18,25,30, 10,20,27,32, 12,21,29,35, 12,23,34,37, 12,25,34,40, 13,26,35,42, 14,28,38,45, 15,29,40,48,
  16,31,43,51, 17,33,45,54, 18,35,48,57, 19,37,51,60, 19,38,53,63, 20,40,56,66, 21,43,59,70, 22,45,62,74, 24,47,65,77, 25,49,68,81,
];
// prettier-ignore
const EC_CODEWORDS = [
  7,10,13,17, 10,16,22,28, 15,26,36,44, 20,36,52,64, 26,48,72,88, 36,64,96,112, 40,72,108,130, 48,88,132,156, 60,110,160,192, 72,130,192,224,
  80,150,224,264, 96,176,260,308, 104,198,288,352, 120,216,320,384, 132,240,360,432, 144,280,408,480, 168,308,448,532, 180,338,504,588, 196,364,546,650, 224,416,600,700,
  224,442,644,750, 252,476,690,816, 270,504,750,900, 300,560,810,960, 312,588,870,1050, 336,644,952,1110, 360,700,1020,1200, 390,728,1050,1260, 420,784,1140,1350, 450,812,1200,1440,
  480,868,1290,1530, 510,924,1350,1620, 540,980,1440,1710, 570,1036,1530,1800, 570,1064,1590,1890, 600,1120,1680,1980, 630,1204,1770,2100, 660,1260,1860,2220, 720,1316,1950,2310, 750,1372,2040,2430,
];

function at(table: readonly number[], i: number): number {
  const v = table[i];
  if (v === undefined) throw new RangeError(`QR table index ${i} out of range`);
  return v;
}

/** Codewords (data + EC) a version holds: its data modules (§7.1) divided by 8. */
function totalCodewords(version: number): number {
  let bits = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const n = Math.floor(version / 7) + 2;
    bits -= (25 * n - 10) * n - 55;
    if (version >= 7) bits -= 36;
  }
  return Math.floor(bits / 8);
}

function dataCodewords(version: number, ec: EcLevel): number {
  return totalCodewords(version) - at(EC_CODEWORDS, (version - 1) * 4 + EC_INDEX[ec]);
}

/** Byte-mode payload bits: mode (4) + count (8 bits up to version 9, else 16) + 8 per byte (§7.4.2, Table 3). */
function byteModeBits(version: number, length: number): number {
  return 4 + (version < 10 ? 8 : 16) + 8 * length;
}

/** Smallest version whose data capacity at `ec` holds `length` bytes, or 0 when none does. */
export function qrVersionFor(length: number, ec: EcLevel): number {
  for (let v = 1; v <= 40; v++) {
    if (byteModeBits(v, length) <= dataCodewords(v, ec) * 8) return v;
  }
  return 0;
}

// GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1 (§7.5.2): log/antilog tables,
// the antilog table doubled so a product needs no modulo.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255] ?? 0;
}

const generators = new Map<number, Uint8Array>();
/** Generator polynomial of `degree` (leading 1 dropped), as exponents' coefficients highest first. */
function generator(degree: number): Uint8Array {
  let g = generators.get(degree);
  if (g) return g;
  // Product of (x - a^i) for i in 0..degree-1, coefficients highest power first.
  let poly = new Uint8Array([1]);
  for (let i = 0; i < degree; i++) {
    const next = new Uint8Array(poly.length + 1);
    for (let j = 0; j < poly.length; j++) {
      const c = poly[j] ?? 0;
      next[j] = (next[j] ?? 0) ^ c;
      if (c !== 0) next[j + 1] = (next[j + 1] ?? 0) ^ (EXP[(LOG[c] ?? 0) + i] ?? 0);
    }
    poly = next;
  }
  g = poly.subarray(1);
  generators.set(degree, g);
  return g;
}

/** Reed-Solomon remainder of `data` (polynomial division by the generator), written into `out`. */
function rsRemainder(data: Uint8Array, start: number, len: number, gen: Uint8Array, out: Uint8Array): void {
  const deg = gen.length;
  out.fill(0, 0, deg);
  for (let i = 0; i < len; i++) {
    const factor = (data[start + i] ?? 0) ^ (out[0] ?? 0);
    out.copyWithin(0, 1, deg);
    out[deg - 1] = 0;
    if (factor !== 0) {
      const lf = LOG[factor] ?? 0;
      for (let j = 0; j < deg; j++) {
        const gj = gen[j] ?? 0;
        if (gj !== 0) out[j] = (out[j] ?? 0) ^ (EXP[lf + (LOG[gj] ?? 0)] ?? 0);
      }
    }
  }
}

/** Everything about a version's layout that does not depend on the data. */
interface VersionTemplate {
  size: number;
  /** Function-pattern module values (format info areas left 0). */
  base: Uint8Array;
  /** Module index of each data bit, in placement order (§7.7.3). */
  order: Uint32Array;
  /** Per mask, the module indices (among data modules) that the mask inverts. */
  maskFlips: Uint32Array[];
  /** Module indices of the 15 format bits, copy 1 and copy 2 (§7.9.1). */
  format1: Uint32Array;
  format2: Uint32Array;
}

const templates: Array<VersionTemplate | undefined> = [];

function alignmentCoords(version: number): number[] {
  if (version === 1) return [];
  const n = Math.floor(version / 7) + 2;
  const size = version * 4 + 17;
  const step = size === 145 ? 26 : Math.ceil((size - 13) / (2 * n - 2)) * 2;
  const pos = [size - 7];
  for (let i = 1; i < n - 1; i++) pos.push((pos[i - 1] ?? 0) - step);
  pos.push(6);
  return pos.reverse();
}

/** BCH remainder of `value` for generator `poly` of degree `deg` (format §7.9, version §7.10). */
function bch(value: number, poly: number, deg: number): number {
  let d = value << deg;
  for (let bit = 31 - Math.clz32(d); bit >= deg; bit = 31 - Math.clz32(d)) d ^= poly << (bit - deg);
  return (value << deg) | d;
}

function maskBit(mask: number, r: number, c: number): boolean {
  switch (mask) {
    case 0: return (r + c) % 2 === 0;
    case 1: return r % 2 === 0;
    case 2: return c % 3 === 0;
    case 3: return (r + c) % 3 === 0;
    case 4: return (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0;
    case 5: return ((r * c) % 2) + ((r * c) % 3) === 0;
    case 6: return (((r * c) % 2) + ((r * c) % 3)) % 2 === 0;
    default: return (((r * c) % 3) + ((r + c) % 2)) % 2 === 0;
  }
}

function template(version: number): VersionTemplate {
  const cached = templates[version];
  if (cached) return cached;
  const size = version * 4 + 17;
  const base = new Uint8Array(size * size);
  const reserved = new Uint8Array(size * size);
  const set = (r: number, c: number, dark: boolean): void => {
    base[r * size + c] = dark ? 1 : 0;
    reserved[r * size + c] = 1;
  };
  // Finder patterns with their separators (§6.3.3).
  for (const [fr, fc] of [[0, 0], [size - 7, 0], [0, size - 7]] as const) {
    for (let r = -1; r <= 7; r++) {
      if (fr + r < 0 || fr + r >= size) continue;
      for (let c = -1; c <= 7; c++) {
        if (fc + c < 0 || fc + c >= size) continue;
        const dark = (r >= 0 && r <= 6 && (c === 0 || c === 6)) || (c >= 0 && c <= 6 && (r === 0 || r === 6)) || (r >= 2 && r <= 4 && c >= 2 && c <= 4);
        set(fr + r, fc + c, dark);
      }
    }
  }
  // Timing patterns (§6.3.5).
  for (let i = 8; i < size - 8; i++) {
    set(i, 6, i % 2 === 0);
    set(6, i, i % 2 === 0);
  }
  // Alignment patterns (§6.3.6, Annex E), skipping the three finder corners.
  const coords = alignmentCoords(version);
  for (let i = 0; i < coords.length; i++) {
    for (let j = 0; j < coords.length; j++) {
      if ((i === 0 && j === 0) || (i === 0 && j === coords.length - 1) || (i === coords.length - 1 && j === 0)) continue;
      const ar = coords[i] ?? 0;
      const ac = coords[j] ?? 0;
      for (let r = -2; r <= 2; r++) for (let c = -2; c <= 2; c++) set(ar + r, ac + c, r === -2 || r === 2 || c === -2 || c === 2 || (r === 0 && c === 0));
    }
  }
  // Version information (§7.10), versions 7 and up.
  if (version >= 7) {
    const bits = bch(version, 0x1f25, 12);
    for (let i = 0; i < 18; i++) {
      const r = Math.floor(i / 3);
      const c = (i % 3) + size - 11;
      const dark = ((bits >> i) & 1) === 1;
      set(r, c, dark);
      set(c, r, dark);
    }
  }
  // Format information positions (§7.9.1): reserved now, written per mask.
  const format1 = new Uint32Array(15);
  const format2 = new Uint32Array(15);
  for (let i = 0; i < 15; i++) {
    const vr = i < 6 ? i : i < 8 ? i + 1 : size - 15 + i;
    format1[i] = vr * size + 8;
    const hc = i < 8 ? size - i - 1 : i < 9 ? 15 - i : 15 - i - 1;
    format2[i] = 8 * size + hc;
    reserved[vr * size + 8] = 1;
    reserved[8 * size + hc] = 1;
  }
  // The dark module (§7.9.1).
  set(size - 8, 8, true);

  // Data placement: two-module columns right to left, zig-zag up and down, skipping column 6.
  const order: number[] = [];
  let up = true;
  for (let col = size - 1; col > 0; col -= 2) {
    if (col === 6) col--;
    for (let k = 0; k < size; k++) {
      const r = up ? size - 1 - k : k;
      for (let c = 0; c < 2; c++) {
        const idx = r * size + col - c;
        if (!reserved[idx]) order.push(idx);
      }
    }
    up = !up;
  }
  const maskFlips: Uint32Array[] = [];
  for (let m = 0; m < 8; m++) {
    const flips: number[] = [];
    for (let i = 0; i < size * size; i++) {
      if (!reserved[i] && maskBit(m, Math.floor(i / size), i % size)) flips.push(i);
    }
    maskFlips.push(Uint32Array.from(flips));
  }
  const t: VersionTemplate = { size, base, order: Uint32Array.from(order), maskFlips, format1, format2 };
  templates[version] = t;
  return t;
}

/** Data and EC codewords, interleaved block by block (§7.6). */
function codewords(bytes: Uint8Array, version: number, ec: EcLevel): Uint8Array {
  const total = totalCodewords(version);
  const nData = dataCodewords(version, ec);
  const data = new Uint8Array(nData);
  // Bit stream: mode 0100, count, bytes, terminator, zero pad to a byte, then 0xEC/0x11 pads (§7.4).
  let bitPos = 0;
  const put = (value: number, len: number): void => {
    for (let i = len - 1; i >= 0; i--) {
      if ((value >>> i) & 1) data[bitPos >>> 3] = (data[bitPos >>> 3] ?? 0) | (0x80 >>> (bitPos & 7));
      bitPos++;
    }
  };
  put(0b0100, 4);
  put(bytes.length, version < 10 ? 8 : 16);
  // Byte-aligned after 12 or 20 bits only by half a byte: write each byte as two nibbles.
  for (let i = 0; i < bytes.length; i++) put(bytes[i] ?? 0, 8);
  const capacity = nData * 8;
  if (bitPos + 4 <= capacity) bitPos += 4;
  bitPos = (bitPos + 7) & ~7;
  for (let i = bitPos >>> 3, k = 0; i < nData; i++, k++) data[i] = k % 2 ? 0x11 : 0xec;

  const blocks = at(EC_BLOCKS, (version - 1) * 4 + EC_INDEX[ec]);
  const ecLen = (total - nData) / blocks;
  const group2 = total % blocks;
  const group1 = blocks - group2;
  const short = Math.floor(nData / blocks);
  const gen = generator(ecLen);
  const out = new Uint8Array(total);
  const ecAll = new Uint8Array(ecLen * blocks);
  const rem = new Uint8Array(ecLen);
  let offset = 0;
  for (let b = 0; b < blocks; b++) {
    const len = b < group1 ? short : short + 1;
    rsRemainder(data, offset, len, gen, rem);
    ecAll.set(rem, b * ecLen);
    // Interleave data: codeword i of block b goes to i * blocks + b, shifted for the longer blocks.
    for (let i = 0; i < len; i++) {
      const pos = i < short ? i * blocks + b : short * blocks + (b - group1);
      out[pos] = data[offset + i] ?? 0;
    }
    offset += len;
  }
  for (let i = 0; i < ecLen; i++) for (let b = 0; b < blocks; b++) out[nData + i * blocks + b] = ecAll[b * ecLen + i] ?? 0;
  return out;
}

/**
 * Mask penalties (§7.8.3, scored as the `qrcode` package scores them): N1 runs of 5+
 * same-colour modules in rows and columns (3 + 1 per module beyond 5), N2 2x2 same-colour
 * blocks (3 each), N3 finder-like 1011101 with 4 light modules on one side (40 each), N4
 * dark share's distance from 50% in 5% steps (10 each). Computed by {@link bestMask}.
 */

/**
 * Encodes `bytes` in byte mode at `ec` into the smallest version that holds them, choosing
 * the mask with the lowest penalty (ties: the lowest mask number). Returns null when the
 * data does not fit version 40.
 */
export function encodeQr(bytes: Uint8Array, ec: EcLevel): QrSymbol | null {
  const version = qrVersionFor(bytes.length, ec);
  if (version === 0) return null;
  const t = template(version);
  const { size } = t;
  const cw = codewords(bytes, version, ec);
  const unmasked = t.base.slice();
  const order = t.order;
  // Remainder bits past the last codeword stay light (§7.7.3).
  const nBits = Math.min(order.length, cw.length * 8);
  for (let i = 0; i < nBits; i++) {
    if (((cw[i >>> 3] as number) >>> (7 - (i & 7))) & 1) unmasked[order[i] as number] = 1;
  }
  // Score the 8 masks on bit-packed rows and columns (32 modules per word), then build
  // only the chosen one as modules.
  const best = bestMask(unmasked, t, version, ec);
  applyMaskAndFormat(unmasked, t, best, ec);
  return { version, size, mask: best, modules: unmasked };
}

function applyMaskAndFormat(m: Uint8Array, t: VersionTemplate, mask: number, ec: EcLevel): void {
  const flips = t.maskFlips[mask] as Uint32Array;
  for (let i = 0; i < flips.length; i++) {
    const idx = flips[i] as number;
    m[idx] = (m[idx] as number) ^ 1;
  }
  const bits = bch((EC_FORMAT_BITS[ec] << 3) | mask, 0x537, 10) ^ 0x5412;
  for (let i = 0; i < 15; i++) {
    const dark = (bits >> i) & 1;
    m[t.format1[i] as number] = dark;
    m[t.format2[i] as number] = dark;
  }
}

const utf8 = new TextEncoder();

/** {@link encodeQr} for text, as UTF-8 bytes. */
export function encodeQrText(text: string, ec: EcLevel): QrSymbol | null {
  return encodeQr(utf8.encode(text), ec);
}

/** Per version and EC level: each mask's XOR pattern (mask flips + format bits), packed by rows and by columns. */
interface PackedMasks {
  words: number;
  rows: Int32Array[];
  cols: Int32Array[];
  /** Valid start positions for 2-, 5- and 11-module windows along a line. */
  v2: Int32Array;
  v5: Int32Array;
  v11: Int32Array;
}

const packedCache = new Map<number, PackedMasks>();

function validMask(words: number, count: number): Int32Array {
  const v = new Int32Array(words);
  for (let i = 0; i < count; i++) v[i >>> 5] = (v[i >>> 5] as number) | (1 << (i & 31));
  return v;
}

/** Packs a size x size 0/1 matrix into rows (bit c of row r) and columns (bit r of column c). */
function pack(m: Uint8Array, size: number, words: number, rows: Int32Array, cols: Int32Array): void {
  rows.fill(0);
  cols.fill(0);
  for (let r = 0; r < size; r++) {
    const base = r * size;
    const rw = r * words;
    const rBit = 1 << (r & 31);
    const rWord = r >>> 5;
    for (let c = 0; c < size; c++) {
      if (m[base + c] === 1) {
        rows[rw + (c >>> 5)] = (rows[rw + (c >>> 5)] as number) | (1 << (c & 31));
        cols[c * words + rWord] = (cols[c * words + rWord] as number) | rBit;
      }
    }
  }
}

function packedMasks(version: number, ec: EcLevel, t: VersionTemplate): PackedMasks {
  const key = version * 4 + EC_INDEX[ec];
  const cached = packedCache.get(key);
  if (cached) return cached;
  const { size } = t;
  const words = (size + 31) >>> 5;
  const rows: Int32Array[] = [];
  const cols: Int32Array[] = [];
  for (let mask = 0; mask < 8; mask++) {
    const m = new Uint8Array(size * size);
    applyMaskAndFormat(m, t, mask, ec);
    const r = new Int32Array(size * words);
    const c = new Int32Array(size * words);
    pack(m, size, words, r, c);
    rows.push(r);
    cols.push(c);
  }
  const pm = { words, rows, cols, v2: validMask(words, size - 1), v5: validMask(words, size - 4), v11: validMask(words, size - 10) };
  packedCache.set(key, pm);
  return pm;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

/** Word j of `a` (a line at offset `off`) shifted so bit i holds module i + k (0 <= k < 32). */
function sh(a: Int32Array, off: number, words: number, j: number, k: number): number {
  const lo = a[off + j] as number;
  if (k === 0) return lo;
  const hi = j + 1 < words ? (a[off + j + 1] as number) : 0;
  return (lo >>> k) | (hi << (32 - k));
}

/** N1 (runs) and N3 (finder-like patterns) of one packed line, already weighted. */
function linePenalty(a: Int32Array, off: number, pm: PackedMasks): number {
  const { words, v5, v11 } = pm;
  let score = 0;
  let prevW = 0;
  for (let j = 0; j < words; j++) {
    const s0 = a[off + j] as number;
    const s1 = sh(a, off, words, j, 1);
    const s2 = sh(a, off, words, j, 2);
    const s3 = sh(a, off, words, j, 3);
    const s4 = sh(a, off, words, j, 4);
    // 5 equal modules from i: i..i+4 pairwise equal.
    const w = ~(s0 ^ s1) & ~(s1 ^ s2) & ~(s2 ^ s3) & ~(s3 ^ s4) & (v5[j] as number);
    // A run of R >= 5 has R - 4 such windows and scores R - 2: add 2 per run start.
    const starts = w & ~((w << 1) | (prevW >>> 31));
    prevW = w;
    score += popcount(w) + 2 * popcount(starts);
    const s5 = sh(a, off, words, j, 5);
    const s6 = sh(a, off, words, j, 6);
    const s7 = sh(a, off, words, j, 7);
    const s8 = sh(a, off, words, j, 8);
    const s9 = sh(a, off, words, j, 9);
    const s10 = sh(a, off, words, j, 10);
    const v = v11[j] as number;
    // 1011101 then 0000, and 0000 then 1011101 (the `qrcode` package's 0x5D0 / 0x05D windows).
    const p1 = s0 & ~s1 & s2 & s3 & s4 & ~s5 & s6 & ~s7 & ~s8 & ~s9 & ~s10 & v;
    const p2 = ~s0 & ~s1 & ~s2 & ~s3 & s4 & ~s5 & s6 & s7 & s8 & ~s9 & s10 & v;
    score += 40 * (popcount(p1) + popcount(p2));
  }
  return score;
}

const scratch = new Map<number, { rows: Int32Array; cols: Int32Array; mr: Int32Array; mc: Int32Array }>();

/** The mask with the lowest penalty (first wins on ties), scored on packed lines; penalties as described above. */
function bestMask(unmasked: Uint8Array, t: VersionTemplate, version: number, ec: EcLevel): number {
  const { size } = t;
  const pm = packedMasks(version, ec, t);
  const { words, v2 } = pm;
  let sc = scratch.get(version);
  if (!sc) {
    sc = { rows: new Int32Array(size * words), cols: new Int32Array(size * words), mr: new Int32Array(size * words), mc: new Int32Array(size * words) };
    scratch.set(version, sc);
  }
  const { rows, cols, mr, mc } = sc;
  pack(unmasked, size, words, rows, cols);
  const total = size * size;
  let best = 0;
  let bestScore = Infinity;
  for (let mask = 0; mask < 8; mask++) {
    const xr = pm.rows[mask] as Int32Array;
    const xc = pm.cols[mask] as Int32Array;
    for (let i = 0; i < mr.length; i++) {
      mr[i] = (rows[i] as number) ^ (xr[i] as number);
      mc[i] = (cols[i] as number) ^ (xc[i] as number);
    }
    let score = 0;
    let dark = 0;
    for (let line = 0; line < size; line++) {
      const off = line * words;
      score += linePenalty(mr, off, pm) + linePenalty(mc, off, pm);
      for (let j = 0; j < words; j++) dark += popcount(mr[off + j] as number);
    }
    // N2: 2x2 blocks of one colour, from rows r and r + 1.
    let n2 = 0;
    for (let r = 0; r + 1 < size; r++) {
      const a = r * words;
      const b = a + words;
      for (let j = 0; j < words; j++) {
        const va = ~((mr[a + j] as number) ^ (mr[b + j] as number));
        const vb = ~(sh(mr, a, words, j, 1) ^ sh(mr, b, words, j, 1));
        const h = ~((mr[a + j] as number) ^ sh(mr, a, words, j, 1));
        n2 += popcount(va & vb & h & (v2[j] as number));
      }
    }
    score += n2 * 3 + Math.abs(Math.ceil((dark * 100) / total / 5) - 10) * 10;
    if (score < bestScore) {
      bestScore = score;
      best = mask;
    }
  }
  return best;
}

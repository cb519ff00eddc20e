import type { FontSubset } from './font-subset';
import type { PdfImage } from './image';

/**
 * The pieces of a PDF file (ISO 32000-1 §7.5) written directly as bytes: indirect objects,
 * a balanced page tree, the cross-reference table and trailer. No document model is kept:
 * callers write objects to the stream as they are made and keep only each object's byte
 * offset (8 bytes per object), so memory stays flat however many pages there are.
 */

const latin1 = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** File header; the second line's high bytes mark the file as binary for transfer tools (§7.5.2). */
export const PDF_HEADER = latin1('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');

/** `n 0 obj <dict> endobj` for a dictionary-only object. */
export function objectBytes(num: number, body: string): Uint8Array {
  return latin1(`${num} 0 obj\n${body}\nendobj\n`);
}

/** A stream object: the dictionary gets /Length (and the caller's entries, e.g. /Filter). */
export function streamObjectBytes(num: number, dict: string, data: Uint8Array): Uint8Array {
  const head = latin1(`${num} 0 obj\n<< /Length ${data.length} ${dict} >>\nstream\n`);
  const tail = latin1('\nendstream\nendobj\n');
  const out = new Uint8Array(head.length + data.length + tail.length);
  out.set(head);
  out.set(data, head.length);
  out.set(tail, head.length + data.length);
  return out;
}

/** A text string for the Info dictionary: PDFDocEncoding-safe ASCII as a literal, else UTF-16BE hex with BOM (§7.9.2.2). */
export function pdfTextString(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;
  let hex = 'FEFF';
  for (let i = 0; i < s.length; i++) hex += s.charCodeAt(i).toString(16).padStart(4, '0');
  return `<${hex}>`;
}

/** Offsets of written objects, by object number; grows in place. */
export class XrefTable {
  private offsets = new Float64Array(1024);
  size = 1;

  set(num: number, offset: number): void {
    if (num >= this.offsets.length) {
      const next = new Float64Array(Math.max(num + 1, this.offsets.length * 2));
      next.set(this.offsets);
      this.offsets = next;
    }
    this.offsets[num] = offset;
    if (num + 1 > this.size) this.size = num + 1;
  }

  /** The xref section, trailer and EOF marker (§7.5.4, §7.5.5), as chunks of at most ~1 MB. */
  *tail(startxref: number, root: number, info: number): Generator<Uint8Array> {
    yield latin1(`xref\n0 ${this.size}\n0000000000 65535 f \n`);
    let chunk = '';
    for (let i = 1; i < this.size; i++) {
      // Each entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, CR LF.
      chunk += `${String(this.offsets[i] ?? 0).padStart(10, '0')} 00000 n\r\n`;
      if (chunk.length >= 1 << 20) {
        yield latin1(chunk);
        chunk = '';
      }
    }
    yield latin1(`${chunk}trailer\n<< /Size ${this.size} /Root ${root} 0 R /Info ${info} 0 R >>\nstartxref\n${startxref}\n%%EOF\n`);
  }
}

/** Kids per page-tree node: viewers find a page in log32(n) steps (§7.7.3.2 recommends a balanced tree). */
const FANOUT = 32;

/** A balanced page tree over `pages` pages whose node object numbers start at `firstNum`. */
export interface PageTree {
  root: number;
  /** Object numbers used by the tree: firstNum .. firstNum + count - 1. */
  count: number;
  /** Parent node of page i. */
  parentOf(pageIndex: number): number;
  /** The node objects, given the object number of page i. */
  nodes(pageNum: (i: number) => number): Generator<{ num: number; body: string }>;
}

/** Lays out the page tree: leaves of up to 32 pages, then levels of up to 32 nodes, root first in numbering. */
export function pageTree(pages: number, firstNum: number): PageTree {
  // levels[0] = leaves; each level's node count; numbered from the root down.
  const counts: number[] = [];
  let n = Math.max(1, Math.ceil(pages / FANOUT));
  counts.push(n);
  while (n > 1) {
    n = Math.ceil(n / FANOUT);
    counts.push(n);
  }
  // Numbering: root level first, leaves last.
  const levelStart: number[] = new Array<number>(counts.length);
  let next = firstNum;
  for (let l = counts.length - 1; l >= 0; l--) {
    levelStart[l] = next;
    next += counts[l] ?? 0;
  }
  const leafStart = levelStart[0] ?? firstNum;
  const topLevel = counts.length - 1;
  return {
    root: levelStart[topLevel] ?? firstNum,
    count: next - firstNum,
    parentOf: (i) => leafStart + Math.floor(i / FANOUT),
    *nodes(pageNum) {
      for (let l = 0; l < counts.length; l++) {
        const nodes = counts[l] ?? 0;
        // Pages under one node of level l: FANOUT^(l+1).
        const span = FANOUT ** (l + 1);
        for (let k = 0; k < nodes; k++) {
          const kids: number[] = [];
          if (l === 0) for (let i = k * FANOUT; i < Math.min(pages, (k + 1) * FANOUT); i++) kids.push(pageNum(i));
          else for (let c = k * FANOUT; c < Math.min(counts[l - 1] ?? 0, (k + 1) * FANOUT); c++) kids.push((levelStart[l - 1] ?? 0) + c);
          const count = Math.min(pages, (k + 1) * span) - k * span;
          const parent = l === topLevel ? '' : ` /Parent ${(levelStart[l + 1] ?? 0) + Math.floor(k / FANOUT)} 0 R`;
          yield { num: (levelStart[l] ?? 0) + k, body: `<< /Type /Pages${parent} /Kids [${kids.map((x) => `${x} 0 R`).join(' ')}] /Count ${count} >>` };
        }
      }
    },
  };
}

/** Object numbers of one embedded font (Type0 -> CIDFontType2 -> descriptor -> FontFile2, ToUnicode). */
export const OBJECTS_PER_FONT = 5;

/** The five objects embedding `subset` as an Identity-H Type0 font, numbered from `first` (the Type0 font). */
export function fontObjects(subset: FontSubset, first: number): Uint8Array[] {
  const [type0, cidFont, descriptor, file, toUnicode] = [first, first + 1, first + 2, first + 3, first + 4];
  const d = subset.descriptor;
  // /W as one run from CID 0: `0 [w0 w1 ...]` (§9.7.4.3).
  const w = Array.from(subset.metrics.widths, (x) => String(x)).join(' ');
  return [
    objectBytes(type0, `<< /Type /Font /Subtype /Type0 /BaseFont /${subset.baseFont} /Encoding /Identity-H /DescendantFonts [${cidFont} 0 R] /ToUnicode ${toUnicode} 0 R >>`),
    objectBytes(
      cidFont,
      `<< /Type /Font /Subtype /CIDFontType2 /BaseFont /${subset.baseFont} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor ${descriptor} 0 R /CIDToGIDMap /Identity /DW 1000 /W [0 [${w}]] >>`,
    ),
    objectBytes(
      descriptor,
      `<< /Type /FontDescriptor /FontName /${subset.baseFont} /Flags ${d.flags} /FontBBox [${d.bbox.join(' ')}] /ItalicAngle 0 /Ascent ${d.ascent} /Descent ${d.descent} /CapHeight ${d.capHeight} /StemV 80 /FontFile2 ${file} 0 R >>`,
    ),
    streamObjectBytes(file, `/Length1 ${subset.fontFileLength} /Filter /FlateDecode`, subset.fontFile),
    streamObjectBytes(toUnicode, '/Filter /FlateDecode', subset.toUnicode),
  ];
}

/** The objects embedding `img` as an image XObject numbered `first` (its soft mask, if any, is `first + 1`). */
export function imageObjects(img: PdfImage, first: number): Uint8Array[] {
  const dims = `/Type /XObject /Subtype /Image /Width ${img.width} /Height ${img.height} /BitsPerComponent 8 /Filter /FlateDecode`;
  if (!img.alpha) return [streamObjectBytes(first, `${dims} /ColorSpace /DeviceRGB`, img.rgb)];
  return [
    streamObjectBytes(first, `${dims} /ColorSpace /DeviceRGB /SMask ${first + 1} 0 R`, img.rgb),
    streamObjectBytes(first + 1, `${dims} /ColorSpace /DeviceGray`, img.alpha),
  ];
}

import QRCode from 'qrcode';
import { GatepassError } from '../../../shared/errors';

/** QR error correction level (ISO/IEC 18004 §6.5.1): L 7%, M 15%, Q 25%, H 30% recoverable. */
export type EcLevel = 'L' | 'M' | 'Q' | 'H';

/** A QR symbol as a square of modules, quiet zone excluded; `modules[y * size + x] === 1` is dark. */
export interface QrMatrix {
  size: number;
  modules: Uint8Array;
}

/**
 * Printed cards get 'Q' by default: a quarter of the codewords may be lost to smudges,
 * folds or a bad printer and the code still scans. A typical sign-in payload (170-240
 * bytes) is a version 11-13 symbol at Q, about 1 mm per module on a 2.6 inch code.
 */
export const DEFAULT_EC_LEVEL: EcLevel = 'Q';

/** Quiet zone width in modules that readers need around the symbol (ISO/IEC 18004 §6.3.8). */
export const QUIET_ZONE_MODULES = 4;

/** Encodes `text` (as UTF-8 bytes) into a QR module matrix with the `qrcode` package (best of the 8 masks). */
export function qrMatrix(text: string, ecLevel: EcLevel = DEFAULT_EC_LEVEL): QrMatrix {
  let qr: QRCode.QRCode;
  try {
    // One byte-mode (UTF-8) segment: our JSON payloads gain nothing from qrcode's optimal
    // segmentation (same symbol version measured), which costs half of the encoding time.
    qr = QRCode.create([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], { errorCorrectionLevel: ecLevel });
  } catch (err) {
    // qrcode throws a plain Error when the data does not fit version 40; say so without echoing the payload.
    throw new GatepassError('PAYLOAD_INVALID', `The sign-in code text is too long for a QR code (${text.length} characters)`, {
      cause: err instanceof Error ? err.message : String(err),
    });
  }
  const { size, data } = qr.modules;
  // Copy and normalise to 0/1: the BitMatrix belongs to qrcode and its values are truthy bytes.
  const modules = new Uint8Array(size * size);
  for (let i = 0; i < modules.length; i++) modules[i] = data[i] ? 1 : 0;
  return { size, modules };
}

/**
 * One SVG path for the whole symbol, in module units with (0,0) the symbol's top-left
 * corner (quiet zone excluded): each horizontal run of dark modules in a row becomes one
 * closed rectangle `M x y h w v 1 h -w z`. One path instead of one rect per module is
 * what keeps a PDF page small and fast (see shared/PERF-NOTES.md).
 */
export function qrSvgPath(m: QrMatrix): string {
  let d = '';
  for (const r of qrRuns(m)) d += `M${r.x} ${r.y}h${r.w}v1h${-r.w}z`;
  return d;
}

/** The runs of dark modules, row by row, for writers that draw rectangles themselves (e.g. pdfkit). */
export function qrRuns(m: QrMatrix): Array<{ x: number; y: number; w: number }> {
  const { size, modules } = m;
  const runs: Array<{ x: number; y: number; w: number }> = [];
  for (let y = 0; y < size; y++) {
    const row = y * size;
    let x = 0;
    while (x < size) {
      if (modules[row + x] !== 1) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && modules[row + x] === 1) x++;
      runs.push({ x: start, y, w: x - start });
    }
  }
  return runs;
}

/**
 * What the renderer draws (contract.ts QrImageSchema): `size` modules per side and the
 * merged path; the renderer adds the quiet zone with its viewBox
 * (`-4 -4 size+8 size+8`), so the payload text itself never has to reach the renderer.
 */
export function qrImage(text: string): { size: number; path: string } {
  const m = qrMatrix(text);
  return { size: m.size, path: qrSvgPath(m) };
}

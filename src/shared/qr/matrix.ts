import { GatepassError } from '../errors';
import { type EcLevel, encodeQrText } from './encode';

export type { EcLevel } from './encode';

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

/** Encodes `text` (as UTF-8 bytes, byte mode) into a QR module matrix, best of the 8 masks (qr-encode.ts). */
export function qrMatrix(text: string, ecLevel: EcLevel = DEFAULT_EC_LEVEL): QrMatrix {
  const symbol = encodeQrText(text, ecLevel);
  // Say that the text does not fit version 40 without echoing the payload (it holds a credential).
  if (!symbol) throw new GatepassError('PAYLOAD_INVALID', `The sign-in code text is too long for a QR code (${text.length} characters)`);
  return { size: symbol.size, modules: symbol.modules };
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

/** The runs of dark modules, row by row (the PDF writer walks rows the same way inline, for speed: card-render.ts). */
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

/**
 * A standalone SVG document of a QR code, quiet zone included, `moduleSize` pixels per module
 * as its intrinsic size: what the server sends for an authenticator app to scan from a
 * screen (enrolment). Black on an opaque white square, so dark themes do not invert it.
 */
export function qrSvgDocument(text: string, opts: { ecLevel?: EcLevel; moduleSize?: number; label?: string } = {}): string {
  const m = qrMatrix(text, opts.ecLevel ?? 'M');
  const side = m.size + 2 * QUIET_ZONE_MODULES;
  const px = side * (opts.moduleSize ?? 4);
  const q = QUIET_ZONE_MODULES;
  const label = (opts.label ?? 'QR code').replace(/[<>&"]/g, '');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${-q} ${-q} ${side} ${side}" width="${px}" height="${px}" shape-rendering="crispEdges" role="img" aria-label="${label}">` +
    `<rect x="${-q}" y="${-q}" width="${side}" height="${side}" fill="#fff"/><path fill="#000" d="${qrSvgPath(m)}"/></svg>`
  );
}

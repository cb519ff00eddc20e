import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { GatepassError } from '../../../../shared/errors';

/**
 * A picture ready for a PDF image XObject (ISO 32000-1 §8.9.5): 8-bit RGB samples and, when
 * any pixel is not opaque, an 8-bit soft mask (§11.6.5.3), each compressed with Flate.
 * Structured-clone friendly, so it goes to the export workers with the render config.
 */
export interface PdfImage {
  width: number;
  height: number;
  rgb: Uint8Array;
  /** Null for an opaque picture. */
  alpha: Uint8Array | null;
}

/**
 * Decodes a PNG (any colour type and bit depth pngjs reads: palette, grey, 16-bit, interlaced)
 * into a {@link PdfImage}. Colours are composited as they are; transparency becomes the mask.
 */
export function pdfImageFromPng(png: Uint8Array): PdfImage {
  let img: PNG;
  try {
    img = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  } catch (err) {
    throw new GatepassError('PAYLOAD_INVALID', `The card logo is not a readable PNG (${err instanceof Error ? err.message : String(err)})`);
  }
  const { width, height, data } = img;
  const pixels = width * height;
  const rgb = new Uint8Array(pixels * 3);
  const alpha = new Uint8Array(pixels);
  let opaque = true;
  for (let i = 0; i < pixels; i++) {
    rgb[i * 3] = data[i * 4] ?? 0;
    rgb[i * 3 + 1] = data[i * 4 + 1] ?? 0;
    rgb[i * 3 + 2] = data[i * 4 + 2] ?? 0;
    const a = data[i * 4 + 3] ?? 255;
    alpha[i] = a;
    if (a !== 255) opaque = false;
  }
  return { width, height, rgb: deflateSync(rgb), alpha: opaque ? null : deflateSync(alpha) };
}

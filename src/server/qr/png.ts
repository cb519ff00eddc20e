import { crc32, deflateSync } from 'node:zlib';
import { DEFAULT_EC_LEVEL, QUIET_ZONE_MODULES, qrMatrix, type EcLevel } from '../../shared/qr/matrix';

/** How to draw a QR code as a PNG. */
export interface QrPngOptions {
  /** Pixels per module; 4 keeps a typical provisioning code near 260 px, small in a mail, easy for a camera. */
  scale?: number;
  ecLevel?: EcLevel;
}

/** Largest side we draw, so no input can make the server allocate a huge bitmap. */
const MAX_SIDE_PX = 2048;

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A QR code as a 1-bit greyscale PNG (PNG spec §11.2.2, colour type 0, bit depth 1: black on
 * white, with the 4-module quiet zone readers need), from the shared encoder. Written
 * directly rather than through pngjs, which only writes 8-bit samples and chooses a filter
 * per row: 3-4.5 ms and 2-7 KB a code, against under 1 ms (QR encoding included) and under
 * 1 KB here (measured on a provisioning-sized payload), which matters when a mail run embeds
 * thousands of codes. Used for the inline image of provisioning mail and, later, the
 * server's QR image URL.
 */
export function qrPng(text: string, opts: QrPngOptions = {}): Buffer {
  const m = qrMatrix(text, opts.ecLevel ?? DEFAULT_EC_LEVEL);
  const side = m.size + 2 * QUIET_ZONE_MODULES;
  const scale = Math.max(1, Math.min(opts.scale ?? 4, Math.floor(MAX_SIDE_PX / side)));
  const px = side * scale;
  const rowBytes = 1 + Math.ceil(px / 8);
  // Each row: filter byte 0 (none), then pixels MSB first; 1 is white in greyscale.
  const raw = Buffer.alloc(rowBytes * px, 0xff);
  for (let y = 0; y < px; y++) raw[y * rowBytes] = 0;
  for (let my = 0; my < m.size; my++) {
    for (let mx = 0; mx < m.size; mx++) {
      if (m.modules[my * m.size + mx] !== 1) continue;
      const top = (my + QUIET_ZONE_MODULES) * scale;
      const left = (mx + QUIET_ZONE_MODULES) * scale;
      for (let dy = 0; dy < scale; dy++) {
        const row = (top + dy) * rowBytes + 1;
        for (let dx = 0; dx < scale; dx++) {
          const x = left + dx;
          const at = row + (x >> 3);
          raw[at] = raw[at]! & ~(0x80 >> (x & 7));
        }
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(px, 0);
  ihdr.writeUInt32BE(px, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

import type { FastifyInstance } from 'fastify';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { GatepassError } from '../../../shared/errors';
import { decodeProvisioningPayload, PROVISIONING_PAYLOAD_MAX_CHARS } from '../../../shared/provisioning-payload';
import { QUIET_ZONE_MODULES, qrMatrix, qrSvgDocument } from '../../../shared/qr/matrix';
import { sha256Hex } from '../../security/tokens';
import type { ServiceContext } from '../../context';
import { liveCodeByHash } from './service';

/** The QR image route, in the reference's form (its "QR Code URL" default ends in `getQRCode?text=`). */
export const QR_IMAGE_PATH = '/userportal/getQRCode';
/** The largest side of a PNG, in pixels, whatever `scale` asks: no request makes the server draw a huge bitmap. */
export const QR_PNG_MAX_SIDE = 1024;
/** Pixels per module unless `scale` says: a typical provisioning code is then about 330 px. */
const DEFAULT_SCALE = 6;

export const QrImageQuerySchema = z.object({
  // Longer text is refused unread (percent-decoded by the HTTP layer before it gets here).
  text: z
    .string()
    .min(1, 'text is required')
    .max(PROVISIONING_PAYLOAD_MAX_CHARS, `text is at most ${PROVISIONING_PAYLOAD_MAX_CHARS} characters`)
    .refine((t) => !t.includes('\u0000'), 'text must not contain the NUL character (U+0000)'),
  format: z.enum(['png', 'svg']).default('png'),
  /** Pixels per module, 1-16; the PNG is capped at 1024 px a side. */
  scale: z.coerce.number().int().min(1).max(16).default(DEFAULT_SCALE),
});

/**
 * A QR code as an 8-bit greyscale PNG (black on white, with the 4-module quiet zone readers
 * need), drawn from the shared encoder's module matrix and written by pngjs.
 */
export function qrPngImage(text: string, scale: number): Buffer {
  const m = qrMatrix(text, 'M');
  const side = m.size + 2 * QUIET_ZONE_MODULES;
  const s = Math.max(1, Math.min(scale, Math.floor(QR_PNG_MAX_SIDE / side)));
  const px = side * s;
  const png = new PNG({ width: px, height: px, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  const data = Buffer.alloc(px * px, 0xff);
  for (let my = 0; my < m.size; my++) {
    for (let mx = 0; mx < m.size; mx++) {
      if (m.modules[my * m.size + mx] !== 1) continue;
      const top = (my + QUIET_ZONE_MODULES) * s;
      const left = (mx + QUIET_ZONE_MODULES) * s;
      for (let dy = 0; dy < s; dy++) data.fill(0, (top + dy) * px + left, (top + dy) * px + left + s);
    }
  }
  png.data = data;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/**
 * The image of one of this server's own live provisioning payloads, and nothing else: the text
 * must decode as a provisioning payload (PAYLOAD_INVALID otherwise) naming this server's ID and
 * public URL, and its code must be live, found by its hash (INVALID_PROVISION_CODE; a removed
 * user's code REPROVISION_NOT_AVAILABLE, the reference's "Reprovision URL not retrieved"). So
 * the server never draws a QR code that someone else wrote: it is no QR generator for phishing.
 */
export async function provisioningQrImage(ctx: ServiceContext, query: z.output<typeof QrImageQuerySchema>): Promise<{ type: string; body: Buffer | string }> {
  const payload = decodeProvisioningPayload(query.text);
  if (payload.serverId !== ctx.serverId || payload.server.replace(/\/+$/, '') !== ctx.publicUrl() || payload.tlsPin !== ctx.tlsPin) {
    throw new GatepassError('PAYLOAD_INVALID', 'This is not a provisioning code of this server');
  }
  const state = await liveCodeByHash(ctx, sha256Hex(payload.code), payload.login.normalize('NFC').trim().toLowerCase());
  if (state === 'removed') throw new GatepassError('REPROVISION_NOT_AVAILABLE', 'The user of this provisioning code has been removed from the server');
  if (state !== 'live') throw new GatepassError('INVALID_PROVISION_CODE', 'The provisioning code is not valid, has expired or has already been used');
  if (query.format === 'svg') {
    return { type: 'image/svg+xml; charset=utf-8', body: qrSvgDocument(query.text, { moduleSize: query.scale, label: 'Gatepass provisioning QR code' }) };
  }
  return { type: 'image/png', body: qrPngImage(query.text, query.scale) };
}

/**
 * Registers GET /userportal/getQRCode on the app: outside /api and the JSON route table because
 * it answers an image; errors keep the `{code, message}` shape, and like every answer it is
 * `Cache-Control: no-store` (the text holds a live code).
 */
export function registerQrImageRoute(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(QR_IMAGE_PATH, async (req, reply) => {
    const query = QrImageQuerySchema.parse(req.query ?? {});
    const image = await provisioningQrImage(ctx, query);
    // The SVG is ours (no script), and a browser opening it directly still runs nothing.
    reply.header('x-content-type-options', 'nosniff');
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    return reply.type(image.type).send(image.body);
  });
}

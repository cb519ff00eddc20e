import { z } from 'zod';
import { route } from './route';

/** The most a logo may weigh, as PNG bytes: a small mark for the corner of a card, not a photo. */
export const LOGO_MAX_BYTES = 256 * 1024;
/** The most pixels a logo may have on either side; the console scales larger pictures down. */
export const LOGO_MAX_SIDE = 1024;
/** The custom line's length limit, in characters: it must fit two lines of a card. */
export const CARD_TEXT_MAX = 120;

/** The 8-byte signature every PNG file starts with (PNG spec, 5.2). */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes standard base64 (no line breaks) in any runtime; null when it is not base64. */
function base64Bytes(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The size a PNG says it has (its IHDR chunk, which must come first), or null when the bytes
 * are not a PNG. A light check for the server: the console decodes the picture fully.
 */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 33 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Chunk length 13, type "IHDR", then width and height (big-endian).
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** A card logo: a PNG, base64, with its size in pixels as the PNG itself says. */
export const CardLogoSchema = z
  .object({ png: z.string().max(Math.ceil(LOGO_MAX_BYTES / 3) * 4 + 4, 'The logo may be at most 256 KB') })
  .transform((logo, ctx) => {
    const bytes = base64Bytes(logo.png);
    const size = bytes ? pngSize(bytes) : null;
    if (!bytes || !size) {
      ctx.addIssue({ code: 'custom', message: 'The logo must be a PNG picture' });
      return z.NEVER;
    }
    if (size.width < 1 || size.height < 1 || size.width > LOGO_MAX_SIDE || size.height > LOGO_MAX_SIDE) {
      ctx.addIssue({ code: 'custom', message: `The logo may be at most ${LOGO_MAX_SIDE} pixels on each side` });
      return z.NEVER;
    }
    return { png: logo.png, ...size };
  })
  .pipe(z.object({ png: z.string(), width: z.number().int(), height: z.number().int() }));

/**
 * What every printed sign-in card of a server carries besides its user's code: an optional
 * logo and an optional line of text (a help-desk number, a site name). Kept by the server, so
 * every administrator's console, and the CLI, print the same cards.
 */
export const CardBrandingSchema = z.object({
  text: z
    .string()
    .trim()
    .max(CARD_TEXT_MAX, `The line of text may be at most ${CARD_TEXT_MAX} characters`)
    // Line breaks, tabs and other control or bidi-override characters would garble the card.
    .refine((t) => !/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(t), 'The line of text must be one line of plain text')
    .default(''),
  logo: CardLogoSchema.nullable().default(null),
});
export type CardBranding = z.output<typeof CardBrandingSchema>;

/** The printed cards' logo and line of text. */
export const cardsApi = {
  getCardBranding: route({
    method: 'GET',
    path: '/api/v1/cards/branding',
    summary: 'The logo and the line of text printed on every sign-in card',
    auth: 'admin',
    response: CardBrandingSchema,
  }),
  setCardBranding: route({
    method: 'PUT',
    path: '/api/v1/cards/branding',
    summary: 'Set the logo (a PNG, base64) and the line of text printed on every sign-in card; audited',
    auth: 'admin',
    body: CardBrandingSchema,
    response: CardBrandingSchema,
  }),
} as const;

import { api } from '../../api/routes';
import { CardBrandingSchema } from '../../api/cards';
import { channel, ServerRef } from '../channel';

/** The logo and line of text a server prints on its sign-in cards (its Settings). */
export const cardChannels = {
  'cards:getBranding': channel(ServerRef, CardBrandingSchema, "The server's card logo and line of text"),
  'cards:setBranding': channel(
    // The route's own body schema, so a logo that is not a small PNG is refused here too (VALIDATION_FAILED).
    ServerRef.extend({ branding: api.setCardBranding.body }),
    CardBrandingSchema,
    'Set the card logo (PNG, base64) and line of text; they print on codes issued from now on',
  ),
} as const;

import type { Kysely } from 'kysely';
import { CardBrandingSchema, type CardBranding } from '../../../shared/api/cards';
import type { Database } from '../../db/schema';
import type { AdminCaller, ServiceContext } from '../../context';
import { recordAudit } from '../audit/service';

const BRANDING_KEY = 'card_branding';
const NONE: CardBranding = { text: '', logo: null };

/** The cards' logo and line of text; none until an administrator sets them. Read each time, so replicas agree. */
export async function getCardBranding(db: Kysely<Database>): Promise<CardBranding> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', BRANDING_KEY).executeTakeFirst();
  if (!row) return NONE;
  // A value a newer or broken version wrote prints plain cards rather than failing every export.
  const parsed = CardBrandingSchema.safeParse(JSON.parse(row.value));
  return parsed.success ? parsed.data : NONE;
}

/** Replaces the branding and audits what changed (never the picture itself, only its size). */
export async function setCardBranding(ctx: ServiceContext, caller: AdminCaller, branding: CardBranding): Promise<CardBranding> {
  const value = JSON.stringify({ text: branding.text, logo: branding.logo ? { png: branding.logo.png } : null });
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('settings')
      .values({ key: BRANDING_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    const logo = branding.logo ? `logo ${branding.logo.width}x${branding.logo.height} px` : 'no logo';
    await recordAudit(trx, ctx.now(), { actor: caller.login, action: 'cards.update', detail: `${logo}; text: ${JSON.stringify(branding.text)}` });
  });
  return branding;
}

import type { cardsApi } from '../../../shared/api/cards';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { getCardBranding, setCardBranding } from './service';

export function cardsHandlers(ctx: ServiceContext): HandlersOf<typeof cardsApi> {
  return {
    getCardBranding: () => getCardBranding(ctx.db),
    setCardBranding: ({ caller, body }) => setCardBranding(ctx, caller, body),
  };
}

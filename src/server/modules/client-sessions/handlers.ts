import type { clientSessionsApi } from '../../../shared/api/client-sessions';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { listClientSessions } from './service';

export function clientSessionsHandlers(ctx: ServiceContext): HandlersOf<typeof clientSessionsApi> {
  return {
    listClientSessions: ({ query }) => listClientSessions(ctx, query),
  };
}

import type { sessionsApi } from '../../../shared/api/sessions';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { qrSignin } from './service';

export function sessionsHandlers(ctx: ServiceContext): HandlersOf<typeof sessionsApi> {
  return {
    qrSignin: ({ body }) => qrSignin(ctx, body.login, body.credential),
    me: async ({ caller }) => ({ id: caller.userId, login: caller.login, displayName: caller.displayName }),
  };
}

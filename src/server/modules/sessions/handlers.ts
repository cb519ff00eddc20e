import type { sessionsApi } from '../../../shared/api/sessions';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { accountSignout, userSecondFactor, userSignin } from './password-signin';
import { qrSignin } from './service';

export function sessionsHandlers(ctx: ServiceContext): HandlersOf<typeof sessionsApi> {
  return {
    qrSignin: ({ body }) => qrSignin(ctx, body.login, body.credential),
    userSignin: ({ body }) => userSignin(ctx, body),
    userSecondFactor: ({ body }) => userSecondFactor(ctx, body.pendingToken, body),
    accountSignout: async ({ caller }) => {
      await accountSignout(ctx, caller);
      return { ok: true };
    },
    me: async ({ caller }) => ({ id: caller.userId, login: caller.login, displayName: caller.displayName }),
  };
}

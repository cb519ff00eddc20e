import type { totpApi } from '../../../shared/api/totp';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { getTwoStepSettings, setTwoStepSettings, twoStepImpact } from './mandatory';
import {
  accountTwoStep,
  cancelEnrolment,
  confirmEnrolment,
  resyncOwn,
  resyncUser,
  runUserTwoStepAction,
  startEnrolment,
  twoStepState,
  userTwoStep,
  userTwoStepActions,
} from './service';

export function totpHandlers(ctx: ServiceContext): HandlersOf<typeof totpApi> {
  return {
    accountTwoStep: ({ caller }) => accountTwoStep(ctx, caller),
    startEnrolment: ({ caller }) => startEnrolment(ctx, caller),
    confirmEnrolment: ({ caller, body }) => confirmEnrolment(ctx, caller, body.code),
    cancelEnrolment: async ({ caller }) => {
      await cancelEnrolment(ctx, caller);
      return { ok: true };
    },
    resyncOwnTotp: ({ caller, body }) => resyncOwn(ctx, caller, body.code1, body.code2),
    userTwoStep: ({ params }) => userTwoStep(ctx, params.id),
    resyncUserTotp: ({ caller, params, body }) => resyncUser(ctx, caller, params.id, body.code1, body.code2),
    removeUserTotp: async ({ caller, params }) => ({ removed: (await runUserTwoStepAction(ctx, caller, 'remove', params.id)).changed }),
    resetUserTotpAttempts: async ({ caller, params }) => {
      await runUserTwoStepAction(ctx, caller, 'resetAttempts', params.id);
      return twoStepState(ctx, 'user', params.id);
    },
    userTwoStepActions: ({ caller, body }) => userTwoStepActions(ctx, caller, body.action, body.userIds),
    getTwoStepSettings: () => getTwoStepSettings(ctx.db),
    twoStepImpact: ({ query }) => twoStepImpact(ctx, query),
    setTwoStepSettings: ({ caller, body }) => setTwoStepSettings(ctx, caller, body),
  };
}

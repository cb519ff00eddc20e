import type { emailOtpApi } from '../../../shared/api/email-otp';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { endClientSession } from '../client-sessions/service';
import { agentInfo, agentSignin, listPendingOtps, requestOtp } from './service';
import { getEmailOtpSettings, setEmailOtpSettings } from './settings';

export function emailOtpHandlers(ctx: ServiceContext): HandlersOf<typeof emailOtpApi> {
  return {
    getEmailOtpSettings: () => getEmailOtpSettings(ctx.db),
    setEmailOtpSettings: ({ caller, body }) => setEmailOtpSettings(ctx, caller, body),
    listPendingOtps: ({ query }) => listPendingOtps(ctx, query),
    agentInfo: ({ caller }) => agentInfo(ctx, caller),
    requestOtp: ({ caller, body }) => requestOtp(ctx, caller, body),
    agentSignin: async ({ caller, body }) => ({ allowed: true as const, session: await agentSignin(ctx, caller, body) }),
    agentSignout: async ({ caller, params }) => ({ session: await endClientSession(ctx, caller, params.id) }),
  };
}

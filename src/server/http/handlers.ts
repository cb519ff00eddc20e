import type { infoApi } from '../../shared/api/info';
import type { ServiceContext } from '../context';
import { adminsHandlers } from '../modules/admins/handlers';
import { auditHandlers } from '../modules/audit/handlers';
import { cardsHandlers } from '../modules/cards/handlers';
import { mailHandlers } from '../modules/mail/handlers';
import { clientSessionsHandlers } from '../modules/client-sessions/handlers';
import { computersHandlers } from '../modules/computers/handlers';
import { emailOtpHandlers } from '../modules/email-otp/handlers';
import { devicesHandlers } from '../modules/devices/handlers';
import { policyHandlers } from '../modules/policy/handlers';
import { provisioningHandlers } from '../modules/provisioning/handlers';
import { qrCredentialsHandlers } from '../modules/qr-credentials/handlers';
import { recoveryCodesHandlers } from '../modules/recovery-codes/handlers';
import { sessionsHandlers } from '../modules/sessions/handlers';
import { totpHandlers } from '../modules/totp/handlers';
import { usersHandlers } from '../modules/users/handlers';
import type { Handlers, HandlersOf } from './route-handler';

function infoHandlers(ctx: ServiceContext, info: { name: string; version: string; tlsPin: string | null }): HandlersOf<typeof infoApi> {
  return {
    serverInfo: async () => ({ product: 'gatepass', name: info.name, version: info.version, apiVersion: 1, tlsPin: info.tlsPin, serverId: ctx.serverId }),
  };
}

/** Every route's handler: each domain module's, composed as routes.ts composes their tables. */
export function createHandlers(ctx: ServiceContext, info: { name: string; version: string; tlsPin: string | null }): Handlers {
  return {
    ...infoHandlers(ctx, info),
    ...adminsHandlers(ctx),
    ...usersHandlers(ctx),
    ...policyHandlers(ctx),
    ...qrCredentialsHandlers(ctx),
    ...sessionsHandlers(ctx),
    ...auditHandlers(ctx),
    ...cardsHandlers(ctx),
    ...totpHandlers(ctx),
    ...recoveryCodesHandlers(ctx),
    ...mailHandlers(ctx, info),
    ...computersHandlers(ctx, info),
    ...emailOtpHandlers(ctx),
    ...clientSessionsHandlers(ctx),
    ...provisioningHandlers(ctx),
    ...devicesHandlers(ctx),
  };
}

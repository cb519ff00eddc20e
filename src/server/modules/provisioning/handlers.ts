import type { provisioningApi } from '../../../shared/api/provisioning';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { previewProvisioningMail, sendProvisioningMail } from './mail';
import { getProvisioningSettings, issueProvisioningCodes, redeemProvisioningCode, setProvisioningSettings } from './service';

export function provisioningHandlers(ctx: ServiceContext): HandlersOf<typeof provisioningApi> {
  return {
    issueProvisioningCodes: ({ caller, body }) => issueProvisioningCodes(ctx, caller, body.userIds, body.validitySeconds),
    sendProvisioningMail: ({ caller, body }) => sendProvisioningMail(ctx, caller, body),
    previewProvisioningMail: ({ body }) => previewProvisioningMail(ctx, body),
    redeemProvisioningCode: ({ body, source }) => redeemProvisioningCode(ctx, body, source),
    getProvisioningSettings: () => getProvisioningSettings(ctx),
    setProvisioningSettings: ({ caller, body }) => setProvisioningSettings(ctx, caller, body),
  };
}

import type { qrCredentialsApi } from '../../../shared/api/qr-credentials';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { issueQrBatch } from './service';

export function qrCredentialsHandlers(ctx: ServiceContext): HandlersOf<typeof qrCredentialsApi> {
  return {
    issueQrBatch: ({ caller, body }) => issueQrBatch(ctx, caller, body),
  };
}

import type { auditApi } from '../../../shared/api/audit';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { listAudit } from './service';

export function auditHandlers(ctx: ServiceContext): HandlersOf<typeof auditApi> {
  return {
    listAudit: ({ query }) => listAudit(ctx, query),
  };
}

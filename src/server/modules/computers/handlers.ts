import type { computersApi } from '../../../shared/api/computers';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { getComputer, listComputers, registerComputer, revokeComputer } from './service';

export function computersHandlers(ctx: ServiceContext): HandlersOf<typeof computersApi> {
  return {
    registerComputer: ({ caller, body }) => registerComputer(ctx, caller, body),
    listComputers: ({ query }) => listComputers(ctx, query),
    getComputer: ({ params }) => getComputer(ctx, params.id),
    revokeComputer: ({ caller, params }) => revokeComputer(ctx, caller, params.id),
  };
}

import type { computersApi } from '../../../shared/api/computers';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { getComputer, listComputers, registerComputer, revokeComputer } from './service';

/** `info.tlsPin`: the pin of the certificate this server serves itself, or null (plain HTTP, or TLS at a proxy). */
export function computersHandlers(ctx: ServiceContext, info: { tlsPin: string | null }): HandlersOf<typeof computersApi> {
  return {
    registerComputer: ({ caller, body }) => registerComputer(ctx, caller, body, info.tlsPin),
    listComputers: ({ query }) => listComputers(ctx, query),
    getComputer: ({ params }) => getComputer(ctx, params.id),
    revokeComputer: ({ caller, params }) => revokeComputer(ctx, caller, params.id),
  };
}

import { GatepassError } from '../../shared/errors';
import { adminSignin, adminSignout } from '../services/admins';
import { listAudit } from '../services/audit';
import type { AdminCaller, Caller, ServiceContext } from '../services/context';
import { issueQrBatch, qrSignin } from '../services/credentials';
import { getPolicy, setPolicy } from '../services/policy';
import { createUser, deleteUser, getUser, listUsers, setUserPassword, updateUser } from '../services/users';
import type { Handlers } from './app';

function asAdmin(caller: Caller): AdminCaller {
  // The router authenticates before calling; this guards against a route table mistake.
  if (caller.kind !== 'admin') throw new GatepassError('AUTH_REQUIRED', 'Sign in as an administrator');
  return caller;
}

/** The handler for every route of the shared table, over the services. */
export function createHandlers(ctx: ServiceContext, info: { name: string; version: string }): Handlers {
  return {
    serverInfo: async () => ({ product: 'gatepass', name: info.name, version: info.version, apiVersion: 1, tlsPin: null }),
    adminSignin: ({ body }) => adminSignin(ctx, body.login, body.password),
    adminSignout: async ({ caller }) => {
      await adminSignout(ctx, asAdmin(caller));
      return { ok: true };
    },
    listUsers: ({ query }) => listUsers(ctx, query),
    getUser: ({ params }) => getUser(ctx, params.id),
    createUser: ({ caller, body }) => createUser(ctx, asAdmin(caller), body),
    updateUser: ({ caller, params, body }) => updateUser(ctx, asAdmin(caller), params.id, body),
    deleteUser: async ({ caller, params }) => {
      await deleteUser(ctx, asAdmin(caller), params.id);
      return { ok: true };
    },
    getPolicy: () => getPolicy(ctx.db),
    setPolicy: ({ caller, body }) => setPolicy(ctx, asAdmin(caller), body),
    setPassword: async ({ caller, params, body }) => {
      await setUserPassword(ctx, asAdmin(caller), params.id, body.password);
      return { ok: true };
    },
    issueQrBatch: ({ caller, body }) => issueQrBatch(ctx, asAdmin(caller), body),
    qrSignin: ({ body }) => qrSignin(ctx, body.login, body.credential),
    me: async ({ caller }) => {
      if (caller.kind !== 'user') throw new GatepassError('AUTH_REQUIRED', 'Sign in first');
      return { id: caller.userId, login: caller.login, displayName: caller.displayName };
    },
    listAudit: ({ query }) => listAudit(ctx, query.offset, query.limit),
  };
}

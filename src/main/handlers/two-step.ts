import { GatepassError } from '../../shared/errors';
import type { twoStepChannels } from '../../shared/ipc/channels/two-step';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';
import type { ShownCodes } from '../services/two-step/shown-codes';

/**
 * Two-step verification through each server's admin session: the administrator's own (on the
 * account/2fa routes, which an enrolment-only session may call too), help for users, and the
 * mandatory setting. Recovery codes pass through main's short-lived holder so they can be
 * saved as .txt; nothing here is logged or written anywhere else.
 */
export function twoStepHandlers(deps: { connections: Connections; shownCodes: ShownCodes }): Pick<Handlers, keyof typeof twoStepChannels> {
  const { connections, shownCodes } = deps;
  const ownLogin = (serverId: string) => connections.get(serverId).login;
  const serverName = (serverId: string) => connections.get(serverId).name;
  return {
    async 'twoStep:account'({ serverId }) {
      return connections.admin(serverId)('accountTwoStep');
    },
    async 'twoStep:startEnrolment'({ serverId }) {
      return connections.admin(serverId)('startEnrolment');
    },
    async 'twoStep:confirmEnrolment'({ serverId, code }) {
      const res = await connections.admin(serverId)('confirmEnrolment', { body: { code } });
      // An enrolment-only session (mandatory, grace period) is a full one from now on.
      connections.enrolled(serverId);
      return shownCodes.hold({ codes: res.recoveryCodes, generatedAt: res.generatedAt, login: ownLogin(serverId), serverName: serverName(serverId) });
    },
    async 'twoStep:cancelEnrolment'({ serverId }) {
      await connections.admin(serverId)('cancelEnrolment');
      return { ok: true as const };
    },
    async 'twoStep:resyncOwn'({ serverId, code1, code2 }) {
      return connections.admin(serverId)('resyncOwnTotp', { body: { code1, code2 } });
    },
    async 'twoStep:regenerateOwnCodes'({ serverId }) {
      const res = await connections.admin(serverId)('regenerateOwnRecoveryCodes');
      return shownCodes.hold({ codes: res.recoveryCodes, generatedAt: res.generatedAt, login: ownLogin(serverId), serverName: serverName(serverId) });
    },
    async 'twoStep:userState'({ serverId, userId }) {
      return connections.admin(serverId)('userTwoStep', { params: { id: userId } });
    },
    async 'twoStep:resyncUser'({ serverId, userId, code1, code2 }) {
      return connections.admin(serverId)('resyncUserTotp', { params: { id: userId }, body: { code1, code2 } });
    },
    async 'twoStep:resetUserAttempts'({ serverId, userId }) {
      return connections.admin(serverId)('resetUserTotpAttempts', { params: { id: userId } });
    },
    async 'twoStep:removeUser'({ serverId, userId }) {
      return connections.admin(serverId)('removeUserTotp', { params: { id: userId } });
    },
    async 'twoStep:regenerateUserCodes'({ serverId, userId }) {
      const call = connections.admin(serverId);
      // The login names the codes' file and heading; asked first, so a user deleted meanwhile gets no codes made.
      const user = await call('getUser', { params: { id: userId } });
      if (!user.totpEnabled) throw new GatepassError('TOTP_NOT_ENABLED', `${user.login} has no two-step verification: there are no recovery codes to replace`);
      const res = await call('regenerateUserRecoveryCodes', { params: { id: userId } });
      return shownCodes.hold({ codes: res.recoveryCodes, generatedAt: res.generatedAt, login: user.login, serverName: serverName(serverId) });
    },
    async 'twoStep:userAction'({ serverId, action, userIds }) {
      return connections.admin(serverId)('userTwoStepActions', { body: { action, userIds } });
    },
    async 'twoStep:settings'({ serverId }) {
      return connections.admin(serverId)('getTwoStepSettings');
    },
    async 'twoStep:impact'({ serverId, offset, limit }) {
      return connections.admin(serverId)('twoStepImpact', { query: { offset, limit } });
    },
    async 'twoStep:setSettings'({ serverId, ...body }) {
      return connections.admin(serverId)('setTwoStepSettings', { body });
    },
    async 'twoStep:saveRecoveryCodes'({ codesId }) {
      return shownCodes.save(codesId);
    },
    async 'twoStep:discardRecoveryCodes'({ codesId }) {
      shownCodes.discard(codesId);
      return { ok: true as const };
    },
  };
}

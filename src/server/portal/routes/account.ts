import type { FastifyInstance } from 'fastify';
import { accountTwoStep } from '../../modules/totp/service';
import { currentFrame, sessionOrRedirect, sendPage, type PortalDeps } from '../respond';
import { homePage } from '../views/two-step';

/** The account page (GET /portal/): the user's two-step verification. */
export function accountRoutes(portal: FastifyInstance, deps: PortalDeps): void {
  portal.get('/', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'full');
    if (!session) return reply;
    const state = await accountTwoStep(deps.ctx, session.caller);
    const key = (req.query as { notice?: unknown }).notice;
    // Notices are a fixed list chosen by a key, with figures from the database: a URL never carries text of its own.
    const notice =
      key === 'recovery-code'
        ? `You signed in with a recovery code. ${state.recoveryCodesLeft} recovery ${state.recoveryCodesLeft === 1 ? 'code is' : 'codes are'} left.`
        : key === 'resynced'
          ? 'Your authenticator app is in sync again: the clock drift below is allowed for from now on.'
          : key === 'enrol-cancelled'
            ? 'The setup was cancelled.'
            : null;
    return sendPage(reply, 200, homePage(await currentFrame(deps, req), state, { notice }));
  });
}

import type { FastifyInstance } from 'fastify';
import { provisioningLink } from '../../../shared/provisioning-payload';
import { listUserDevices } from '../../modules/devices/service';
import { getProvisioningSettings, issueCodeInTransaction } from '../../modules/provisioning/service';
import { confirmUserPassword } from '../../modules/sessions/password-signin';
import { getUser } from '../../modules/users/service';
import { qrPng } from '../../qr/png';
import { refusalSentence } from '../messages';
import { currentFrame, formOf, refusal, sendPage, sessionOrRedirect, type PortalDeps } from '../respond';
import { phoneCodePage, phonePage } from '../views/phone';

/**
 * "Your phone" (GET and POST /portal/phone): a signed-in user asks for their own provisioning
 * code and sees its QR on the page. The code is issued by the provisioning service, as an
 * administrator's would be (a new code voids the old, audited with the user as actor), with
 * the server's "Provision code validity"; the password is asked first and counted with the
 * sign-in's failures.
 */
export function phoneRoutes(portal: FastifyInstance, deps: PortalDeps): void {
  const { ctx } = deps;

  async function pageState(userId: string) {
    const [user, devices, settings] = await Promise.all([getUser(ctx, userId), listUserDevices(ctx, userId), getProvisioningSettings(ctx)]);
    return { allowed: user.mobileAllowed && user.disabledAt === null, devices: devices.items, provisioning: user.provisioning, validitySeconds: settings.codeValiditySeconds };
  }

  portal.get('/phone', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'full');
    if (!session) return reply;
    return sendPage(reply, 200, phonePage(await currentFrame(deps, req), await pageState(session.caller.account.id)));
  });

  portal.post('/phone', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'full');
    if (!session) return reply;
    const frame = await currentFrame(deps, req);
    const { account } = session.caller;
    try {
      await confirmUserPassword(ctx, session.caller, (formOf(req).password ?? '').slice(0, 1024));
      const settings = await getProvisioningSettings(ctx);
      const issued = await ctx.db
        .transaction()
        .execute((trx) => issueCodeInTransaction(trx, ctx, account.login, account.id, settings.codeValiditySeconds, settings.qrCodeUrl));
      // The answer to this POST is the only place the code appears (the server keeps its hash).
      return sendPage(
        reply,
        200,
        phoneCodePage(frame, { login: issued.login, pngBase64: qrPng(issued.payload).toString('base64'), link: provisioningLink(issued.payload), expiresAt: issued.expiresAt }),
      );
    } catch (err) {
      const { body, status } = refusal(err, reply);
      const error =
        body.code === 'INVALID_CREDENTIALS'
          ? 'The password is wrong.'
          : body.code === 'NOT_ENTITLED'
            ? 'Your administrator has not allowed mobile authentication for your account.'
            : refusalSentence(body, 'password');
      return sendPage(reply, status, phonePage(frame, { ...(await pageState(account.id)), error }));
    }
  });
}

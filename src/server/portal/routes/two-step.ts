import type { FastifyInstance } from 'fastify';
import { EnrolmentConfirmSchema, ResyncSchema } from '../../../shared/api/totp';
import { recoveryCodesText } from '../../../shared/recovery-codes';
import { recoveryCodeSetId, regenerateOwnRecoveryCodes } from '../../modules/recovery-codes/service';
import { confirmUserPassword } from '../../modules/sessions/password-signin';
import { accountTwoStep, cancelEnrolment, confirmEnrolment, ENROLMENT_MS, pendingEnrolment, resyncOwn, startEnrolment } from '../../modules/totp/service';
import { refusalSentence } from '../messages';
import { currentFrame, formOf, refusal, seeOther, sendPage, sessionOrRedirect, type PortalDeps } from '../respond';
import { enrolIntroPage, enrolPage, recoveryCodesPage, regeneratePage, resyncPage } from '../views/two-step';

/**
 * Enrolment, recovery codes and resync, each through the totp and recovery-codes services
 * (which lock, count, audit and decide "once" in the database) with the caller the session
 * cookie stands for: the portal adds pages, not rules.
 */
export function twoStepRoutes(portal: FastifyInstance, deps: PortalDeps): void {
  const { ctx } = deps;

  portal.get('/enrol', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'any');
    if (!session) return reply;
    const frame = await currentFrame(deps, req);
    try {
      const pending = await pendingEnrolment(ctx, session.caller);
      if (pending) return sendPage(reply, 200, enrolPage(frame, pending));
      return sendPage(reply, 200, enrolIntroPage(frame, await accountTwoStep(ctx, session.caller)));
    } catch (err) {
      const { body, status } = refusal(err, reply);
      return sendPage(reply, status, enrolIntroPage(frame, await accountTwoStep(ctx, session.caller), { error: refusalSentence(body, 'code') }));
    }
  });

  portal.post('/enrol/start', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'any');
    if (!session) return reply;
    try {
      await startEnrolment(ctx, session.caller);
      return seeOther(reply, '/portal/enrol');
    } catch (err) {
      const { body, status } = refusal(err, reply);
      return sendPage(reply, status, enrolIntroPage(await currentFrame(deps, req), await accountTwoStep(ctx, session.caller), { error: refusalSentence(body, 'code') }));
    }
  });

  portal.post('/enrol/confirm', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'any');
    if (!session) return reply;
    const frame = await currentFrame(deps, req);
    const parsed = EnrolmentConfirmSchema.safeParse({ code: formOf(req).code ?? '' });
    try {
      if (!parsed.success) {
        const pending = await pendingEnrolment(ctx, session.caller);
        if (pending) return sendPage(reply, 400, enrolPage(frame, pending, { error: 'Enter the 6 digits your app shows.' }));
        return seeOther(reply, '/portal/enrol');
      }
      const done = await confirmEnrolment(ctx, session.caller, parsed.data.code);
      const login = session.caller.account.login;
      // The answer to this POST is the only place the codes ever appear (see recoveryCodesPage).
      const fileText = recoveryCodesText({ serverName: ctx.serverName, login, codes: done.recoveryCodes, generatedAt: done.generatedAt });
      return sendPage(reply, 200, recoveryCodesPage(frame, { codes: done.recoveryCodes, fileText, login, why: 'enrolled' }));
    } catch (err) {
      const { body, status } = refusal(err, reply);
      const state = await accountTwoStep(ctx, session.caller);
      if (body.code === 'TOTP_ENROLMENT_EXPIRED') {
        // Expired, or confirmed already (the form sent twice): say which, and what to do.
        const justConfirmed = state.enabled && state.enrolledAt !== null && Date.parse(state.enrolledAt) >= ctx.now().getTime() - ENROLMENT_MS;
        const error = justConfirmed
          ? 'Two-step verification is already on: this setup was confirmed a moment ago (perhaps the form was sent twice). If you did not see your recovery codes, get new ones from your account page.'
          : body.message;
        return sendPage(reply, status, enrolIntroPage(frame, state, { error }));
      }
      const pending = await pendingEnrolment(ctx, session.caller).catch(() => null);
      const error = refusalSentence(body, 'code');
      return sendPage(reply, status, pending ? enrolPage(frame, pending, { error }) : enrolIntroPage(frame, state, { error }));
    }
  });

  portal.post('/enrol/cancel', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'any');
    if (!session) return reply;
    await cancelEnrolment(ctx, session.caller);
    return seeOther(reply, session.caller.scope === 'full' ? '/portal/?notice=enrol-cancelled' : '/portal/enrol');
  });

  portal.get('/recovery-codes', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'full');
    if (!session) return reply;
    const state = await accountTwoStep(ctx, session.caller);
    if (!state.enabled) return seeOther(reply, '/portal/');
    const setId = await recoveryCodeSetId(ctx.db, 'user', session.caller.account.id);
    return sendPage(reply, 200, regeneratePage(await currentFrame(deps, req), { codesLeft: state.recoveryCodesLeft, setId }));
  });

  portal.post('/recovery-codes', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'full');
    if (!session) return reply;
    const frame = await currentFrame(deps, req);
    const form = formOf(req);
    try {
      // The password first: its failures count with the sign-in's (and are audited as such).
      await confirmUserPassword(ctx, session.caller, (form.password ?? '').slice(0, 1024));
      // The set this form was shown with: a second copy of the form (sent twice, another tab)
      // is refused under the account's lock instead of voiding the codes the first one showed.
      const fresh = await regenerateOwnRecoveryCodes(ctx, session.caller, { expectedSetId: form.set ?? '' });
      const login = session.caller.account.login;
      const fileText = recoveryCodesText({ serverName: ctx.serverName, login, codes: fresh.recoveryCodes, generatedAt: fresh.generatedAt });
      return sendPage(reply, 200, recoveryCodesPage(frame, { codes: fresh.recoveryCodes, fileText, login, why: 'regenerated' }));
    } catch (err) {
      const { body, status } = refusal(err, reply);
      const state = await accountTwoStep(ctx, session.caller);
      const setId = await recoveryCodeSetId(ctx.db, 'user', session.caller.account.id);
      const error = body.code === 'INVALID_CREDENTIALS' ? 'The password is wrong.' : refusalSentence(body, 'password');
      return sendPage(reply, status, regeneratePage(frame, { codesLeft: state.recoveryCodesLeft, setId, error }));
    }
  });

  portal.get('/resync', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'full');
    if (!session) return reply;
    const state = await accountTwoStep(ctx, session.caller);
    if (!state.enabled) return seeOther(reply, '/portal/');
    return sendPage(reply, 200, resyncPage(await currentFrame(deps, req)));
  });

  portal.post('/resync', async (req, reply) => {
    const session = await sessionOrRedirect(deps, req, reply, 'full');
    if (!session) return reply;
    const frame = await currentFrame(deps, req);
    const form = formOf(req);
    const parsed = ResyncSchema.safeParse({ code1: form.code1 ?? '', code2: form.code2 ?? '' });
    if (!parsed.success) return sendPage(reply, 400, resyncPage(frame, { error: 'Enter two codes of 6 digits: the one your app shows now, then the next one.' }));
    try {
      await resyncOwn(ctx, session.caller, parsed.data.code1, parsed.data.code2);
      return seeOther(reply, '/portal/?notice=resynced');
    } catch (err) {
      const { body, status } = refusal(err, reply);
      return sendPage(reply, status, resyncPage(frame, { error: refusalSentence(body, 'code') }));
    }
  });
}

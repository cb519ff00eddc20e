import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UserSigninSchema } from '../../../shared/api/sessions';
import { RecoveryCodeInputSchema, TotpCodeSchema } from '../../../shared/api/totp';
import { accountSignout, PENDING_SIGNIN_MS, userSecondFactor, userSignin } from '../../modules/sessions/password-signin';
import { refusalSentence } from '../messages';
import { currentFrame, formOf, refusal, restartAnonymous, seeOther, sendPage, type PortalDeps } from '../respond';
import { anonymousCookie, portalState, setPortalCookie, tokenCookie } from '../session';
import { codePage, recoveryCodePage, signInPage } from '../views/sign-in';

/** Notices the sign-in page may be sent to show (a fixed list: a URL never carries text of its own). */
const SIGN_IN_NOTICES: Record<string, string> = {
  'signed-out': 'You are signed out.',
  ended: 'Your session ended. Sign in again.',
};

/**
 * Sign-in: the password (POST /portal/sign-in through the sessions service, which counts and
 * audits every failure), then the authenticator code or a recovery code with the pending
 * token the cookie holds, and sign-out.
 */
export function signInRoutes(portal: FastifyInstance, deps: PortalDeps): void {
  const { ctx } = deps;

  portal.get('/sign-in', async (req, reply) => {
    const state = await portalState(ctx, req);
    if (state.kind === 'session') return seeOther(reply, '/portal/');
    const noticeKey = (req.query as { notice?: unknown }).notice;
    const notice = typeof noticeKey === 'string' ? (SIGN_IN_NOTICES[noticeKey] ?? null) : null;
    // A browser without a live cookie gets one: the form's CSRF token is derived from it.
    const frame = state.kind === 'anonymous' || state.kind === 'pending' ? await currentFrame(deps, req) : restartAnonymous(deps, req, reply);
    return sendPage(reply, 200, signInPage(frame, { notice }));
  });

  portal.post('/sign-in', async (req, reply) => {
    const form = formOf(req);
    const login = (form.login ?? '').trim();
    const password = form.password ?? '';
    const frame = await currentFrame(deps, req);
    if (!login || !password) {
      return sendPage(reply, 400, signInPage(frame, { login, error: 'Enter your login and your password.' }));
    }
    // The REST route's own schema: the same limits, and the login in one spelling (NFC).
    const parsed = UserSigninSchema.safeParse({ login, password });
    if (!parsed.success) {
      return sendPage(reply, 400, signInPage(frame, { login: login.slice(0, 128), error: 'That login or password is longer than any this server accepts.' }));
    }
    try {
      const result = await userSignin(ctx, { login: parsed.data.login, password: parsed.data.password });
      switch (result.status) {
        case 'signed_in':
          setPortalCookie(req, reply, tokenCookie('session', result.token));
          return seeOther(reply, '/portal/');
        case 'second_factor_required':
          setPortalCookie(req, reply, tokenCookie('pending', result.pendingToken), PENDING_SIGNIN_MS / 1000);
          return seeOther(reply, '/portal/sign-in/code');
        case 'enrolment_required':
          setPortalCookie(req, reply, tokenCookie('session', result.token));
          return seeOther(reply, '/portal/enrol');
      }
    } catch (err) {
      const { body, status } = refusal(err, reply);
      return sendPage(reply, status, signInPage(frame, { login, error: refusalSentence(body, 'password') }));
    }
  });

  portal.get('/sign-in/code', async (req, reply) => {
    const redirect = await secondStepRedirect(deps, req, reply);
    if (redirect) return redirect;
    return sendPage(reply, 200, codePage(await currentFrame(deps, req)));
  });

  portal.get('/sign-in/recovery-code', async (req, reply) => {
    const redirect = await secondStepRedirect(deps, req, reply);
    if (redirect) return redirect;
    return sendPage(reply, 200, recoveryCodePage(await currentFrame(deps, req)));
  });

  portal.post('/sign-in/code', (req, reply) => secondFactor(deps, req, reply, 'otp'));
  portal.post('/sign-in/recovery-code', (req, reply) => secondFactor(deps, req, reply, 'recoveryCode'));

  portal.post('/sign-out', async (req, reply) => {
    const state = await portalState(ctx, req);
    // Ends the session in the database (audited), not only the cookie.
    if (state.kind === 'session') await accountSignout(ctx, state.caller);
    setPortalCookie(req, reply, anonymousCookie());
    return seeOther(reply, '/portal/sign-in?notice=signed-out');
  });
}

/** The second-step pages are for a browser with a pending sign-in; others go where they belong. */
async function secondStepRedirect(deps: PortalDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | null> {
  const state = await portalState(deps.ctx, req);
  if (state.kind === 'pending') return null;
  return seeOther(reply, state.kind === 'session' ? '/portal/' : '/portal/sign-in');
}

/** POST of the code or the recovery code: the sessions service checks it (counted, backed off, audited, once). */
async function secondFactor(deps: PortalDeps, req: FastifyRequest, reply: FastifyReply, method: 'otp' | 'recoveryCode'): Promise<FastifyReply> {
  const state = await portalState(deps.ctx, req);
  if (state.kind !== 'pending') return seeOther(reply, state.kind === 'session' ? '/portal/' : '/portal/sign-in');
  const frame = await currentFrame(deps, req);
  const render = (status: number, error: string) =>
    sendPage(reply, status, method === 'otp' ? codePage(frame, { error }) : recoveryCodePage(frame, { error }));
  const form = formOf(req);
  const parsed = method === 'otp' ? TotpCodeSchema.safeParse(form.code ?? '') : RecoveryCodeInputSchema.safeParse(form.recoveryCode ?? '');
  if (!parsed.success) {
    return render(400, method === 'otp' ? 'Enter the 6 digits your app shows.' : 'A recovery code is 16 letters and digits, like 7K3M-Q9TD-4HXW-B2NP.');
  }
  try {
    const session = await userSecondFactor(deps.ctx, state.pendingToken, method === 'otp' ? { otp: parsed.data } : { recoveryCode: parsed.data });
    setPortalCookie(req, reply, tokenCookie('session', session.token));
    return seeOther(reply, session.secondFactor === 'recoveryCode' ? '/portal/?notice=recovery-code' : '/portal/');
  } catch (err) {
    const { body, status } = refusal(err, reply);
    if (body.code === 'AUTH_REQUIRED') {
      // The pending sign-in expired (5 minutes) or was completed: back to the password.
      const fresh = restartAnonymous(deps, req, reply);
      return sendPage(reply, status, signInPage(fresh, { error: refusalSentence(body, 'code') }));
    }
    return render(status, refusalSentence(body, 'code'));
  }
}

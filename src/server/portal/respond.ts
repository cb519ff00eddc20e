import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatepassError, httpStatusFor, toErrorBody, type ErrorBody } from '../../shared/errors';
import type { ServiceContext } from '../context';
import type { SafeHtml } from './html';
import { csrfTokenFor } from './security';
import { anonymousCookie, portalState, setPortalCookie, type PortalState } from './session';
import type { Frame } from './views/layout';

/** What every portal route needs: the services' context. */
export interface PortalDeps {
  ctx: ServiceContext;
  logger: (line: string) => void;
}

/** Sends a page. Errors re-render their form in the POST's answer (status = the refusal's), successes redirect. */
export function sendPage(reply: FastifyReply, status: number, body: SafeHtml): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.value);
}

/** POST-redirect-GET: 303, so a reload shows the page and never sends the form again. */
export function seeOther(reply: FastifyReply, path: string): FastifyReply {
  return reply.code(303).header('location', path).send();
}

/** A page's frame for this browser's cookie value and user. */
export function frameFor(deps: PortalDeps, cookie: string | null, user: Frame['user']): Frame {
  return { serverName: deps.ctx.serverName, csrf: cookie ? csrfTokenFor(cookie) : '', user };
}

/** The frame of the request's current state. */
export async function currentFrame(deps: PortalDeps, req: FastifyRequest): Promise<Frame> {
  const state = await portalState(deps.ctx, req);
  if (state.kind === 'none') return frameFor(deps, null, null);
  const user = state.kind === 'session' ? { login: state.caller.account.login, displayName: state.caller.displayName } : null;
  return frameFor(deps, state.cookie, user);
}

/** Gives the browser a fresh anonymous cookie and returns the frame that goes with it. */
export function restartAnonymous(deps: PortalDeps, req: FastifyRequest, reply: FastifyReply): Frame {
  const cookie = anonymousCookie();
  setPortalCookie(req, reply, cookie);
  return frameFor(deps, cookie, null);
}

/**
 * A refusal from a service as the wire body, with its HTTP status and a Retry-After header
 * when it asks for a wait; anything that is not a GatepassError (or a schema failure) is
 * rethrown for the error handler.
 */
export function refusal(err: unknown, reply: FastifyReply): { body: ErrorBody; status: number } {
  if (!(err instanceof GatepassError)) {
    const body = toErrorBody(err);
    if (body.code === 'INTERNAL') throw err;
    return { body, status: httpStatusFor(body.code) };
  }
  const body = err.toBody();
  const wait = (body.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof wait === 'number' && Number.isFinite(wait)) reply.header('retry-after', String(Math.ceil(wait)));
  return { body, status: httpStatusFor(body.code) };
}

/** The parsed form fields of a POST (the portal's parser gives one string per name). */
export function formOf(req: FastifyRequest): Record<string, string> {
  const body = req.body;
  return body && typeof body === 'object' ? (body as Record<string, string>) : {};
}

/** The signed-in session, or null after answering with a redirect to where this browser belongs. */
export async function sessionOrRedirect(
  deps: PortalDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  need: 'any' | 'full',
): Promise<Extract<PortalState, { kind: 'session' }> | null> {
  const state = await portalState(deps.ctx, req);
  if (state.kind === 'session') {
    // An enrolment-only session (mandatory 2FA, grace period) may only enrol.
    if (need === 'full' && state.caller.scope !== 'full') {
      seeOther(reply, '/portal/enrol');
      return null;
    }
    return state;
  }
  seeOther(reply, state.kind === 'ended' ? '/portal/sign-in?notice=ended' : state.kind === 'pending' ? '/portal/sign-in/code' : '/portal/sign-in');
  return null;
}

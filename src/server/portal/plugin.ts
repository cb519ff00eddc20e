import fastifyCookie from '@fastify/cookie';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { ServiceContext } from '../context';
import { currentFrame, formOf, sendPage, type PortalDeps } from './respond';
import { CSRF_FIELD, PORTAL_SECURITY_HEADERS, crossSiteProblem, csrfTokenMatches } from './security';
import { portalCookie } from './session';
import { PORTAL_CSS, PORTAL_CSS_PATH } from './styles';
import { accountRoutes } from './routes/account';
import { phoneRoutes } from './routes/phone';
import { signInRoutes } from './routes/sign-in';
import { twoStepRoutes } from './routes/two-step';
import { messagePage } from './views/sign-in';

/** Options of the portal plugin. */
export interface PortalOptions {
  ctx: ServiceContext;
  logger: (line: string) => void;
}

/** The largest form the portal reads: a login, a password and a token or two. */
const FORM_BODY_LIMIT = 16 * 1024;

const FORM_REFUSED =
  'This form cannot be accepted: it is out of date (you signed in or out in another tab, or the page was open a long time) or it was not sent from this portal. Open the portal again and repeat what you were doing.';

/**
 * The user portal at /portal: server-rendered pages with plain forms (no script), registered
 * by the HTTP app beside the REST API and calling the same services in-process. Encapsulated:
 * its form parser, cookie parser, headers, CSRF checks, 404 and error pages apply under
 * /portal only, so the REST API keeps JSON only and its own 404 and error answers.
 *
 * Each area of the portal (sign-in, two-step verification, the phone's provisioning code) is
 * one routes/<area>.ts and views/<area>.ts registered here, under the same defences.
 */
export async function portalPlugin(portal: FastifyInstance, opts: PortalOptions): Promise<void> {
  const deps: PortalDeps = { ctx: opts.ctx, logger: opts.logger };
  await portal.register(fastifyCookie);

  // Forms only: a JSON or multipart body is refused (415) before any route sees it.
  portal.removeAllContentTypeParsers();
  portal.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
    // A null-prototype object: a field named __proto__ or constructor is only a field.
    const fields = Object.create(null) as Record<string, string>;
    for (const [k, v] of new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))) if (!(k in fields)) fields[k] = v;
    done(null, fields);
  });

  const refuseForm = async (reply: FastifyReply): Promise<FastifyReply> =>
    sendPage(reply, 403, messagePage(await currentFrame(deps, reply.request), 'Form not accepted', FORM_REFUSED, { href: '/portal/', label: 'Open the portal' }));

  portal.addHook('onRequest', async (req, reply) => {
    reply.headers(PORTAL_SECURITY_HEADERS);
    if (req.method !== 'POST') return;
    // Before the body is read: a post from another site never reaches a route (security.ts).
    const site = req.headers['sec-fetch-site'];
    const problem = crossSiteProblem({
      host: req.headers.host,
      origin: req.headers.origin,
      referer: req.headers.referer,
      'sec-fetch-site': Array.isArray(site) ? site[0] : site,
    });
    if (problem) return refuseForm(reply);
  });

  portal.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    // The token of this browser's cookie, in the form: a page of ours rendered it.
    if (!csrfTokenMatches(portalCookie(req), formOf(req)[CSRF_FIELD])) return refuseForm(reply);
  });

  portal.setNotFoundHandler(async (req, reply) => {
    reply.headers(PORTAL_SECURITY_HEADERS);
    return sendPage(reply, 404, messagePage(await currentFrame(deps, req), 'Page not found', 'There is no such page in the portal.', { href: '/portal/', label: 'Open the portal' }));
  });

  portal.setErrorHandler(async (err: FastifyError, req, reply) => {
    reply.headers(PORTAL_SECURITY_HEADERS);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own refusals: a body too large, not a form (415), a malformed one.
      const frame = { serverName: deps.ctx.serverName, csrf: '', user: null };
      return sendPage(reply, status, messagePage(frame, STATUS_CODES[status] ?? 'Bad request', 'The portal could not read this request.', { href: '/portal/', label: 'Open the portal' }));
    }
    // The route's pattern, never the URL, and the error's message: no value from the request.
    deps.logger(`Gatepass portal: ${req.method} ${req.routeOptions.url ?? '(no route)'} failed: ${err.message}`);
    const frame = { serverName: deps.ctx.serverName, csrf: '', user: null };
    return sendPage(reply, 500, messagePage(frame, 'Something went wrong', 'The portal could not complete this. Try again in a moment.', { href: '/portal/', label: 'Open the portal' }));
  });

  // The stylesheet: named by its content, so it may be cached for good (pages are never cached).
  portal.get(PORTAL_CSS_PATH.slice('/portal'.length), async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(PORTAL_CSS),
  );

  accountRoutes(portal, deps);
  signInRoutes(portal, deps);
  twoStepRoutes(portal, deps);
  phoneRoutes(portal, deps);
}

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { api, type RouteDef, type RouteName } from '../../shared/api/routes';
import { GatepassError, httpStatusFor, toErrorBody, type ErrorBody } from '../../shared/errors';
import type { Caller, ServiceContext } from '../context';
import { authenticateAdmin } from '../modules/admins/service';
import { authenticateComputer } from '../modules/computers/service';
import { authenticateAccount, authenticateUser, enrolmentOnly } from '../modules/sessions/service';
import { sha256Hex } from '../security/tokens';
import { portalPlugin } from '../portal/plugin';
import { buildOpenApi } from './openapi';
import { runWithSource } from './request-context';
import type { Handlers, RouteInput } from './route-handler';

export type { Handlers } from './route-handler';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook from the route's declared auth, before the body is read. */
    caller: Caller | null;
  }
}

/** Options for the HTTP app. */
export interface AppOptions {
  ctx: ServiceContext;
  handlers: Handlers;
  title: string;
  version: string;
  logger: (line: string) => void;
  /** Serve HTTPS with this certificate and key (PEM). */
  https?: { cert: string; key: string };
  /** Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); none by default. */
  trustedProxies?: readonly string[];
  /** Host header names accepted (DNS rebinding guard), any port; null accepts any host. */
  allowedHosts?: readonly string[] | null;
  /** Routes outside the JSON table (the QR image route), registered with the same error handling. */
  extraRoutes?: (app: FastifyInstance) => void;
}

// A batch of 10,000 items with long passwords is a few MB; anything far larger is not ours.
const BODY_LIMIT = 16 * 1024 * 1024;
/** Routes anyone may call (sign-ins, redemption): their bodies are a login and a secret, so 16 KiB is plenty. */
const OPEN_ROUTE_BODY_LIMIT = 16 * 1024;

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1] ?? null;
}

/** The caller a route's auth asks for, from the bearer token; throws AUTH_REQUIRED when there is none. */
async function authenticate(ctx: ServiceContext, need: RouteDef['auth'], req: FastifyRequest): Promise<Caller> {
  if (need === 'none') return { kind: 'none' };
  const token = bearer(req);
  if (need === 'computer') {
    // The agent's credential, from its agent file: checked on every call, so a revoked computer stops at once.
    const computer = token ? await authenticateComputer(ctx, token) : null;
    if (computer) return computer;
    throw new GatepassError('AUTH_REQUIRED', "This computer's agent credential is not valid (unknown, or the computer was revoked): register the computer again");
  }
  if (!token) throw new GatepassError('AUTH_REQUIRED', need === 'admin' ? 'Sign in as an administrator' : 'Sign in first');
  const caller =
    need === 'admin'
      ? await authenticateAdmin(ctx, token)
      : need === 'user'
        ? await authenticateUser(ctx, token)
        : await authenticateAccount(ctx, token, need === 'enrolling');
  if (caller) return caller;
  // An enrolment-only session (mandatory 2FA, grace period) used elsewhere: say what it is for.
  if (await enrolmentOnly(ctx, sha256Hex(token))) {
    throw new GatepassError('TOTP_ENROLMENT_REQUIRED', 'This server requires two-step verification: set it up first (this session may only enrol)');
  }
  throw new GatepassError('AUTH_REQUIRED', need === 'admin' ? 'Sign in as an administrator' : 'Sign in first');
}

/** The Host header's name, lowercased, without its port (IPv6 literals keep their brackets). */
function hostWithoutPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** Whether a parsed input holds U+0000 in any string, key or value, at any depth. */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) if (k.includes('\u0000') || holdsNul(v, depth + 1)) return true;
  return false;
}

function sendError(reply: FastifyReply, body: ErrorBody): FastifyReply {
  // A wait the server asks for (back-off after wrong codes) also goes where HTTP clients look (RFC 9110 §10.2.3).
  const wait = (body.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof wait === 'number' && Number.isFinite(wait)) reply.header('retry-after', String(Math.ceil(wait)));
  return reply.code(httpStatusFor(body.code)).send(body);
}

/**
 * The Fastify app, with every route registered from the shared table: auth per route,
 * params/query/body parsed with the route's zod schemas, errors as `{code, message, details?}`.
 */
export function buildApp(opts: AppOptions): FastifyInstance {
  // Fastify's own logger is off: it would log URLs and headers; we log one line per problem.
  const allowed = opts.allowedHosts ? new Set(opts.allowedHosts.map((h) => h.toLowerCase())) : null;
  // Fastify's overloads tell an HTTP server from an HTTPS one by the option's presence; both
  // serve the same app, so the instance is used as the plain type.
  const create = Fastify as unknown as (o: Record<string, unknown>) => FastifyInstance;
  const app = create({
    ...(opts.https ? { https: opts.https } : {}),
    // Only a listed proxy's X-Forwarded-For decides request.ip (per-source limits, the audit).
    trustProxy: opts.trustedProxies && opts.trustedProxies.length > 0 ? [...opts.trustedProxies] : false,
    logger: false,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    // The router's own refusals (an address with a broken percent escape, say) come before any
    // hook or error handler: answer them in our shape with a stable code too.
    frameworkErrors: (err: { code?: string }, _req: FastifyRequest, reply: FastifyReply) => {
      void sendError(reply, { code: 'VALIDATION_FAILED', message: err.code === 'FST_ERR_BAD_URL' ? 'The address is not a valid URL' : 'The address could not be read (a part of it too long?)' });
    },
  });

  // Our JSON parser accepts an empty body (a POST with no payload) and reports bad JSON in our shape.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, raw, done) => {
    const text = typeof raw === 'string' ? raw : raw.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new GatepassError('VALIDATION_FAILED', 'The request body is not valid JSON'), undefined);
    }
  });

  app.addHook('onSend', async (_req, reply) => {
    // Answers carry tokens and credentials: no cache may keep them. (The portal's stylesheet,
    // named by its content, is the one answer that says otherwise.)
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof GatepassError) return sendError(reply, err.toBody());
    const body = toErrorBody(err);
    if (body.code !== 'INTERNAL') return sendError(reply, body);
    const status = (err as { statusCode?: unknown }).statusCode;
    if ((err as { code?: unknown }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this route accepts' });
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own request errors (too large, unsupported media type, bad URL).
      return sendError(reply, { code: 'VALIDATION_FAILED', message: err instanceof Error ? err.message : 'Bad request' });
    }
    opts.logger(`Gatepass server error: ${err instanceof Error ? err.message : String(err)}`);
    return sendError(reply, body);
  });

  app.decorateRequest('caller', null);
  // First of all: the rest of the request runs knowing its client's address (audit, limits).
  app.addHook('onRequest', (req, _reply, done) => runWithSource(req.ip, done));
  if (allowed) {
    // DNS rebinding: a page on evil.example whose name is made to point at 127.0.0.1 reaches
    // us with its own name in Host. Only the names this server is known by are answered.
    app.addHook('onRequest', async (req, reply) => {
      const host = hostWithoutPort(req.headers.host ?? '');
      if (!allowed.has(host)) return sendError(reply, { code: 'HOST_NOT_ALLOWED', message: `This server does not answer to the name ${JSON.stringify(host.slice(0, 100))}` });
    });
  }
  app.setNotFoundHandler((_req, reply) => sendError(reply, { code: 'NOT_FOUND', message: 'No such endpoint' }));

  for (const name of Object.keys(api) as RouteName[]) {
    const route: RouteDef = api[name];
    // Widened once here; each handler's own signature is checked by the Handlers type.
    const handler = opts.handlers[name] as (input: RouteInput<RouteDef>) => Promise<unknown>;
    app.route({
      method: route.method,
      url: route.path,
      // Nobody is signed in yet on an open route: it reads no more than a sign-in needs.
      bodyLimit: route.auth === 'none' ? OPEN_ROUTE_BODY_LIMIT : BODY_LIMIT,
      // The caller is derived once, from the route's declared auth, before the body is parsed:
      // handlers receive it typed by that auth and never check it again.
      onRequest: async (req) => {
        req.caller = await authenticate(opts.ctx, route.auth, req);
      },
      handler: async (req) => {
        const caller = req.caller;
        if (!caller) throw new GatepassError('INTERNAL', 'The route ran without its auth hook');
        // PostgreSQL cannot store U+0000 in text (and no field of ours has a use for it): refuse it
        // here, in every input, rather than let it fail deep in a query as a 500.
        if (holdsNul(req.params) || holdsNul(req.query) || holdsNul(req.body)) {
          throw new GatepassError('VALIDATION_FAILED', 'Text must not contain the NUL character (U+0000)');
        }
        const params = route.params.parse(req.params ?? {});
        const query = route.query.parse(req.query ?? {});
        const body = route.body.parse(req.body ?? {});
        return handler({ params, query, body, caller, source: req.ip } as RouteInput<RouteDef>);
      },
    });
  }

  opts.extraRoutes?.(app);
  const openapi = buildOpenApi({ title: opts.title, version: opts.version });
  app.get('/api/openapi.json', async () => openapi);

  // The user portal: server-rendered pages over the same services, outside the REST table
  // (and so outside the OpenAPI document), with its own parsers, headers and 404 page.
  void app.register(portalPlugin, { prefix: '/portal', ctx: opts.ctx, logger: opts.logger });
  return app;
}

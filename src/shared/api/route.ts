import { z } from 'zod';
import { fieldLabel } from '../zod-messages';

/**
 * Who may call a route: nobody signed in; an administrator session; a user session (a device's
 * QR sign-in or a password sign-in); `account`: an administrator or a user signed in with their
 * password (and second factor), acting on their own account; `enrolling`: as `account`, or an
 * enrolment-only session (mandatory two-step verification, during its grace period);
 * `computer`: a registered computer's agent, with the credential of its agent file
 * (docs/agent-file.md) as the bearer token.
 */
export type RouteAuth = 'none' | 'admin' | 'user' | 'account' | 'enrolling' | 'computer';

/**
 * One REST route: method, path, who may call it, and the zod schemas of its inputs and
 * answer. The server registers handlers from these, the console's client calls through
 * them, and /api/openapi.json is generated from them.
 */
export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  A extends RouteAuth = RouteAuth,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify-style path under the server root, `:name` for parameters. */
  path: string;
  summary: string;
  auth: A;
  params: P;
  query: Q;
  body: B;
  response: R;
}

const none = z.object({}).strict();

/** `{ id }` path parameters. */
export const IdParams = z.object({ id: z.string().min(1).max(64) });

/** A query's point in time: a calendar day (its start, UTC) or an ISO date-time, as the ISO string the database compares. */
export const Instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: (iss) => `${fieldLabel(iss.path)} must be a date (YYYY-MM-DD) or an ISO date and time` })
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s).toISOString());

/** The answer of a route that only confirms. */
export const Ok = z.object({ ok: z.literal(true) });

/** A route definition; inputs that are left out accept nothing but `{}`. */
export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType, A extends RouteAuth>(
  def: Omit<RouteDef<P, Q, B, R, A>, 'params' | 'query' | 'body'> & { params?: P; query?: Q; body?: B },
): RouteDef<P, Q, B, R, A> {
  return {
    ...def,
    params: (def.params ?? none) as P,
    query: (def.query ?? none) as Q,
    body: (def.body ?? none) as B,
  };
}

import type { z } from 'zod';
import type { Api, RouteAuth, RouteDef } from '../../shared/api/routes';
import type { AccountCaller, AdminCaller, ComputerCaller, NoCaller, UserCaller } from '../context';

/** The caller a route's declared auth guarantees: the auth hook has already checked it. */
export type CallerFor<A extends RouteAuth> = A extends 'admin'
  ? AdminCaller
  : A extends 'user'
    ? UserCaller
    : A extends 'account' | 'enrolling'
      ? AccountCaller
      : A extends 'computer'
        ? ComputerCaller
        : NoCaller;

/** What a handler gets: the route's parsed inputs and the caller its auth established. */
export interface RouteInput<R extends RouteDef> {
  params: z.output<R['params']>;
  query: z.output<R['query']>;
  body: z.output<R['body']>;
  caller: CallerFor<R['auth']>;
  /** The client's address (the proxy's, unless the proxy is one of `trustedProxies`), for per-source limits. */
  source: string;
}

export type RouteHandler<R extends RouteDef> = (input: RouteInput<R>) => Promise<z.output<R['response']>>;

/** One handler per route of a (domain's) table; a missing route is a compile error. */
export type HandlersOf<T extends Record<string, RouteDef>> = { [N in keyof T]: RouteHandler<T[N]> };

/** Every route's handler. */
export type Handlers = HandlersOf<Api>;

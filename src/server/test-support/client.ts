import { z } from 'zod';
import { api, type RouteName, type RouteResponse } from '../../shared/api/routes';
import { ErrorBodySchema, type ErrorBody } from '../../shared/errors';

/** A test's view of one HTTP answer: status plus the parsed body. */
export type Answer<N extends RouteName> =
  | { status: number; ok: true; body: RouteResponse<N>; error: null }
  | { status: number; ok: false; body: ErrorBody; error: ErrorBody };

/**
 * Calls a route of the shared table over real HTTP and checks the answer against the
 * route's response schema (or the error shape), so every test also checks the contract.
 * Inputs are sent as given, not pre-validated, so tests can send bad input on purpose.
 */
export async function call<N extends RouteName>(
  baseUrl: string,
  name: N,
  input: { params?: Record<string, string>; query?: Record<string, string | number | undefined>; body?: unknown; headers?: Record<string, string> } = {},
  token?: string,
): Promise<Answer<N>> {
  const route = api[name];
  const path = route.path.replace(/:([A-Za-z_]\w*)/g, (_m, key: string) => encodeURIComponent(input.params?.[key] ?? ''));
  const pairs = Object.entries(input.query ?? {}).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]]));
  const qs = new URLSearchParams(pairs).toString();
  const headers: Record<string, string> = { ...input.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  const hasBody = input.body !== undefined;
  if (hasBody) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}${qs ? `?${qs}` : ''}`, {
    method: route.method,
    headers,
    body: hasBody ? JSON.stringify(input.body) : undefined,
  });
  const json: unknown = await res.json();
  if (res.status === 200) {
    const parsed = (route.response as z.ZodType).safeParse(json);
    if (!parsed.success) throw new Error(`${name} answered outside its schema: ${z.prettifyError(parsed.error)}`);
    return { status: 200, ok: true, body: parsed.data as RouteResponse<N>, error: null };
  }
  const error = ErrorBodySchema.parse(json);
  return { status: res.status, ok: false, body: error, error };
}

/** The body of a successful answer, or a thrown error naming what came back instead. */
export function okBody<N extends RouteName>(answer: Answer<N>): RouteResponse<N> {
  if (!answer.ok) throw new Error(`Expected 200, got ${answer.status} ${answer.error.code}: ${answer.error.message}`);
  return answer.body;
}

/** Every user's id in the list's default order, a page of 500 at a time. */
export async function allUserIds(url: string, token: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = okBody(await call(url, 'listUsers', { query: { offset, limit: 500 } }, token));
    ids.push(...page.items.map((u) => u.id));
    if (page.items.length < 500) return ids;
  }
}

import { z } from 'zod';
import { api, type RouteDef } from '../../shared/api/routes';
import { ErrorBodySchema } from '../../shared/errors';

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // OpenAPI 3.1 speaks JSON Schema 2020-12, zod's default target; refinements that JSON
  // Schema cannot express are left out rather than failing the whole document.
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parameters(schema: z.ZodType, where: 'path' | 'query'): JsonSchema[] {
  const json = toSchema(schema, 'input');
  const props = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: s }));
}

/** The OpenAPI 3.1 document for every route in the shared table. */
export function buildOpenApi(info: { title: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [name, def] of Object.entries(api)) {
    const route = def as RouteDef;
    const path = route.path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
    const body = toSchema(route.body, 'input');
    const hasBody = route.method !== 'GET' && route.method !== 'DELETE' && Object.keys((body.properties as object | undefined) ?? {}).length > 0;
    const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    const op: JsonSchema = {
      operationId: name,
      summary: route.summary,
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: toSchema(route.response, 'output') } } },
        default: errorResponse,
      },
      ...(hasBody ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
      ...(route.auth === 'none' ? { security: [] } : { security: [{ bearer: [] }] }),
      'x-gatepass-auth': route.auth,
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Admin or device session token' } },
      schemas: { Error: toSchema(ErrorBodySchema, 'output') },
    },
  };
}

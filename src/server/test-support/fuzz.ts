import fc from 'fast-check';
import { z } from 'zod';

/** Runs per property: at least 200 (issue 12, point 7); FUZZ_RUNS raises it for a longer campaign. */
export const FUZZ_RUNS = Math.max(200, Number(process.env.FUZZ_RUNS ?? 200) || 200);

type JsonSchema = Record<string, unknown>;

/** Strings that have broken parsers and queries before: empty, huge, control and bidi characters, SQL and path tricks. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u202e',
  '\u200b',
  '%',
  '_',
  "'",
  '"',
  '\\',
  '../../etc/passwd',
  "' or 1=1 --",
  '${7*7}',
  '<script>alert(1)</script>',
  'NaN',
  '-1',
  '1e308',
  '9'.repeat(40),
  'x'.repeat(5000),
  '\ud800',
  '2026-02-30',
  'null',
];

/** Any string, weighted towards the nasty ones. */
export function nastyString(): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) }, { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS) });
}

/** Any JSON value, including the awkward ones (deep nesting, huge numbers, nasty strings). */
export function anyJson(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    nastyString(),
    fc.constantFrom(null, true, 0, -0, Number.MAX_SAFE_INTEGER, 1e308, [], {}),
  );
}

/**
 * Values shaped by a JSON Schema (zod's z.toJSONSchema of a route's input), so most inputs get
 * past validation and reach the code behind it; every so often a field is replaced with
 * anything at all, so the boundaries are hit too.
 */
export function fromJsonSchema(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const shaped = shapedBy(schema, depth);
  return fc.oneof({ weight: 5, arbitrary: shaped }, { weight: 1, arbitrary: anyJson() });
}

function shapedBy(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant(null);
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((s) => fromJsonSchema(s, depth + 1)));
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  switch (schema.type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, s] of Object.entries(props)) record[key] = fromJsonSchema(s, depth + 1);
      const keys = Object.keys(record);
      return fc.record(record, { requiredKeys: keys.filter((k) => required.has(k)) });
    }
    case 'array':
      return fc.array(fromJsonSchema((schema.items ?? {}) as JsonSchema, depth + 1), { maxLength: 12 });
    case 'string': {
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : 200;
      return fc.oneof(fc.string({ maxLength: Math.min(max + 2, 300) }), fc.constantFrom(...NASTY_STRINGS), fc.uuid());
    }
    case 'integer':
      return fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.integer());
    case 'number':
      return fc.double();
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return anyJson();
  }
}

/** A route input's JSON Schema, as the OpenAPI document describes it. */
export function inputSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** The string with lone surrogates replaced by U+FFFD (String.prototype.toWellFormed, for Node 20's lib). */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Percent sequences no decoder accepts (bad UTF-8, truncated escapes), sent raw in a path. */
export const BROKEN_PERCENT = ['%', '%zz', '%ED%A0%80', '%FF%FE', '%E0%A4%A'] as const;

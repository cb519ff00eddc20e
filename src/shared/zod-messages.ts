import { z } from 'zod';

/**
 * Sentences for the schema failures an administrator can meet ("Minimum length must be at
 * least 8"), instead of zod's own wording ("Too small: expected number to be >=1"). Schemas
 * that know better give their own message; every other failure is worded here from its field
 * and its rule, so no form, channel or REST answer shows zod's developer text.
 */

type RawIssue = Parameters<NonNullable<z.core.$ZodConfig['customError']>>[0];

/**
 * What the console's forms call the fields an administrator types or picks. Any other field
 * only a program can send wrong, so it is named by its key (`userIds must be a list`), which
 * is what whoever fixes that program looks for.
 */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  minLength: 'Minimum length',
  maxLength: 'Maximum length',
  url: 'Server address',
  login: 'Login',
  password: 'Password',
  displayName: 'Display name',
  email: 'Email',
  name: 'Name',
  prefix: 'Prefix',
  postfix: 'Postfix',
  start: 'Start from',
  search: 'Search',
  csv: 'The file',
  passwords: 'The passwords',
  qrIssuedBefore: 'QR issued before',
  createdSince: 'Created since',
  from: 'From',
  to: 'To',
  actor: 'Administrator',
  target: 'User',
  action: 'Action',
};

/** The label of the field a path ends in: its last named key, as the forms call it (else the key itself). */
export function fieldLabel(path: readonly PropertyKey[] | undefined): string {
  const key = [...(path ?? [])].reverse().find((k): k is string => typeof k === 'string');
  if (!key) return 'The value';
  return FIELD_LABELS[key] ?? key;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'yes or no',
  array: 'a list',
  object: 'a set of fields',
  date: 'a date',
};

const FORMAT_WORDS: Readonly<Record<string, string>> = {
  url: 'a web address starting with http:// or https://',
  email: 'an email address',
  date: 'a date (YYYY-MM-DD)',
  datetime: 'a date and time',
  uuid: 'an identifier',
};

function plural(n: number | bigint, one: string, many: string): string {
  return `${n.toString()} ${Number(n) === 1 ? one : many}`;
}

/** How many of what a sized value holds: characters of text, items of a list. */
function unitOf(origin: string | undefined, n: number | bigint): string | null {
  switch (origin) {
    case 'string':
      return plural(n, 'character', 'characters');
    case 'array':
    case 'set':
      return plural(n, 'item', 'items');
    case 'map':
      return plural(n, 'entry', 'entries');
    case 'file':
      return plural(n, 'byte', 'bytes');
    default:
      return null;
  }
}

/**
 * One sentence for one schema failure, naming the field by its label. Used as zod's global
 * `customError`, so it words only the failures a schema did not give a message of its own.
 */
export function humanZodMessage(issue: RawIssue): string {
  const label = fieldLabel(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return `${label} is required`;
      return `${label} must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const unit = unitOf(issue.origin, issue.minimum);
      if (unit && Number(issue.minimum) === 1 && issue.inclusive !== false) {
        return issue.origin === 'string' ? `${label} is required` : `${label} must not be empty`;
      }
      if (issue.exact) return `${label} must be exactly ${unit ?? issue.minimum.toString()}`;
      if (unit) return `${label} must have at least ${unit}`;
      return issue.inclusive === false ? `${label} must be more than ${issue.minimum.toString()}` : `${label} must be at least ${issue.minimum.toString()}`;
    }
    case 'too_big': {
      const unit = unitOf(issue.origin, issue.maximum);
      if (issue.exact) return `${label} must be exactly ${unit ?? issue.maximum.toString()}`;
      if (unit) return `${label} must have at most ${unit}`;
      return issue.inclusive === false ? `${label} must be less than ${issue.maximum.toString()}` : `${label} must be at most ${issue.maximum.toString()}`;
    }
    case 'invalid_format':
      return `${label} must be ${FORMAT_WORDS[issue.format] ?? 'in the expected form'}`;
    case 'not_multiple_of':
      return `${label} must be a multiple of ${issue.divisor.toString()}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `${label} must be ${String(issue.values[0])}`
        : `${label} must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `Unknown ${issue.keys.length === 1 ? 'field' : 'fields'}: ${issue.keys.join(', ')}`;
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
    default:
      return `${label} is not valid`;
  }
}

/** Installs {@link humanZodMessage} as zod's global wording (idempotent; schema messages still win). */
export function installZodMessages(): void {
  z.config({ customError: humanZodMessage });
}

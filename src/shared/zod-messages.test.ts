import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { api } from './api/routes';
import { formatZodError } from './errors';
import { contract } from './ipc/contract';
import { PasswordPolicySchema, PolicyUpdateSchema, DEFAULT_PASSWORD_POLICY } from './model/password-policy';
import { fieldLabel } from './zod-messages';

/** The one line an administrator is shown for input a schema refuses. */
function shown(schema: z.ZodType, value: unknown): string {
  const r = schema.safeParse(value);
  if (r.success) throw new Error('expected the schema to refuse the value');
  return formatZodError(r.error);
}

describe('schema failures read as sentences', () => {
  it('says what is wrong with the password policy in the words of the Settings form', () => {
    expect(shown(PolicyUpdateSchema, { ...DEFAULT_PASSWORD_POLICY, minLength: 5 })).toBe('Minimum length must be at least 8');
    expect(shown(PolicyUpdateSchema, { ...DEFAULT_PASSWORD_POLICY, minLength: 300 })).toBe('Minimum length must be at most 256');
    expect(shown(PolicyUpdateSchema, { ...DEFAULT_PASSWORD_POLICY, minLength: 40, maxLength: 20 })).toBe('Minimum length must not exceed maximum length');
    expect(shown(PasswordPolicySchema, { ...DEFAULT_PASSWORD_POLICY, maxLength: 0 })).toBe('Maximum length must be at least 1');
    expect(shown(PasswordPolicySchema, { ...DEFAULT_PASSWORD_POLICY, maxLength: 12.5 })).toBe('Maximum length must be a whole number');
    // A checkbox an administrator cannot get wrong is named by its key, for whoever fixes the program that sent it.
    expect(shown(PasswordPolicySchema, { ...DEFAULT_PASSWORD_POLICY, requireDigit: 'yes' })).toBe('requireDigit must be yes or no');
    // The channel the Settings form calls says the same, whatever wraps the policy.
    expect(shown(contract['policy:set'].input, { serverId: 's', policy: { ...DEFAULT_PASSWORD_POLICY, minLength: 1 } })).toBe('Minimum length must be at least 8');
  });

  it('words the Add server form the way its labels read', () => {
    const add = contract['servers:add'].input;
    const ok = { url: 'https://gatepass.example', login: 'admin', password: 'x' };
    expect(shown(add, { ...ok, url: 'ftp://gatepass.example' })).toBe('Server address must be a web address starting with http:// or https://');
    expect(shown(add, { ...ok, name: 'n'.repeat(101) })).toBe('Name must have at most 100 characters');
    expect(shown(add, { ...ok, login: '  ' })).toBe('Login is required');
    expect(shown(add, { ...ok, password: undefined })).toBe('Password is required');
  });

  it('keeps the messages schemas give themselves, and names the list item a failure is about', () => {
    expect(shown(api.createUser.body, { login: 'a\u0007b' })).toBe('Login must not contain invisible, control or text-direction characters');
    expect(shown(api.createUser.body, { login: 'ok', email: 'not-an-address' })).toBe('Not a valid email address');
    const rows = z.array(z.object({ login: z.string().min(1) }));
    expect(shown(rows, [{ login: 'a' }, { login: 'b' }, { login: '' }])).toBe('Login is required (item 3)');
    expect(shown(api.listAudit.query, { from: 'last tuesday' })).toBe('From must be a date (YYYY-MM-DD) or an ISO date and time');
  });

  it('never shows zod’s own wording for the inputs of any console channel', () => {
    // A wrong type in every field of every channel: each message names a field in plain words.
    for (const [name, ch] of Object.entries(contract)) {
      const shape = (ch.input as unknown as { shape?: Record<string, unknown> }).shape;
      if (!shape) continue;
      const bad = Object.fromEntries(Object.keys(shape).map((k) => [k, Symbol('bad')]));
      const r = ch.input.safeParse(bad);
      if (r.success) continue;
      for (const issue of r.error.issues) {
        expect(issue.message, `${name}: ${issue.path.join('.')}`).not.toMatch(/^(Too small|Too big|Invalid input|Invalid option|Invalid string|Unrecognized key)/);
      }
    }
  });

  it('names form fields by their labels and other fields by their keys', () => {
    expect(fieldLabel(['qrIssuedBefore'])).toBe('QR issued before');
    expect(fieldLabel(['policy', 'minLength'])).toBe('Minimum length');
    expect(fieldLabel(['userIds', 3])).toBe('userIds');
    expect(fieldLabel([])).toBe('The value');
  });
});

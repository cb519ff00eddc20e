import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Card } from '../../src/main/services/export/pdf/cards';
import { encodeSigninPayload } from '../../src/shared/qr-payload';

/** What the save child is asked to save, and where. */
export const SaveChildArgsSchema = z.object({
  path: z.string().min(1),
  format: z.enum(['pdf', 'zip']),
  includeConfig: z.boolean(),
  users: z.number().int().min(1).max(60_000),
  seed: z.string().min(1),
});
export type SaveChildArgs = z.infer<typeof SaveChildArgsSchema>;

export const CRASH_SERVER_URL = 'https://crash.gatepass.test';
const ISSUED_AT = '2025-11-24T08:41:00.000Z';

/** The login of card `i` (file-name safe, so its ZIP entries are `<login>.pdf` and `<login>.usr`). */
export function crashLogin(i: number): string {
  return `user${String(i + 1).padStart(5, '0')}`;
}

/** The credential of a login under a seed: derived, so a checker can tell a .usr from another run's. */
export function crashCredential(seed: string, login: string): string {
  const h = (what: string) => createHash('sha256').update(`${seed}\0${login}\0${what}`).digest('base64url');
  return `${h('id').slice(0, 22)}.${h('secret')}`;
}

/** `users` issued cards with real sign-in payloads, the same for the same seed. */
export function crashCards(users: number, seed: string): Card[] {
  return Array.from({ length: users }, (_, i) => {
    const login = crashLogin(i);
    const payload = encodeSigninPayload({ server: CRASH_SERVER_URL, login, credential: crashCredential(seed, login), issuedAt: ISSUED_AT, expiresAt: null });
    return { login, displayName: `Crash User ${i + 1}`, serverName: 'Crash test', serverUrl: CRASH_SERVER_URL, status: 'ok', payload, issuedAt: ISSUED_AT, expiresAt: null };
  });
}

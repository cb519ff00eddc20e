import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/** argon2id cost: production uses OWASP's; tests may ask for a cheap one to stay fast. */
export type HashCost = 'production' | 'test';

// OWASP Password Storage Cheat Sheet, argon2id option 2: m=19 MiB, t=2, p=1.
const PRODUCTION = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
// For the test suite only: same algorithm and format, a fraction of the work.
const TEST = { memoryCost: 256, timeCost: 1, parallelism: 1 } as const;

// Algorithm is a `const enum` in the typings and absent at runtime; 2 is Argon2id.
const ARGON2ID = 2 as Algorithm.Argon2id;

/** Hashes and verifies passwords with argon2id; async, so the work runs on libuv's pool. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
  /** Spends the same time as a real verify, for logins that do not exist. */
  verifyDummy(password: string): Promise<void>;
}

/** Builds a hasher for the given cost; the dummy hash for unknown logins is made once. */
export function createPasswordHasher(cost: HashCost = 'production'): PasswordHasher {
  const params = { algorithm: ARGON2ID, ...(cost === 'test' ? TEST : PRODUCTION) };
  let dummy: Promise<string> | null = null;
  const hashPassword = (password: string) => hash(password, params);
  return {
    hash: hashPassword,
    async verify(hashed, password) {
      try {
        return await verify(hashed, password);
      } catch {
        // A malformed stored hash is a failed check, not a server error.
        return false;
      }
    },
    async verifyDummy(password) {
      dummy ??= hashPassword(randomBytes(16).toString('base64url'));
      await verify(await dummy, password).catch(() => false);
    },
  };
}

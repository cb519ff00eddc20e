import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/** argon2id cost: production uses OWASP's; tests may ask for a cheap one to stay fast. */
export type HashCost = 'production' | 'test';

// OWASP Password Storage Cheat Sheet lists five argon2id settings as equal defences
// (m=46 MiB t=1, m=19 MiB t=2, m=12 MiB t=3, m=9 MiB t=4, m=7 MiB t=5, all p=1). Hashing is
// memory-bound, so bulk issuing on a small server parallelises best with the smallest
// memory: measured on 2 vCPUs, m=7 MiB t=5 runs two hashes 1.8x as fast as one, against
// 1.5-1.6x for m=19 MiB t=2, and costs 3.3 ms a hash with both busy against 5.5 ms
// (bench/issuing.bench.ts). Hashes made with other settings still verify: the settings
// are stored in each hash.
const PRODUCTION = { memoryCost: 7_168, timeCost: 5, parallelism: 1 } as const;
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

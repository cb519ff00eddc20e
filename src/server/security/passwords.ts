import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import type { HashGate, HashPriority } from './hash-gate';

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

/** Checks a password against a stored hash. */
export interface PasswordCheck {
  verify(hashed: string, password: string): Promise<boolean>;
  /** A new hash, in the slot already held (changing a password after checking the current one). */
  hashInSlot(password: string): Promise<string>;
  /** Spends the same time as a real verify, for logins that do not exist. */
  verifyDummy(password: string): Promise<void>;
}

/**
 * Hashes and verifies passwords with argon2id; async, so the work runs on libuv's pool. With a
 * gate (the server's), every call waits for a slot, and a call of a person waiting may be
 * refused with SERVER_BUSY instead (hash-gate.ts); verifies always are such calls.
 */
export interface PasswordHasher extends Omit<PasswordCheck, 'hashInSlot'> {
  /** `batch` for an issuing run: it waits for a slot rather than being refused. */
  hash(password: string, priority?: HashPriority): Promise<string>;
  /**
   * Runs `work` holding one slot of the gate, or refuses with SERVER_BUSY before any of it runs.
   * A sign-in runs its limits (charged before the password is checked), its row and its verify
   * inside, so a busy server reads nothing, charges nothing and audits nothing. Inside, verify
   * with the `check` given (the slot's), never with the hasher: that would wait for a second slot.
   */
  withSlot<T>(work: (check: PasswordCheck) => Promise<T>): Promise<T>;
}

/** Builds a hasher for the given cost; the dummy hash for unknown logins is made once. */
export function createPasswordHasher(cost: HashCost = 'production', gate: HashGate | null = null): PasswordHasher {
  const params = { algorithm: ARGON2ID, ...(cost === 'test' ? TEST : PRODUCTION) };
  let dummy: Promise<string> | null = null;
  const gated = <T>(priority: HashPriority, work: () => Promise<T>): Promise<T> => (gate ? gate.run(priority, work) : work());
  // Made outside the gate: it is made once, and a refusal must not leave it a rejected promise.
  const dummyHash = () => (dummy ??= hash(randomBytes(16).toString('base64url'), params));
  /** The checks themselves, run in whatever slot the caller holds. */
  const direct: PasswordCheck = {
    async verify(hashed, password) {
      try {
        return await verify(hashed, password);
      } catch {
        // A malformed stored hash is a failed check, not a server error.
        return false;
      }
    },
    async verifyDummy(password) {
      const fake = await dummyHash();
      await verify(fake, password).catch(() => false);
    },
    hashInSlot: (password) => hash(password, params),
  };
  return {
    hash: (password, priority = 'interactive') => gated(priority, () => hash(password, params)),
    verify: (hashed, password) => gated('interactive', () => direct.verify(hashed, password)),
    verifyDummy: (password) => gated('interactive', () => direct.verifyDummy(password)),
    withSlot: (work) => gated('interactive', () => work(direct)),
  };
}

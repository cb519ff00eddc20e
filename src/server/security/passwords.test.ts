import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from './passwords';

describe('password hashing', () => {
  it('uses argon2id at the OWASP parameters in production', async () => {
    const hasher = createPasswordHasher('production');
    const hashed = await hasher.hash('Harbour-Lights-42');
    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=7168,t=5,p=1\$/);
    expect(await hasher.verify(hashed, 'Harbour-Lights-42')).toBe(true);
    expect(await hasher.verify(hashed, 'harbour-lights-42')).toBe(false);
  });

  it('still verifies hashes made with the other OWASP setting (m=19 MiB, t=2)', async () => {
    const { hash } = await import('@node-rs/argon2');
    const older = await hash('Harbour-Lights-42', { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(older).toMatch(/m=19456,t=2,p=1/);
    expect(await createPasswordHasher('production').verify(older, 'Harbour-Lights-42')).toBe(true);
  });

  it('salts each hash, so equal passwords do not give equal hashes', async () => {
    const hasher = createPasswordHasher('test');
    expect(await hasher.hash('Same-Password-1')).not.toBe(await hasher.hash('Same-Password-1'));
  });

  it('treats a malformed stored hash as a failed check, not a crash', async () => {
    expect(await createPasswordHasher('test').verify('not-a-hash', 'anything')).toBe(false);
  });

  it('spends real argon2 work on unknown logins', async () => {
    const hasher = createPasswordHasher('production');
    const known = await hasher.hash('Harbour-Lights-42');
    await hasher.verifyDummy('warm-up'); // the dummy hash is made once
    // The fastest of several runs, so a busy machine does not decide the outcome.
    const fastest = async (fn: () => Promise<unknown>) => {
      let best = Infinity;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await fn();
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const real = await fastest(() => hasher.verify(known, 'wrong'));
    const dummy = await fastest(() => hasher.verifyDummy('wrong'));
    // Same parameters, same work: well within a factor of 3 either way (skipping it would be ~0 ms).
    expect(dummy).toBeGreaterThan(real / 3);
  });
});

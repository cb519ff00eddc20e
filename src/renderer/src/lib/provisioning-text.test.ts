import { afterEach, describe, expect, it } from 'vitest';
import { provisioningText } from './provisioning-text';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('the Provisioning column', () => {
  it('says none, pending until, provisioned on, expired, with the local time', () => {
    process.env.TZ = 'UTC';
    expect(provisioningText({ state: 'none', at: null })).toBe('none');
    expect(provisioningText({ state: 'pending', at: '2026-03-01T10:30:00.000Z' })).toBe('pending until 2026-03-01 10:30');
    expect(provisioningText({ state: 'provisioned', at: '2026-02-27T08:05:00.000Z' })).toBe('provisioned on 2026-02-27 08:05');
    expect(provisioningText({ state: 'expired', at: '2026-02-20T00:00:00.000Z' })).toBe('expired');
  });
});

import { describe, expect, it } from 'vitest';
import { channelDomains, contract } from './contract';

describe('the console contract composed of domain tables', () => {
  it('keeps every channel of every domain: no channel is claimed by two domains', () => {
    const names = Object.values(channelDomains).flatMap((d) => Object.keys(d));
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(contract).sort()).toEqual([...names].sort());
  });

  it('gives each domain table only channels named after it', () => {
    const prefixes = Object.values(channelDomains).map((d) => [...new Set(Object.keys(d).map((name) => name.split(':')[0]))]);
    for (const p of prefixes) expect(p).toHaveLength(1);
    expect(new Set(prefixes.flat()).size).toBe(prefixes.length);
  });
});

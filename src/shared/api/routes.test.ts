import { describe, expect, it } from 'vitest';
import { api, apiDomains } from './routes';

describe('the REST table composed of domain tables', () => {
  it('keeps every route of every domain: no name is claimed by two domains', () => {
    const names = Object.values(apiDomains).flatMap((d) => Object.keys(d));
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(api).sort()).toEqual([...names].sort());
  });

  it('gives each method and path to one route only', () => {
    const keys = Object.values(api).map((r) => `${r.method} ${r.path.replace(/:\w+/g, ':')}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoveryCodesText } from '../../../shared/recovery-codes';
import { createShownCodes, recoveryCodesFileName, SHOWN_CODES_TTL_MS } from './shown-codes';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-shown-codes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CODES = ['7K3M-Q9TD-ABCD-EFGH', 'JKMN-PQRS-TVWX-YZ01'];

describe('recovery codes held while they are shown', () => {
  it('names the file after the login and the server, safe on every system', () => {
    expect(recoveryCodesFileName('CORP\\A.Berg', 'Plant 9', new Date(2026, 2, 5))).toBe('gatepass-recovery-codes-corp_a.berg-plant-9-2026-03-05.txt');
  });

  it('writes the .txt where the host says, and forgets the codes after 30 minutes', async () => {
    let t = 1_000_000;
    const asked: string[] = [];
    const codes = createShownCodes({
      now: () => t,
      saveTarget: async (name, kind) => {
        asked.push(`${name} ${kind}`);
        return { kind: 'path', path: join(dir, name) };
      },
    });
    const shown = codes.hold({ codes: CODES, generatedAt: '2026-03-05T10:00:00.000Z', login: 'a.berg', serverName: 'Plant 9' });
    expect(shown).toMatchObject({ recoveryCodes: CODES, login: 'a.berg', serverName: 'Plant 9' });
    expect(shown.codesId).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const saved = await codes.save(shown.codesId);
    expect(asked).toEqual([`${recoveryCodesFileName('a.berg', 'Plant 9', new Date(t))} txt`]);
    if (saved.kind !== 'saved') throw new Error(saved.kind);
    expect(await readFile(saved.path, 'utf8')).toBe(recoveryCodesText({ serverName: 'Plant 9', login: 'a.berg', codes: CODES, generatedAt: '2026-03-05T10:00:00.000Z' }));

    t += SHOWN_CODES_TTL_MS;
    await expect(codes.save(shown.codesId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('writes nothing when the save dialog is cancelled', async () => {
    const codes = createShownCodes({ saveTarget: async () => ({ kind: 'cancelled' }) });
    const shown = codes.hold({ codes: CODES, generatedAt: '2026-03-05T10:00:00.000Z', login: 'a.berg', serverName: 'Plant 9' });
    expect(await codes.save(shown.codesId)).toEqual({ kind: 'cancelled' });
  });
});

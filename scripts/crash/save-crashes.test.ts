import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSaveJobs } from '../../src/main/services/export/save-job';
import { createJobStore } from '../../src/main/services/issuing/job-store';
import { crashCards } from './save-cards';
import { describeSaveFigures, runSaveCrashes, validateSave, VARIANTS } from './save-crashes';

const [PDF, ZIP] = VARIANTS;

/**
 * The short version of `npm run crash:save` (issue 12 point 9): the console's export service
 * killed with SIGKILL at 6 points spread over a save leaves the target absent or complete,
 * and the next save removes the temp files the kills left.
 */

const dir = mkdtempSync(join(tmpdir(), 'gp-crash-save-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function save(format: 'pdf' | 'zip', target: string, users: number, seed: string): Promise<void> {
  const jobs = createJobStore();
  const job = { jobId: 'j', serverId: 's', serverName: 'Crash test', serverUrl: 'https://crash.gatepass.test', createdAt: new Date().toISOString(), codes: [], cards: crashCards(users, seed), notIssued: [], cancelled: false };
  jobs.add(job);
  const saves = createSaveJobs({ jobs, saveTarget: async () => ({ kind: 'path', path: target }), onProgress: () => undefined });
  await saves.save({ jobId: 'j', format, includeConfig: format === 'zip', pageSize: 'A4', layout: 'single', omitBroken: false });
  jobs.close();
}

describe('the checker of a saved file', () => {
  it('accepts a complete PDF and refuses one cut short', async () => {
    const pdf = join(dir, 'whole.pdf');
    await save('pdf', pdf, 3, 's1');
    expect(validateSave(pdf, PDF, 3, 's1')).toBeNull();
    const cut = join(dir, 'cut.pdf');
    const bytes = readFileSync(pdf);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    expect(validateSave(cut, PDF, 3, 's1')).not.toBeNull();
  });

  it('accepts a complete ZIP, and refuses one cut short, one with a damaged entry and one of another run', async () => {
    const variant = ZIP;
    const zip = join(dir, 'whole.zip');
    await save('zip', zip, 3, 's2');
    expect(validateSave(zip, variant, 3, 's2')).toBeNull();
    const bytes = readFileSync(zip);
    const cut = join(dir, 'cut.zip');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    expect(validateSave(cut, variant, 3, 's2')).not.toBeNull();
    const damaged = join(dir, 'damaged.zip');
    const copy = Buffer.from(bytes);
    // A byte inside the first entry's data (after its 30-byte header and name): its CRC no longer matches.
    copy[200] = copy[200]! ^ 0xff;
    writeFileSync(damaged, copy);
    expect(validateSave(damaged, variant, 3, 's2')).toMatch(/unzip -t failed/);
    const other = join(dir, 'other.zip');
    copyFileSync(zip, other);
    expect(validateSave(other, variant, 3, 'another seed')).toMatch(/another user's sign-in/);
  });
});

describe('SIGKILL of the console during a save', () => {
  it('at 6 points spread over the save leaves no partial file, and no temp file once the next save ran', { timeout: 150_000 }, async () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const figures = await runSaveCrashes({ iterations: 6, users: 300, seed, maxMs: 140_000, calibrations: 1 });
    const report = describeSaveFigures(figures).join('\n');
    expect(figures.problems, report).toEqual([]);
    expect(figures.iterations, report).toBe(6);
    expect(figures.outcomes.partial, report).toBe(0);
    expect(figures.outcomes.absent + figures.outcomes.complete, report).toBe(6);
    // The kills did land inside saves: at least one left its temp file behind, for the next save to remove.
    expect(figures.tempLeftByKill, report).toBeGreaterThan(0);
    expect(figures.tempNotSwept, report).toBe(0);
    expect(figures.tempAfterFinalSave, report).toBe(0);
    expect(figures.strayFiles, report).toEqual([]);
  });
});

// `npm run crash:save`: SIGKILL of the console during a save, at random points, never leaves
// a partial file (issue 12 point 9). Each iteration starts the console's export service in a
// new process (save-child.ts: the job store and export:save's save job, saving to a path as
// after Electron's save dialog), waits for the save to start and kills the process at a point
// uniform over the save's duration (measured first, per format). Then the target must be
// absent or complete and valid (qpdf/pdfinfo for the PDF; unzip -t, every entry read and every
// .usr matched to its card for the ZIP), no other file may look like it, and the temp file a
// killed save leaves must be removed by the next save into the folder.
//   npm run crash:save -- [--iterations 100] [--users 3000] [--seed N] [--max-minutes 30]
// Prints the figures and, last, one JSON line. Exit 0 when every property held.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { decodeUsrConfig } from '../../src/shared/usr-config';
import { argValue, deadline, deciles, median, seededRandom, spread, startChild, stratifiedPoints } from './common';
import { crashCredential, crashLogin, type SaveChildArgs } from './save-cards';

/** The two kinds of file a save writes: one PDF, or a ZIP of a PDF and a .usr per user. */
export const VARIANTS = [
  { name: 'pdf', ext: 'pdf', format: 'pdf', includeConfig: false },
  { name: 'zip', ext: 'zip', format: 'zip', includeConfig: true },
] as const;
type Variant = (typeof VARIANTS)[number];

export interface SaveCrashOptions {
  iterations: number;
  /** Cards per save: enough that a save takes a few seconds. */
  users: number;
  seed: number;
  /** The whole run's budget, calibration included. */
  maxMs: number;
  /** Whole saves timed per format before the kills (the median is the save's duration); default 2. */
  calibrations?: number;
  log?: (line: string) => void;
}

export type SaveOutcome = 'absent' | 'complete' | 'partial';

export interface SaveCrashFigures {
  iterations: number;
  users: number;
  seed: number;
  /** Median save duration per format (SAVING to SAVED), in ms. */
  saveMs: Record<string, number>;
  /** Where each kill landed, as a fraction of its format's save duration. */
  killFractions: number[];
  killMs: number[];
  outcomes: Record<SaveOutcome, number>;
  /** Kills that came after the save had already finished (outcome complete). */
  finishedBeforeKill: number;
  /** Kills that left the save's temp file behind (killed mid-write). */
  tempLeftByKill: number;
  /** Temp files of earlier killed saves still there after a later save had started writing (must be 0). */
  tempNotSwept: number;
  /** Temp files left after one more complete save at the end (must be 0). */
  tempAfterFinalSave: number;
  /** Files in the folder other than complete targets and temp files (must be 0). */
  strayFiles: string[];
  problems: string[];
  elapsedMs: number;
}

const TEMP = /^\.gatepass-[0-9a-f]{8}-(\d+)-[0-9a-f]{16}\.tmp$/;

function runChild(args: SaveChildArgs) {
  return startChild(process.execPath, ['--import', 'tsx', join('scripts', 'crash', 'save-child.ts'), JSON.stringify(args)]);
}

/** Why a finished file is not the complete save of `users` cards, or null when it is. */
export function validateSave(file: string, variant: Variant, users: number, seed: string): string | null {
  if (variant.format === 'pdf') {
    const check = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
    if (check.status !== 0) return `qpdf --check failed (${check.status}): ${(check.stdout + check.stderr).slice(0, 300)}`;
    const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
    const pages = /Pages:\s+(\d+)/.exec(info.stdout)?.[1];
    if (info.status !== 0 || Number(pages) !== users) return `pdfinfo: ${pages ?? 'no'} pages, expected ${users}`;
    return null;
  }
  // unzip -t reads every entry and checks its CRC-32.
  const test = spawnSync('unzip', ['-tqq', file], { encoding: 'utf8' });
  if (test.status !== 0) return `unzip -t failed (${test.status}): ${(test.stdout + test.stderr).slice(0, 300)}`;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readFileSync(file));
  } catch (err) {
    return `the ZIP does not open: ${err instanceof Error ? err.message : String(err)}`;
  }
  const names = Object.keys(entries);
  if (names.length !== users * 2) return `${names.length} entries, expected ${users * 2}`;
  for (let i = 0; i < users; i++) {
    const login = crashLogin(i);
    const pdf = entries[`${login}.pdf`];
    const usr = entries[`${login}.usr`];
    if (!pdf || !usr) return `${login}: missing ${pdf ? '.usr' : '.pdf'}`;
    const text = Buffer.from(pdf);
    if (text.subarray(0, 5).toString() !== '%PDF-' || !text.subarray(-32).toString().includes('%%EOF')) return `${login}.pdf is not a whole PDF`;
    try {
      const config = decodeUsrConfig(Buffer.from(usr).toString('utf8'));
      if (config.login !== login || config.credential !== crashCredential(seed, login)) return `${login}.usr holds another user's sign-in`;
    } catch (err) {
      return `${login}.usr does not read: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return null;
}

/** Runs the whole experiment in a private folder under the OS temp folder, removed afterwards. */
export async function runSaveCrashes(opts: SaveCrashOptions): Promise<SaveCrashFigures> {
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const budget = deadline(opts.maxMs);
  const random = seededRandom(opts.seed);
  const cardSeed = `crash-${opts.seed}`;
  const root = mkdtempSync(join(tmpdir(), 'gatepass-crash-save-'));
  const folder = join(root, 'saves');
  mkdirSync(folder, { mode: 0o700 });
  const problems: string[] = [];
  const figures: SaveCrashFigures = {
    iterations: 0,
    users: opts.users,
    seed: opts.seed,
    saveMs: {},
    killFractions: [],
    killMs: [],
    outcomes: { absent: 0, complete: 0, partial: 0 },
    finishedBeforeKill: 0,
    tempLeftByKill: 0,
    tempNotSwept: 0,
    tempAfterFinalSave: 0,
    strayFiles: [],
    problems,
    elapsedMs: 0,
  };
  const argsFor = (variant: Variant, target: string): SaveChildArgs => ({ path: target, format: variant.format, includeConfig: variant.includeConfig, users: opts.users, seed: cardSeed });

  /** One save to the end: its duration, after checking the file it wrote. */
  async function completeSave(variant: Variant, target: string): Promise<number> {
    const child = runChild(argsFor(variant, target));
    try {
      const t0 = await child.waitFor(/SAVING/, Math.min(120_000, budget.left()));
      const t1 = await child.waitFor(/SAVED \d+/, Math.min(300_000, budget.left()));
      const why = validateSave(target, variant, opts.users, cardSeed);
      if (why) problems.push(`complete save of ${variant.name} is invalid: ${why}`);
      rmSync(target, { force: true });
      return t1 - t0;
    } finally {
      await child.kill();
    }
  }

  try {
    // Calibration: whole saves per format; the median is the duration kills are spread over.
    for (const variant of VARIANTS) {
      budget.check(`calibrating ${variant.name}`);
      const runs: number[] = [];
      for (let c = 0; c < (opts.calibrations ?? 2); c++) runs.push(await completeSave(variant, join(folder, `calibration-${c}.${variant.ext}`)));
      figures.saveMs[variant.name] = median(runs);
      log(`save of ${opts.users} cards as ${variant.name}: ${runs.map((r) => Math.round(r)).join(' ms, ')} ms`);
    }

    // Kill points per format, stratified over [0, 1) of that format's save duration.
    const perVariant = VARIANTS.map((_, v) => stratifiedPoints(Math.ceil((opts.iterations - v) / VARIANTS.length), random));
    let leftovers = new Set<string>();
    for (let i = 0; i < opts.iterations; i++) {
      budget.check(`iteration ${i + 1}`);
      const variant = VARIANTS[i % VARIANTS.length]!;
      const fraction = perVariant[i % VARIANTS.length]![Math.floor(i / VARIANTS.length)]!;
      const target = join(folder, `codes-${String(i + 1).padStart(3, '0')}.${variant.ext}`);
      const child = runChild(argsFor(variant, target));
      let killedAt: number;
      let finished = false;
      try {
        const t0 = await child.waitFor(/SAVING/, Math.min(120_000, budget.left()));
        const delay = fraction * figures.saveMs[variant.name]!;
        // A timer from the moment SAVING arrived; the child may finish first under load.
        const fire = t0 + delay;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, fire - performance.now()));
          void child.exited.then(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        finished = child.proc.exitCode !== null;
        killedAt = performance.now() - t0;
      } finally {
        await child.kill();
      }
      figures.killFractions.push(fraction);
      figures.killMs.push(killedAt);
      if (finished) figures.finishedBeforeKill++;

      const names = readdirSync(folder);
      const temps = names.filter((n) => TEMP.test(n));
      const mine = temps.filter((n) => TEMP.exec(n)?.[1] === String(child.proc.pid));
      if (mine.length > 0) figures.tempLeftByKill++;
      // Once this save wrote anything (its temp file or its target exists), it had swept the folder.
      const wrote = mine.length > 0 || names.includes(target.slice(folder.length + 1));
      if (wrote) {
        const notSwept = [...leftovers].filter((n) => names.includes(n));
        figures.tempNotSwept += notSwept.length;
        if (notSwept.length > 0) problems.push(`iteration ${i + 1}: temp files of killed saves still there after the next save started: ${notSwept.join(', ')}`);
        leftovers = new Set(mine);
      } else {
        for (const n of mine) leftovers.add(n);
      }

      let outcome: SaveOutcome = 'absent';
      if (existsSync(target)) {
        const why = validateSave(target, variant, opts.users, cardSeed);
        outcome = why ? 'partial' : 'complete';
        if (why) problems.push(`iteration ${i + 1} (${variant.name}, killed at ${Math.round(killedAt)} ms): ${why}`);
        else rmSync(target);
      }
      figures.outcomes[outcome]++;
      const stray = readdirSync(folder).filter((n) => !TEMP.test(n) && !(outcome === 'partial' && n === target.slice(folder.length + 1)));
      for (const n of stray) if (!figures.strayFiles.includes(n)) figures.strayFiles.push(n);
      figures.iterations++;
      if ((i + 1) % 10 === 0 || i + 1 === opts.iterations) {
        log(`${i + 1}/${opts.iterations}: absent ${figures.outcomes.absent}, complete ${figures.outcomes.complete}, partial ${figures.outcomes.partial}; temp files left by kills ${figures.tempLeftByKill}`);
      }
    }

    // One more save to the end: it must sweep whatever the last kills left.
    budget.check('the final save');
    await completeSave(VARIANTS[0], join(folder, 'final.pdf'));
    figures.tempAfterFinalSave = readdirSync(folder).filter((n) => n.endsWith('.tmp')).length;
    if (figures.tempAfterFinalSave > 0) problems.push(`${figures.tempAfterFinalSave} temp file(s) left after a complete save: ${readdirSync(folder).join(', ')}`);
    const rest = readdirSync(folder).filter((n) => !n.endsWith('.tmp'));
    for (const n of rest) if (!figures.strayFiles.includes(n)) figures.strayFiles.push(n);
    if (figures.strayFiles.length > 0) problems.push(`files that should not be there: ${figures.strayFiles.join(', ')}`);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    rmSync(root, { recursive: true, force: true });
    figures.elapsedMs = performance.now() - started;
  }
  return figures;
}

/** The figures as the report prints them. */
export function describeSaveFigures(f: SaveCrashFigures): string[] {
  return [
    `iterations: ${f.iterations} (${f.users} cards a save, alternately one PDF and a ZIP of a PDF and a .usr per user; seed ${f.seed})`,
    `save duration (median of the calibration saves): ${Object.entries(f.saveMs).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ')}`,
    `kill points, ms after the save started: ${spread(f.killMs)}`,
    `kill points by tenth of the save's duration: ${deciles(f.killFractions).join(' ')}`,
    `outcomes: absent ${f.outcomes.absent}, complete ${f.outcomes.complete} (of which finished before the kill: ${f.finishedBeforeKill}), partial ${f.outcomes.partial}`,
    `temp files: left by a kill ${f.tempLeftByKill}, still there once the next save had started ${f.tempNotSwept}, left after a final complete save ${f.tempAfterFinalSave}; other files in the folder: ${f.strayFiles.length}`,
    `elapsed: ${(f.elapsedMs / 1000).toFixed(1)} s`,
    f.problems.length === 0 ? 'PASS' : `FAIL:\n  ${f.problems.join('\n  ')}`,
  ];
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const argv = process.argv.slice(2);
  const figures = await runSaveCrashes({
    iterations: Number(argValue(argv, 'iterations') ?? 100),
    users: Number(argValue(argv, 'users') ?? 3000),
    seed: Number(argValue(argv, 'seed') ?? Math.floor(Math.random() * 2 ** 31)),
    maxMs: Number(argValue(argv, 'max-minutes') ?? 30) * 60_000,
    log: (line) => console.log(line),
  });
  for (const line of describeSaveFigures(figures)) console.log(line);
  const { killFractions: _f, killMs: _m, ...summary } = figures;
  console.log(JSON.stringify({ ...summary, killDeciles: deciles(figures.killFractions), killMs: spread(figures.killMs), pass: figures.problems.length === 0 }));
  process.exitCode = figures.problems.length === 0 ? 0 : 1;
}

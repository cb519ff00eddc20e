#!/usr/bin/env node
// `npm test`: every test, in the order that fails fastest: the Debian peers the tests need,
// type-checks of both configs, lint, the build the end-to-end tests drive, Vitest (unit and
// integration against SQLite, PostgreSQL and SMTP on loopback), then Playwright in Chromium.
// Ends with one plain line "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const reports = join(root, 'test-results');
mkdirSync(reports, { recursive: true });

function step(label, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${label}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`=== ${label}: FAILED after ${secs}s`);
    summary();
    process.exit(r.status ?? 1);
  }
  console.log(`=== ${label}: ok (${secs}s)`);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Adds up Vitest's and Playwright's JSON reports into the one closing line CI reads. */
function summary() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const v = readJson(join(reports, 'vitest.json'));
  if (v) {
    passed += v.numPassedTests ?? 0;
    failed += v.numFailedTests ?? 0;
    skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  }
  const p = readJson(join(reports, 'playwright.json'));
  if (p?.stats) {
    passed += (p.stats.expected ?? 0) + (p.stats.flaky ?? 0);
    failed += p.stats.unexpected ?? 0;
    skipped += p.stats.skipped ?? 0;
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}

if (process.platform === 'linux') step('system test tools', 'bash', [join(root, 'scripts', 'install-test-deps.sh')]);
// keytar (an optional dependency) builds against libsecret at install time. If setup ran
// before the step above installed libsecret, npm dropped it: install it now, without
// touching package.json or the lockfile, so the keychain tests use the real binding.
const keytarLoads = () => spawnSync(process.execPath, ['-e', "require('keytar')"], { cwd: root, stdio: 'ignore' }).status === 0;
if (process.platform === 'linux' && !keytarLoads()) {
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).optionalDependencies?.keytar;
  step('keychain binding (keytar)', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--no-save', '--no-audit', '--no-fund', `keytar@${version}`]);
}
step('typecheck (node side)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']);
step('typecheck (web side)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']);
step('lint', bin('eslint'), ['--max-warnings', '0', '.']);
step('build', bin('electron-vite'), ['build']);
step('unit and integration (vitest)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${join(reports, 'vitest.json')}`,
]);
if (!existsSync(join(root, 'out', 'renderer', 'index.html'))) {
  console.error('build output missing: out/renderer/index.html');
  process.exit(1);
}
step('end to end (playwright, chromium)', bin('playwright'), ['test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: join(reports, 'playwright.json') });
summary();

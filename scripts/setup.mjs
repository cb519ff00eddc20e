#!/usr/bin/env node
// One-step setup for a fresh clone, here and on an ordinary desktop:
//  1. install the npm dependencies with Electron's binary download switched off, because a
//     failed download makes npm roll back the whole install (shared/TOOLCHAIN.md);
//  2. then try the Electron binary on its own: where it cannot be had, say so in one line
//     and carry on (the console then runs in the browser host);
//  3. build main, preload, renderer and the CLI.
// Uses Node built-ins only: it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args, env = {}, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env }, shell: process.platform === 'win32', ...opts });
  return r.status ?? 1;
}

const installArgs = existsSync(join(root, 'package-lock.json')) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
console.log(`setup: npm ${installArgs[0]} (Electron binary download deferred)`);
if (run(npm, installArgs, { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }) !== 0) {
  console.error('setup: npm install failed (see above)');
  process.exit(1);
}

const electronInstall = join(root, 'node_modules', 'electron', 'install.js');
if (process.env.GATEPASS_SKIP_ELECTRON === '1' || process.env.CI === 'true') {
  console.log('setup: skipping the Electron binary (CI or GATEPASS_SKIP_ELECTRON=1); the console runs in the browser host');
} else if (existsSync(electronInstall)) {
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  const r = spawnSync(process.execPath, [electronInstall], { cwd: join(root, 'node_modules', 'electron'), env, stdio: 'pipe', timeout: 300_000 });
  if (r.status === 0) console.log('setup: Electron binary installed');
  else console.log('setup: Electron binary could not be downloaded here; `npm start` will serve the console in your browser instead');
}

console.log('setup: building');
if (run(npm, ['run', 'build']) !== 0) {
  console.error('setup: build failed (see above)');
  process.exit(1);
}
console.log('setup: done. Start the console with `npm start`; run every test with `npm test`.');

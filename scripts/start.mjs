#!/usr/bin/env node
// `npm start`: the console on the embedded local server. In Electron where its binary is
// installed; otherwise one line saying why, and the same UI through the browser host.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

if (!existsSync(join(root, 'out', 'main', 'cli.js')) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) {
  console.log('start: no build yet, building first');
  const r = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const electron = findElectronBinary();
const child = electron.path
  ? spawn(electron.path, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
  : (console.log(`Electron is not available: ${electron.reason}. Serving the console in your browser instead.`),
    spawn(process.execPath, [join(root, 'out', 'main', 'cli.js'), 'console', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' }));

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

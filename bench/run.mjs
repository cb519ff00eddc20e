#!/usr/bin/env node
// `npm run bench:export`: the two costs of issue 4 point 8, measured separately in one run:
// rendering (export.bench.mjs: QR + PDF + ZIP, no server, against the naive pipeline) and
// issuing (issuing.bench.ts: the server setting passwords and credentials, against
// users x one hash / cores). Each prints its figures; the last line is one JSON summary.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function run(args) {
  return new Promise((resolve, reject) => {
    const cp = spawn(process.execPath, args, { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    cp.stdout.on('data', (chunk) => {
      out += chunk.toString();
      process.stdout.write(chunk);
    });
    cp.on('error', reject);
    cp.on('exit', (code) => {
      const last = out.split('\n').filter((l) => l.trim() !== '').at(-1) ?? '';
      try {
        resolve({ code, summary: JSON.parse(last) });
      } catch {
        resolve({ code, summary: null });
      }
    });
  });
}

const rendering = await run(['--expose-gc', join(here, 'export.bench.mjs')]);
console.log('');
const issuing = await run(['--import', 'tsx', join(here, 'issuing.bench.ts')]);
const pass = Boolean(rendering.summary?.pass && issuing.summary?.pass);
console.log(JSON.stringify({ rendering: rendering.summary, issuing: issuing.summary, pass }));
process.exit(rendering.code === 0 && issuing.code === 0 ? 0 : 1);

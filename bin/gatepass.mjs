#!/usr/bin/env node
// The `gatepass` command: a thin launcher for the bundled CLI (out/main/cli.js).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Password hashing runs on libuv's thread pool, 4 threads unless told otherwise, which would cap
// `gatepass server` at 3 hashes at once on any machine (src/server/security/hash-gate.ts). libuv
// reads this when the pool is first used, which has not happened yet: a thread per core and two more.
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism() + 2));

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  console.error('gatepass: the CLI is not built yet. Run `npm run setup` first.');
  process.exit(1);
}
const { runCli } = await import(pathToFileURL(cli).href);
process.exitCode = await runCli(process.argv.slice(2));

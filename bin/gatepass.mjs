#!/usr/bin/env node
// The `gatepass` command: a thin launcher for the bundled CLI (out/main/cli.js).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  console.error('gatepass: the CLI is not built yet. Run `npm run setup` first.');
  process.exit(1);
}
const { runCli } = await import(pathToFileURL(cli).href);
process.exitCode = await runCli(process.argv.slice(2));

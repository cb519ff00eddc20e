import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatepassError } from '../../../../shared/errors';

let cached: string | null = null;

/** Where this module's code lives, whether it runs as ESM source (vitest, tsx) or bundled into out/main. */
function hereDir(): string {
  try {
    return path.dirname(fileURLToPath(import.meta.url));
  } catch {
    // A CommonJS bundle rewrites import.meta; fall back to the CJS global.
    return typeof __dirname === 'string' ? __dirname : process.cwd();
  }
}

function isGatepassRoot(dir: string): boolean {
  const pkg = path.join(dir, 'package.json');
  if (!existsSync(pkg)) return false;
  try {
    const parsed: unknown = JSON.parse(readFileSync(pkg, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'name' in parsed && parsed.name === 'gatepass';
  } catch {
    // An unreadable or broken package.json is not our root; keep walking up.
    return false;
  }
}

/**
 * The project's `assets/fonts` folder, found by walking up from this file to the
 * package.json named "gatepass". That works the same from src/ (tests), from the bundled
 * out/main/*.js and from a packaged app whose app.asar holds package.json and assets/.
 */
export function defaultFontDir(): string {
  if (cached) return cached;
  let dir = hereDir();
  for (;;) {
    if (isGatepassRoot(dir)) {
      cached = path.join(dir, 'assets', 'fonts');
      return cached;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new GatepassError('INTERNAL', 'Cannot find the Gatepass fonts folder (assets/fonts) from the application folder');
}

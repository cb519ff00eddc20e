import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/**
 * The app's version from package.json. Both src/main (tsx, tests) and out/main (the
 * bundle) sit two levels below the package root, so one relative path serves both.
 */
export function appVersion(): string {
  if (cached) return cached;
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    // Packaged layouts without a package.json next to the bundle still start.
    cached = '0.0.0';
  }
  return cached;
}

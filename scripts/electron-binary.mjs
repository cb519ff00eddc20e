// Where the Electron binary is, if this machine has one. Shared by start and test scripts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Path to the Electron executable, or null with the reason it is missing. */
export function findElectronBinary() {
  const pkgDir = join(root, 'node_modules', 'electron');
  if (!existsSync(pkgDir)) return { path: null, reason: 'the electron package is not installed' };
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return { path: null, reason: "its binary was not downloaded, which happens where it cannot be fetched" };
  const bin = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(bin)) return { path: null, reason: `its binary is missing at ${bin}` };
  return { path: bin, reason: null };
}

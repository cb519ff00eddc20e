import { expect } from '@playwright/test';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_PASSWORD, cli, root, type Stack } from './support';
import { zbarRead } from '../src/test-support/zbar';

/**
 * What other people and programs do to a server while an administrator watches it in the
 * console, with the project's own `gatepass` command: issue codes (as a script would), sign
 * in as a device with the text a camera read, import users.
 */

/** `gatepass <args>` with the admin password on stdin. */
export function gatepass(args: string[], input = `${ADMIN_PASSWORD}\n`): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input });
}

/**
 * Issues codes for these logins with `gatepass export` (one PDF), and returns the text of every
 * code that decodes, by login (a broken card has none). Exit 0, or 3 when some were refused.
 */
export function issueCodes(stack: Stack, logins: readonly string[], mode: string[], name: string): Map<string, string> {
  const pdf = join(stack.work, `${name}.pdf`);
  const res = gatepass(['export', '--server', stack.serverUrl, '--login', 'admin', '--password-stdin', '--users', logins.join(','), ...mode, '--out', pdf]);
  expect([0, 3], res.stderr).toContain(res.status);
  execFileSync('pdftoppm', ['-r', '150', '-png', pdf, join(stack.work, name)]);
  const codes = new Map<string, string>();
  for (const png of readdirSync(stack.work).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))) {
    const text = zbarRead(join(stack.work, png));
    if (text === null) continue; // a broken card: drawn so no scanner reads it
    codes.set((JSON.parse(text) as { l: string }).l, text);
  }
  return codes;
}

/** `gatepass export` options for one password for everyone, read from a file (never on the command line). */
export function samePassword(stack: Stack, password: string): string[] {
  const file = join(stack.work, 'password.txt');
  writeFileSync(file, `${password}\n`);
  return ['--mode', 'same', '--password-file', file];
}

/** A device signs in with the text of a sign-in QR code. */
export function deviceSignin(qrText: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, 'device', 'signin', '--qr-text', qrText], { cwd: root, encoding: 'utf8' });
}

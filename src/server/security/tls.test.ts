import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTls, selfSignedTls, spkiPin } from './tls';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'gatepass-tls-'));
  dirs.push(d);
  return d;
}

/** A file as a start killed between writing and renaming leaves it, last changed `ageMs` ago. */
function leftOver(path: string, ageMs: number): void {
  writeFileSync(path, '-----BEGIN PRIVATE KEY-----\nhalf', { mode: 0o600 });
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(path, t, t);
}

describe('self-signed TLS material', () => {
  it('removes the temporary key a killed first start left, keeps a write under way, and keeps the pin across starts', () => {
    const dir = folder();
    const cert = join(dir, 'tls-cert.pem');
    const key = join(dir, 'tls-key.pem');
    leftOver(`${key}.0123456789ab.tmp`, 10 * 60_000);
    leftOver(`${cert}.ba9876543210.tmp`, 10 * 60_000);
    leftOver(`${key}.aaaaaaaaaaaa.tmp`, 0);
    const made = selfSignedTls(cert, key, ['127.0.0.1', 'gatepass.example.org']);
    expect(made.created).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['tls-cert.pem', 'tls-key.pem', 'tls-key.pem.aaaaaaaaaaaa.tmp']);
    if (process.platform !== 'win32') expect(statSync(key).mode & 0o777).toBe(0o600);
    const again = selfSignedTls(cert, key, ['127.0.0.1']);
    expect(again.created).toBe(false);
    expect(readTls(cert, key).pin).toBe(made.pin);
    expect(spkiPin(made.cert)).toBe(made.pin);
    expect(existsSync(`${key}.0123456789ab.tmp`)).toBe(false);
  });
});

import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatepassError } from '../../shared/errors';
import { createSecretBox, keyIdOf, loadKeyFile, newSecretKey, parseKeyList } from './secret-box';

const dir = mkdtempSync(join(tmpdir(), 'gp-secret-box-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keyA = newSecretKey();
const keyB = newSecretKey();
const secret = Buffer.from('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof GatepassError ? err.code : 'NOT_A_GATEPASS_ERROR';
  }
  return undefined;
}

describe('secret box (AES-256-GCM under keys outside the database)', () => {
  it('seals to a value that names its key and holds nothing of the secret, and opens it again', () => {
    const box = createSecretBox(parseKeyList(keyA, 'test'));
    const sealed = box.seal(secret, 'totp:user:u1');
    expect(sealed).toMatch(/^gp1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(box.keyIdOf(sealed)).toBe(box.currentKeyId);
    expect(box.currentKeyId).toBe(keyIdOf(Buffer.from(keyA, 'base64')));
    expect(sealed).not.toContain(secret.toString());
    expect(sealed).not.toContain(secret.toString('base64url'));
    expect(box.open(sealed, 'totp:user:u1').toString()).toBe(secret.toString());
    // A fresh nonce each time: sealing twice never gives the same value.
    expect(box.seal(secret, 'totp:user:u1')).not.toBe(sealed);
  });

  it('will not open a value moved to another account or altered by one character', () => {
    const box = createSecretBox(parseKeyList(keyA, 'test'));
    const sealed = box.seal(secret, 'totp:user:u1');
    expect(codeOf(() => box.open(sealed, 'totp:user:u2'))).toBe('TWO_STEP_UNAVAILABLE');
    const last = sealed.at(-1) === 'A' ? 'B' : 'A';
    expect(codeOf(() => box.open(`${sealed.slice(0, -1)}${last}`, 'totp:user:u1'))).toBe('TWO_STEP_UNAVAILABLE');
    expect(codeOf(() => box.open('not sealed', 'totp:user:u1'))).toBe('TWO_STEP_UNAVAILABLE');
  });

  it('rotates: a new current key seals, the old one still opens, and a box without the old key refuses by name', () => {
    const old = createSecretBox(parseKeyList(keyA, 'test'));
    const sealedOld = old.seal(secret, 'ctx');
    const rotated = createSecretBox(parseKeyList(`${keyB},${keyA}`, 'test'));
    expect(rotated.currentKeyId).toBe(keyIdOf(Buffer.from(keyB, 'base64')));
    expect(rotated.keyIds).toEqual([rotated.currentKeyId, old.currentKeyId]);
    expect(rotated.open(sealedOld, 'ctx').toString()).toBe(secret.toString());
    expect(rotated.keyIdOf(rotated.seal(secret, 'ctx'))).toBe(rotated.currentKeyId);
    const newOnly = createSecretBox(parseKeyList(keyB, 'test'));
    let message = '';
    try {
      newOnly.open(sealedOld, 'ctx');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(old.currentKeyId);
  });

  it('derives a key per purpose (HKDF): not the sealing key, not another label\'s, the same for every replica, per key id after rotation', () => {
    const box = createSecretBox(parseKeyList(keyA, 'test'));
    const otp = box.deriveKey('email-otp hmac v1');
    expect(otp?.keyId).toBe(box.currentKeyId);
    expect(otp?.key).toHaveLength(32);
    expect(otp?.key.equals(Buffer.from(keyA, 'base64'))).toBe(false);
    expect(box.deriveKey('another purpose')?.key.equals(otp!.key)).toBe(false);
    // A replica given the same key derives the same key (RFC 5869 is deterministic).
    expect(createSecretBox(parseKeyList(keyA, 'test')).deriveKey('email-otp hmac v1')?.key.equals(otp!.key)).toBe(true);
    const rotated = createSecretBox(parseKeyList(`${keyB},${keyA}`, 'test'));
    expect(rotated.deriveKey('email-otp hmac v1')?.keyId).toBe(rotated.currentKeyId);
    expect(rotated.deriveKey('email-otp hmac v1', box.currentKeyId)?.key.equals(otp!.key)).toBe(true);
    expect(createSecretBox(parseKeyList(keyB, 'test')).deriveKey('email-otp hmac v1', box.currentKeyId)).toBeNull();
  });

  it('reads key lists separated by commas, spaces or lines, with comments, and names a bad entry without echoing it', () => {
    expect(parseKeyList(`# comment\n${keyA}\n\n${keyB}\n`, 'file').map((k) => k.toString('base64'))).toEqual([keyA, keyB]);
    expect(parseKeyList(`${keyA}, ${keyB}`, 'env')).toHaveLength(2);
    expect(() => parseKeyList(`${keyA},c2hvcnQ=`, 'GATEPASS_SECRET_KEY')).toThrow('GATEPASS_SECRET_KEY: entry 2 is not a base64 32-byte key');
    expect(() => parseKeyList('# only a comment\n', 'file')).toThrow('file holds no key');
  });

  it('creates the key file with mode 0600 and a fresh key, and reads the same key on the next start', () => {
    const file = join(dir, 'gatepass.sqlite.key');
    const first = loadKeyFile(file);
    expect(first).toHaveLength(1);
    expect(first[0]).toHaveLength(32);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^# Gatepass secret keys/);
    expect(loadKeyFile(file)[0]?.equals(first[0]!)).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('refuses a key file that other users can read', () => {
    const file = join(dir, 'loose.key');
    writeFileSync(file, `${keyA}\n`);
    chmodSync(file, 0o644);
    expect(() => loadKeyFile(file)).toThrow(/open to other users \(mode 0644\): run chmod 600/);
  });
});

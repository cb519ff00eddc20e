import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSigninPayload } from '../../../shared/qr-payload';
import { decodeUsrConfig } from '../../../shared/usr-config';
import type { Card } from './pdf/cards';
import { saveBundle, type BundleOptions } from './save';

const dir = mkdtempSync(path.join(tmpdir(), 'gp-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERVER = 'https://gp.example.com:8443';
const ISSUED = '2025-11-24T08:41:00.000Z';
const PIN = `sha256/${Buffer.alloc(32, 7).toString('base64')}`;

function okCard(login: string): Card {
  const credential = `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
  const payload = encodeSigninPayload({ server: SERVER, login, credential, issuedAt: ISSUED, expiresAt: null });
  return { login, displayName: `Name of ${login}`, serverName: 'Plant 2', serverUrl: SERVER, status: 'ok', payload, issuedAt: ISSUED, expiresAt: null };
}

function brokenCard(login: string, reason: string): Card {
  return { login, displayName: '', serverName: 'Plant 2', serverUrl: SERVER, status: 'broken', payload: null, reason, issuedAt: null, expiresAt: null };
}

function options(extra: Partial<BundleOptions>): BundleOptions {
  return { format: 'zip', includeConfig: true, pageSize: 'A4', layout: 'single', baseName: 'codes', tlsPin: null, ...extra };
}

/** Entry names exactly as stored in the archive (zipinfo -1 prints them raw). */
function entries(zip: string): string[] {
  return execFileSync('zipinfo', ['-1', zip], { encoding: 'utf8' }).trim().split('\n').sort();
}

function unzipTest(zip: string): { status: number | null; out: string } {
  const r = spawnSync('unzip', ['-t', zip], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('a ZIP with a PDF per user', () => {
  it('gives hostile logins safe, distinct entries that never leave the archive folder, and passes unzip -t', async () => {
    const logins = ['../x', 'CON', 'Anna', 'anna', 'a:b*c?', 'trailing. ', 'Žofie'];
    const out = path.join(dir, 'hostile.zip');
    await saveBundle(logins.map(okCard), out, options({}));
    expect(unzipTest(out)).toMatchObject({ status: 0 });
    const names = entries(out);
    expect(names).toEqual(
      ['.._x', '_CON', 'Anna', 'anna~2', 'a_b_c_', 'trailing__', 'Žofie'].flatMap((b) => [`${b}.pdf`, `${b}.usr`]).sort(),
    );
    for (const n of names) expect(n).not.toMatch(/[/\\]/);
    // Extracting puts everything inside the target folder.
    const target = path.join(dir, 'hostile-out');
    execFileSync('unzip', ['-q', out, '-d', target]);
    expect(readdirSync(target).sort()).toEqual(names);
    expect(existsSync(path.join(dir, 'x.pdf'))).toBe(false);
  });

  it('writes each user a PDF, a .usr that matches their QR payload, and no .usr but a README line for a broken user', async () => {
    const cards = [okCard('a.berg'), brokenCard('b.chen', 'Password must not contain the login'), okCard('c.diaz')];
    const out = path.join(dir, 'mixed.zip');
    await saveBundle(cards, out, options({ tlsPin: PIN }));
    expect(unzipTest(out).status).toBe(0);
    expect(entries(out)).toEqual(['README.txt', 'a.berg.pdf', 'a.berg.usr', 'b.chen.pdf', 'c.diaz.pdf', 'c.diaz.usr']);
    const usr = decodeUsrConfig(execFileSync('unzip', ['-p', out, 'c.diaz.usr'], { encoding: 'utf8' }));
    const payload = JSON.parse(cards[2]!.payload!) as { c: string };
    expect(usr).toMatchObject({ login: 'c.diaz', credential: payload.c, server: { url: SERVER, name: 'Plant 2', tlsPin: PIN }, issuedAt: ISSUED, expiresAt: null });
    const readme = execFileSync('unzip', ['-p', out, 'README.txt'], { encoding: 'utf8' });
    expect(readme).toContain('b.chen\tPassword must not contain the login');
    expect(readme).not.toContain('a.berg');
    expect(execFileSync('unzip', ['-p', out, 'b.chen.pdf']).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('stores entries with the export time and owner-only modes, and marks non-ASCII names as UTF-8', async () => {
    const before = Date.now();
    const out = path.join(dir, 'meta.zip');
    await saveBundle([okCard('Žofie'), okCard('bo')], out, options({ includeConfig: false }));
    const raw = readFileSync(out);
    // Local file header of the first entry: general purpose flag at offset 6, bit 11 = UTF-8 name.
    expect(raw.readUInt32LE(0)).toBe(0x04034b50);
    expect(raw.readUInt16LE(6) & 0x0800).toBe(0x0800);
    // zipinfo -T prints each entry's time as yyyymmdd.hhmmss (DOS time: local, 2 s steps).
    const listing = execFileSync('zipinfo', ['-T', out], { encoding: 'utf8' });
    expect(listing).toMatch(/-rw-------.+Žofie\.pdf/);
    const stamp = new Date(before);
    const day = `${stamp.getFullYear()}${String(stamp.getMonth() + 1).padStart(2, '0')}${String(stamp.getDate()).padStart(2, '0')}`;
    expect(listing).toMatch(new RegExp(` ${day}\\.\\d{6} bo\\.pdf`));
    expect(statSync(out).mode & 0o077).toBe(0);
  });
});

describe('one PDF with configuration files', () => {
  it('is one ZIP holding <name>.pdf and config/<login>.usr for each issued user', async () => {
    const out = path.join(dir, 'site-a.zip');
    await saveBundle([okCard('Anna'), okCard('anna'), brokenCard('x', 'weak')], out, options({ format: 'pdf', baseName: 'site-a' }));
    expect(unzipTest(out).status).toBe(0);
    expect(entries(out)).toEqual(['README.txt', 'config/Anna.usr', 'config/anna~2.usr', 'site-a.pdf']);
    const pdf = path.join(dir, 'site-a-extracted.pdf');
    execFileSync('sh', ['-c', `unzip -p '${out}' site-a.pdf > '${pdf}'`]);
    expect(spawnSync('qpdf', ['--check', pdf]).status).toBe(0);
    expect(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' })).toMatch(/Pages:\s+3/);
  });

  it('is a plain PDF without configuration files', async () => {
    const out = path.join(dir, 'plain.pdf');
    await saveBundle([okCard('a'), okCard('b')], out, options({ format: 'pdf', includeConfig: false }));
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
  });
});

describe('leaving broken codes out', () => {
  it('prints only the issued users, and README.txt still names the others and why', async () => {
    const cards = [okCard('a.berg'), brokenCard('b.chen', 'Password does not meet the policy: at least 8 characters'), okCard('c.diaz')];
    const out = path.join(dir, 'omit.zip');
    await saveBundle(cards, out, options({ format: 'pdf', baseName: 'omit', omitBroken: true }));
    expect(entries(out)).toEqual(['README.txt', 'config/a.berg.usr', 'config/c.diaz.usr', 'omit.pdf']);
    const pdf = path.join(dir, 'omit-extracted.pdf');
    execFileSync('sh', ['-c', `unzip -p '${out}' omit.pdf > '${pdf}'`]);
    expect(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' })).toMatch(/Pages:\s+2\b/);
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain('a.berg');
    expect(text).not.toContain('b.chen');
    const readme = execFileSync('unzip', ['-p', out, 'README.txt'], { encoding: 'utf8' });
    expect(readme).toContain('b.chen\tPassword does not meet the policy: at least 8 characters');
    expect(readme).toContain('They have no card and no .usr file.');
  });

  it('gives no per-user PDF to a broken user in a ZIP of per-user PDFs', async () => {
    const out = path.join(dir, 'omit-per-user.zip');
    await saveBundle([okCard('a.berg'), brokenCard('b.chen', 'weak')], out, options({ omitBroken: true, includeConfig: false }));
    expect(entries(out)).toEqual(['README.txt', 'a.berg.pdf']);
  });

  it('refuses, writing nothing, when every code is broken', async () => {
    const folder = mkdtempSync(path.join(dir, 'omit-all-'));
    const out = path.join(folder, 'codes.pdf');
    await expect(saveBundle([brokenCard('x', 'weak')], out, options({ format: 'pdf', includeConfig: false, omitBroken: true }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('nothing to print') as unknown,
    });
    expect(readdirSync(folder)).toEqual([]);
  });

  it('prints a broken card, when asked to, with the reason addressed to the administrator', async () => {
    const out = path.join(dir, 'broken-printed.pdf');
    await saveBundle([brokenCard('b.chen', 'password does not meet the policy: at least 8 characters')], out, options({ format: 'pdf', includeConfig: false }));
    const text = execFileSync('pdftotext', [out, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('For the administrator: no code was issued. Password does not meet the policy: at least 8 characters.');
    expect(text).toContain("previous password and sign-in code still work");
    expect(text).toContain('do not hand out this card');
    expect(text).not.toContain('Ask your administrator');
  });
});

describe('cancelling a save', () => {
  it('rejects with CANCELLED and leaves neither the file nor a temp file in the folder', async () => {
    const folder = mkdtempSync(path.join(dir, 'cancel-'));
    const out = path.join(folder, 'codes.zip');
    const ac = new AbortController();
    const cards = Array.from({ length: 40 }, (_, i) => okCard(`user${i}`));
    const seen: number[] = [];
    const save = saveBundle(cards, out, {
      ...options({}),
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done === 5) ac.abort();
      },
    });
    await expect(save).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Math.max(...seen)).toBeLessThan(40);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('leaves an existing file untouched when a save over it fails', async () => {
    const folder = mkdtempSync(path.join(dir, 'fail-'));
    const out = path.join(folder, 'codes.zip');
    await saveBundle([okCard('a')], out, options({}));
    const before = readFileSync(out);
    await expect(saveBundle([], out, options({}))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readdirSync(folder)).toEqual(['codes.zip']);
  });
});

import { describe, expect, it } from 'vitest';
import { createFileNamer, sanitizeFileBase } from './file-names';

const WINDOWS_INVALID = /[<>:"/\\|?*\u0000-\u001f]/;
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/** What every name we produce must be, on all three systems. */
function expectPortable(name: string) {
  expect(name).not.toMatch(WINDOWS_INVALID);
  expect(name).not.toMatch(/[. ]$/);
  expect(name).not.toMatch(RESERVED);
  expect(name).not.toBe('.');
  expect(name).not.toBe('..');
  expect(new TextEncoder().encode(name).length).toBeLessThanOrEqual(255);
  expect(name.length).toBeGreaterThan(0);
}

describe('file names from logins', () => {
  it('keeps an ordinary login as it is', () => {
    expect(createFileNamer()('a.berg', 'pdf')).toBe('a.berg.pdf');
  });

  it('replaces path separators so a name can never leave the target folder', () => {
    const name = createFileNamer();
    for (const login of ['../../etc/passwd', '..\\..\\win.ini', '/abs', 'C:\\x', 'a/b']) {
      const n = name(login, 'pdf');
      expectPortable(n);
      expect(n).not.toContain('/');
      expect(n).not.toContain('\\');
    }
  });

  it('replaces each character Windows reserves', () => {
    for (const ch of ['/', '\\', ':', '*', '?', '"', '<', '>', '|']) {
      expect(sanitizeFileBase(`a${ch}b`)).toBe('a_b');
    }
  });

  it('replaces control characters', () => {
    expect(sanitizeFileBase('a\u0000b\u001fc\u007fd\ne')).toBe('a_b_c_d_e');
  });

  it('never yields . or .. and escapes names made only of dots', () => {
    expect(sanitizeFileBase('.')).toBe('_');
    expect(sanitizeFileBase('..')).toBe('__');
    expect(createFileNamer()('..', 'usr')).toBe('__.usr');
  });

  it('escapes Windows device names, with or without an extension and in any case', () => {
    const name = createFileNamer();
    for (const login of ['CON', 'nul', 'Com1', 'LPT9', 'aux.txt', 'prn', 'COM¹']) {
      const n = name(login, 'pdf');
      expectPortable(n);
      expect(n.startsWith('_')).toBe(true);
    }
    expect(sanitizeFileBase('console')).toBe('console');
  });

  it('replaces trailing dots and spaces, which Windows would silently drop', () => {
    expect(sanitizeFileBase('anna.')).toBe('anna_');
    expect(sanitizeFileBase('anna .')).toBe('anna__');
    expect(sanitizeFileBase('anna  ')).toBe('anna__');
  });

  it('keeps names within 255 bytes, cutting whole characters, and keeps long names apart', () => {
    const name = createFileNamer();
    const a = name('ж'.repeat(300) + 'a', 'pdf');
    const b = name('ж'.repeat(300) + 'b', 'pdf');
    expectPortable(a);
    expectPortable(b);
    expect(a).not.toBe(b);
    expect(a.endsWith('.pdf')).toBe(true);
    expect(a).not.toContain('\uFFFD');
  });

  it('gives logins equal but for case distinct names, as case-insensitive file systems need', () => {
    const name = createFileNamer();
    const names = ['Anna', 'anna', 'ANNA'].map((l) => name(l, 'pdf'));
    expect(names).toEqual(['Anna.pdf', 'anna~2.pdf', 'ANNA~3.pdf']);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(3);
  });

  it('keeps apart logins that differ only by Unicode normalisation', () => {
    const name = createFileNamer();
    const nfc = name('jos\u00e9', 'pdf');
    const nfd = name('jose\u0301', 'pdf');
    expect(nfc).not.toBe(nfd);
    expect(nfc.normalize('NFC').toLowerCase()).not.toBe(nfd.normalize('NFC').toLowerCase());
  });

  it('keeps apart logins that sanitise to the same text', () => {
    const name = createFileNamer();
    expect([name('a/b', 'pdf'), name('a_b', 'pdf'), name('a:b', 'pdf')]).toEqual(['a_b.pdf', 'a_b~2.pdf', 'a_b~3.pdf']);
  });

  it('names the PDF and the .usr file of one login independently', () => {
    const name = createFileNamer();
    expect(name('anna', 'pdf')).toBe('anna.pdf');
    expect(name('anna', 'usr')).toBe('anna.usr');
  });
});

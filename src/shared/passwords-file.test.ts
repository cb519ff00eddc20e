import { describe, expect, it } from 'vitest';
import { CsvError, describePasswordsFileErrors, parsePasswordsFile } from './passwords-file';

describe('the passwords file of "Use unique"', () => {
  it('reads login,password rows after an optional header, matching logins case-insensitively', () => {
    const f = parsePasswordsFile('login,password\r\nA.Berg,"Harbour, Lights 42"\nb.chen,Quiet-Bay-77\n');
    expect([...f.byLogin]).toEqual([
      ['a.berg', 'Harbour, Lights 42'],
      ['b.chen', 'Quiet-Bay-77'],
    ]);
    expect(f.errors).toEqual([]);
  });

  it('keeps a password exactly, quotes and spaces inside quotes included', () => {
    const f = parsePasswordsFile('c.diaz,"  padded ""quoted""  "\n');
    expect(f.byLogin.get('c.diaz')).toBe('  padded "quoted"  ');
  });

  it('makes a row without a password, a malformed row and a login given twice errors of their lines, never guesses', () => {
    const f = parsePasswordsFile('a.berg,One-Pass-11\nb.chen,\n"q"u<o>t|e?*",x\nA.BERG,Two-Pass-22\nd.egan,Four-Pass-44\n');
    // a.berg twice: which password was meant cannot be known, so neither is used.
    expect([...f.byLogin.keys()]).toEqual(['d.egan']);
    expect(f.errors.map((e) => e.line)).toEqual([2, 3, 4]);
    expect(describePasswordsFileErrors(f.errors)).toMatch(/^line 2 has no password for b\.chen; line 3 cannot be read \(CSV_\w+\); line 4 gives A\.BERG a password again \(first on line 1\); neither is used$/);
  });

  it('cannot read a file with an unterminated quote at all', () => {
    expect(() => parsePasswordsFile('a.berg,"open\n')).toThrow(CsvError);
  });
});

import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, parseUserImport } from './csv';

describe('parseCsv', () => {
  it('reads a byte-order mark and CRLF line ends as a spreadsheet writes them', () => {
    expect(parseCsv('\uFEFFlogin,name\r\na.berg,Anna Berg\r\n').map((r) => r.fields)).toEqual([
      ['login', 'name'],
      ['a.berg', 'Anna Berg'],
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    const recs = parseCsv('a,"Berg, Anna ""Annie""","line1\nline2"\nb,c,d');
    expect(recs[0]!.fields).toEqual(['a', 'Berg, Anna "Annie"', 'line1\nline2']);
    expect(recs[1]).toEqual({ line: 3, fields: ['b', 'c', 'd'] });
  });

  it('detects semicolon-separated files', () => {
    expect(parseCsv('login;name\nx;"Y, Z"').map((r) => r.fields)).toEqual([
      ['login', 'name'],
      ['x', 'Y, Z'],
    ]);
  });

  it('skips blank lines and reads a last line without a line end', () => {
    expect(parseCsv('a\n\n\nb').map((r) => r.fields)).toEqual([['a'], ['b']]);
  });

  it('refuses an unterminated quote and names its line', () => {
    expect(() => parseCsv('a\nb,"open')).toThrow(CsvError);
    expect(() => parseCsv('a\nb,"open')).toThrow(/line 2/);
  });
});

describe('parseUserImport', () => {
  it('takes columns by header name in any order', () => {
    const { rows, errors } = parseUserImport('Email,Login,Display Name\nanna@x.io,a.berg,Anna Berg');
    expect(errors).toEqual([]);
    expect(rows).toEqual([{ line: 2, login: 'a.berg', displayName: 'Anna Berg', email: 'anna@x.io' }]);
  });

  it('reads a file without a header as login, display name, email', () => {
    expect(parseUserImport('b.chen,Bo Chen,bo@x.io').rows[0]).toMatchObject({ login: 'b.chen', email: 'bo@x.io' });
  });

  it('treats a missing column as empty', () => {
    const { rows, errors } = parseUserImport('login,display name\nc.diaz,Carla Diaz\nd.eng');
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.login, r.displayName, r.email])).toEqual([
      ['c.diaz', 'Carla Diaz', ''],
      ['d.eng', '', ''],
    ]);
  });

  it('gives each bad row its own error and keeps the good ones', () => {
    const csv = 'login,name,email\na,A,a@x.io\n,No Login,n@x.io\nA,Dup,d@x.io\nb,B,not-an-email\nc,C,c@x.io,extra';
    const { rows, errors } = parseUserImport(csv);
    expect(rows.map((r) => r.login)).toEqual(['a']);
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'MISSING_LOGIN'],
      [4, 'DUPLICATE_IN_FILE'],
      [5, 'INVALID_EMAIL'],
      [6, 'TOO_MANY_COLUMNS'],
    ]);
  });

  it('reads a source column (internal or directory, by header or as the fourth column), refusing any other value on its row', () => {
    const named = parseUserImport('login,email,source\na.berg,a@x.io,Directory\nb.chen,b@x.io,internal\nc.diaz,c@x.io,\nd.eng,d@x.io,contractor');
    expect(named.rows.map((r) => [r.login, r.source])).toEqual([
      ['a.berg', 'directory'],
      ['b.chen', 'internal'],
      ['c.diaz', undefined],
    ]);
    expect(named.errors.map((e) => [e.line, e.code])).toEqual([[5, 'INVALID_SOURCE']]);
    expect(parseUserImport('e.fox,Eve Fox,e@x.io,AD').rows[0]).toMatchObject({ login: 'e.fox', source: 'directory' });
    expect(parseUserImport('f.gray,Fay Gray,f@x.io,directory,extra').errors.map((e) => e.code)).toEqual(['TOO_MANY_COLUMNS']);
  });

  it("makes a malformed quoted field that row's error, never a changed login, and imports the rows around it", () => {
    const csv = 'login,display name,email\na.berg,Anna,a@example.org\n"q"u<o>t|e?*",Odd,odd@example.org\nb.chen,Bo,b@example.org\n';
    const { rows, errors } = parseUserImport(csv);
    expect(rows.map((r) => [r.line, r.login])).toEqual([
      [2, 'a.berg'],
      [4, 'b.chen'],
    ]);
    expect(rows.some((r) => r.login.includes('<o>'))).toBe(false);
    expect(errors).toEqual([{ line: 3, login: null, code: 'MALFORMED_ROW', message: expect.stringContaining('Line 3') }]);
  });

  it('reports a file whose only row is malformed instead of importing nothing silently', () => {
    expect(parseUserImport('a"b"c,Odd,odd@example.org').errors.map((e) => e.code)).toEqual(['MALFORMED_ROW']);
  });
});

describe('parseCsv line numbers and strictness', () => {
  it('numbers a record by the line it starts on, after blank lines and quoted line breaks', () => {
    expect(parseCsv('a\n\n"x\ny\nz",1\nb').map((r) => r.line)).toEqual([1, 3, 6]);
  });

  it("refuses a malformed row by default, naming its line (the CLI's passwords file)", () => {
    expect(() => parseCsv('login,password\na,"p"q')).toThrow(/Line 2/);
  });

  it('keeps spaces inside quotes and trims them outside', () => {
    expect(parseCsv(' a , "  b " ')[0]!.fields).toEqual(['a', '  b ']);
  });
});

describe('line ends', () => {
  it('reads a file that mixes CRLF, LF and CR line ends, record by record', () => {
    expect(parseCsv('login,name\r\na.berg,Anna\nb.chen,"Bo\r\nChen"\rc.diaz,Carla\n').map((r) => r.fields)).toEqual([
      ['login', 'name'],
      ['a.berg', 'Anna'],
      ['b.chen', 'Bo\r\nChen'],
      ['c.diaz', 'Carla'],
    ]);
  });
});

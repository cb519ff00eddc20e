import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv';
import { CSV_BOM, csvField, csvLine } from './csv-write';

describe('CSV fields for exports', () => {
  it('defuses every formula start a spreadsheet runs (= + - @ tab CR) with a leading quote, and quotes the field', () => {
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvField('+1+2')).toBe(`"'+1+2"`);
    expect(csvField('-2+3')).toBe(`"'-2+3"`);
    expect(csvField('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvField('\t=1')).toBe(`"'\t=1"`);
    expect(csvField('\r=1')).toBe(`"'\r=1"`);
  });

  it('leaves text that only contains those characters later alone, and numbers as numbers', () => {
    expect(csvField('a.almeida2')).toBe('a.almeida2');
    expect(csvField('x=1')).toBe('x=1');
    expect(csvField('mail@example.com')).toBe('mail@example.com');
    expect(csvField(-3)).toBe('-3');
    expect(csvField(0)).toBe('0');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('quotes commas, quotes and line breaks as RFC 4180 asks, and keeps non-ASCII text as it is', () => {
    expect(csvField('Berg, Anna')).toBe('"Berg, Anna"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('Zoë Ångström 東京')).toBe('Zoë Ångström 東京');
  });

  it('writes records a CSV reader gives back field for field, formulas shown as text', () => {
    const rows = [
      ['login', 'display name', 'sessions'],
      ['=cmd|"/c calc"!A1', 'Berg, "Anna"', 2],
      ['b.ito', 'line\r\nbreak', -1],
    ] as const;
    const text = CSV_BOM + rows.map((r) => csvLine(r)).join('');
    expect(text.endsWith('\r\n')).toBe(true);
    const back = parseCsv(text).map((r) => r.fields);
    expect(back).toEqual([
      ['login', 'display name', 'sessions'],
      [`'=cmd|"/c calc"!A1`, 'Berg, "Anna"', '2'],
      ['b.ito', 'line\r\nbreak', '-1'],
    ]);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSigninPayload } from '../../../../shared/qr-payload';
import { visualOrder } from './card-text';
import { defaultFontDir } from './font-dir';
import { type Card, WORKER_MIN_CARDS, renderCardPdfs, writeCardsPdf } from './cards';
import { zbarRead } from '../../../../test-support/zbar';

const dir = mkdtempSync(path.join(tmpdir(), 'gp-fallback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERVER = 'https://gp.example.com:8443';
const ISSUED = '2025-11-24T08:41:00.000Z';

function okCard(login: string, displayName: string): Card {
  const credential = 'AAECAwQFBgcICQoLDA0ODw.ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8';
  const payload = encodeSigninPayload({ server: SERVER, login, credential, issuedAt: ISSUED, expiresAt: null });
  return { login, displayName, serverName: 'Plant 2', serverUrl: SERVER, status: 'ok', payload, issuedAt: ISSUED, expiresAt: null };
}

async function writeToFile(cards: readonly Card[], file: string, opts: Parameters<typeof writeCardsPdf>[2] = {}): Promise<void> {
  const out = createWriteStream(file);
  await writeCardsPdf(cards, out, opts);
  await finished(out);
}

/** pdffonts rows as [name, rest of the row]. */
function fontRows(file: string): string[] {
  return execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
}

function pageText(file: string, page: number): string {
  return execFileSync('pdftotext', ['-f', String(page), '-l', String(page), file, '-'], { encoding: 'utf8' });
}

/** pdftotext marks the right-to-left text it reorders with embedding controls; a reader sees none. */
const withoutBidiMarks = (s: string): string => s.replace(/[\u202a-\u202e]/g, '');

/** The QR code of page `page` as raw bytes (-Sbinary: zbar would otherwise guess a character set for the CJK login). */
function decodePage(file: string, page: number, prefix: string): string {
  execFileSync('pdftoppm', ['-r', '150', '-png', '-f', String(page), '-l', String(page), file, path.join(dir, prefix)]);
  const png = readdirSync(dir).find((f) => f.startsWith(`${prefix}-`) && f.endsWith('.png'));
  return png ? (zbarRead(path.join(dir, png), { binary: true }) ?? '') : '';
}

const EMBEDDED_SUBSET = (font: string): RegExp => new RegExp(`^[A-Z]{6}\\+${font}\\s+CID TrueType\\s+Identity-H\\s+yes\\s+yes\\s+yes\\s`);

describe('font fallback for scripts Roboto lacks', () => {
  const cards = [okCard('山田.太郎', '山田 太郎'), okCard('d.cohen', 'דוד כהן'), okCard('a.petrosyan', 'Արամ Պետրոսյան')];
  const file = path.join(dir, 'scripts.pdf');
  const ready = writeToFile(cards, file);

  it('embeds DejaVu Sans and Droid Sans Fallback as Unicode subsets beside Roboto, and nothing unused', async () => {
    await ready;
    const rows = fontRows(file);
    expect(rows).toHaveLength(4);
    for (const font of ['Roboto-Regular', 'Roboto-Medium', 'DejaVuSans', 'DroidSansFallback']) {
      expect(rows.filter((r) => EMBEDDED_SUBSET(font).test(r))).toHaveLength(1);
    }
    // Hebrew and Armenian appear only in display names (regular), so the bold face is not embedded.
    expect(rows.some((r) => r.includes('DejaVuSans-Bold'))).toBe(false);
  });

  it('writes a file qpdf finds sound', async () => {
    await ready;
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
  });

  it('extracts the CJK login and display name, the Hebrew and the Armenian names exactly with pdftotext', async () => {
    await ready;
    const first = pageText(file, 1);
    expect(first).toContain('山田.太郎\n');
    expect(first).toContain('山田 太郎\n');
    expect(first).toContain('山田.太郎 · card 1 of 3');
    expect(withoutBidiMarks(pageText(file, 2))).toContain('דוד כהן');
    expect(pageText(file, 3)).toContain('Արամ Պետրոսյան');
  });

  it('still prints a QR code that decodes to the payload carrying the CJK login', async () => {
    await ready;
    expect(decodePage(file, 1, 'cjk')).toBe(cards[0]!.payload);
  });

  it('cuts a CJK display name too long for the card with an ellipsis', async () => {
    const long = '長'.repeat(60);
    const f = path.join(dir, 'long.pdf');
    await writeToFile([okCard('k.long', long)], f);
    expect(spawnSync('qpdf', ['--check', f]).status).toBe(0);
    const line = pageText(f, 1)
      .split('\n')
      .find((l) => l.startsWith('長'));
    expect(line).toMatch(/^長+…$/);
    expect(line!.length).toBeLessThan(long.length);
  });

  it('uses the bold DejaVu face for a Georgian login, drawn in the medium weight', async () => {
    const f = path.join(dir, 'georgian.pdf');
    await writeToFile([okCard('ნინო', 'Nino Beridze')], f);
    const rows = fontRows(f);
    expect(rows.filter((r) => EMBEDDED_SUBSET('DejaVuSans-Bold').test(r))).toHaveLength(1);
    expect(pageText(f, 1)).toContain('ნინო\n');
  });
});

describe('a Latin, Cyrillic and Greek export', () => {
  it('embeds only Roboto: pdffonts lists no DejaVu or Droid font', async () => {
    const f = path.join(dir, 'latin.pdf');
    await writeToFile([okCard('a.berg', 'Anna Berg'), okCard('b.ivanova', 'Бора Иванова'), okCard('e.papa', 'Ελένη Παππά')], f);
    const rows = fontRows(f);
    expect(rows).toHaveLength(2);
    expect(rows.join('\n')).not.toMatch(/DejaVu|Droid/);
  });

  it('still works from a font folder holding only Roboto, drawing other scripts as missing glyphs', async () => {
    const only = path.join(dir, 'roboto-only');
    mkdirSync(only);
    for (const f of ['Roboto-Regular.ttf', 'Roboto-Medium.ttf']) copyFileSync(path.join(defaultFontDir(), f), path.join(only, f));
    const f = path.join(dir, 'roboto-only.pdf');
    await writeToFile([okCard('y.taro', '山田 太郎')], f, { fontDir: only });
    expect(spawnSync('qpdf', ['--check', f]).status).toBe(0);
    expect(fontRows(f)).toHaveLength(2);
  });
});

describe('font fallback in per-user documents and worker threads', () => {
  it('gives each per-user PDF the fallback subsets, shared by the whole export', async () => {
    const cards = [okCard('山田.太郎', '山田 太郎'), okCard('d.cohen', 'דוד כהן'), okCard('a.berg', 'Anna Berg')];
    const docs: Uint8Array[] = [];
    for await (const d of renderCardPdfs(cards, { threads: 'off' })) docs.push(d.bytes);
    expect(docs).toHaveLength(3);
    const files = docs.map((bytes, i) => {
      const f = path.join(dir, `doc-${i}.pdf`);
      writeFileSync(f, bytes);
      expect(spawnSync('qpdf', ['--check', f]).status).toBe(0);
      return f;
    });
    expect(fontRows(files[0]!).some((r) => EMBEDDED_SUBSET('DroidSansFallback').test(r))).toBe(true);
    expect(pageText(files[0]!, 1)).toContain('山田 太郎\n');
    expect(withoutBidiMarks(pageText(files[1]!, 1))).toContain('דוד כהן');
    expect(decodePage(files[0]!, 1, 'doc0')).toBe(cards[0]!.payload);
  });

  it('renders CJK text in worker threads, both as one PDF and as per-user PDFs', async () => {
    const cards = Array.from({ length: WORKER_MIN_CARDS + 3 }, (_, i) => okCard(`利用者${i}`, `山田 ${i} שלום`));
    const f = path.join(dir, 'workers.pdf');
    await writeToFile(cards, f);
    expect(spawnSync('qpdf', ['--check', f]).status).toBe(0);
    const last = cards.length;
    expect(pageText(f, last)).toContain(`利用者${last - 1}\n`);
    expect(withoutBidiMarks(pageText(f, last))).toContain(`山田 ${last - 1} שלום`);
    let lastDoc: Uint8Array | null = null;
    for await (const d of renderCardPdfs(cards)) lastDoc = d.bytes;
    const docFile = path.join(dir, 'worker-doc.pdf');
    writeFileSync(docFile, lastDoc ?? new Uint8Array(0));
    expect(spawnSync('qpdf', ['--check', docFile]).status).toBe(0);
    expect(pageText(docFile, 1)).toContain(`利用者${last - 1}\n`);
  });
});

describe('visualOrder', () => {
  it('leaves text without right-to-left letters as it is', () => {
    expect(visualOrder('山田 太郎 Anna')).toBe('山田 太郎 Anna');
  });

  it('reverses a Hebrew run, words and spaces included, and leaves Latin around it in place', () => {
    expect(visualOrder('שלום עולם')).toBe('םלוע םולש');
    expect(visualOrder('Dr. שלום עולם!')).toBe('Dr. םלוע םולש!');
  });

  it('keeps digits inside Hebrew text left to right, and combining marks after their letter', () => {
    expect(visualOrder('דוד 123 כהן')).toBe('ןהכ 123 דוד');
    // Shin with a dot (U+05C1) stays one cluster: the mark still follows its base letter.
    expect(visualOrder('\u05e9\u05c1ם')).toBe('ם\u05e9\u05c1');
  });

  it('follows UAX #9: mirrored brackets, a Latin word inside a Hebrew line, Arabic-Indic digits', () => {
    // RTL paragraph: brackets are mirrored so they still open towards their content.
    expect(visualOrder('שלום (עולם)')).toBe('(םלוע) םולש');
    // An LTR word inside an RTL paragraph keeps its own order and sits where UAX #9 puts it.
    expect(visualOrder('דוד Anna כהן')).toBe('ןהכ Anna דוד');
    // Arabic-Indic digits (AN) stay left to right inside Arabic text.
    expect(visualOrder('رقم ١٢٣')).toBe('١٢٣ مقر');
  });
});

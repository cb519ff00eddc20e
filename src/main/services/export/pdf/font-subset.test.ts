import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFontDir } from './font-dir';
import { buildSubset, parseTtf } from './font-subset';
import { type Card, writeCardsPdf } from './cards';

const dir = mkdtempSync(path.join(tmpdir(), 'gp-font-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const regular = parseTtf(new Uint8Array(readFileSync(path.join(defaultFontDir(), 'Roboto-Regular.ttf'))), 'Roboto-Regular');

function card(login: string, displayName: string, serverName: string): Card {
  return { login, displayName, serverName, serverUrl: 'https://gp.example.com', status: 'broken', payload: null, reason: 'Policy: Ωmega ≠ allowed', issuedAt: null, expiresAt: null };
}

describe('font subset', () => {
  const file = path.join(dir, 'scripts.pdf');
  const cards = [card('a.berg', 'Ёлка Жучкова-Щербакова', 'Завод № 2'), card('e.pappa', 'Ελένη Παπαδοπούλου', 'Εργοστάσιο'), card('c.diaz', 'Carla Díaz Núñez', 'Plant ÅÄÖ')];
  const ready = (async () => {
    const out = createWriteStream(file);
    await writeCardsPdf(cards, out);
    await finished(out);
  })();

  it('extracts Latin, Cyrillic and Greek text back exactly with pdftotext', async () => {
    await ready;
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    for (const c of cards) {
      expect(text).toContain(c.displayName);
      expect(text).toContain(c.serverName);
    }
    expect(text).toContain('Policy: Ωmega ≠ allowed');
  });

  it('writes a file qpdf finds sound, with both Roboto faces listed by pdffonts as embedded Unicode subsets', async () => {
    await ready;
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
    const rows = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      // name, type (2 words), encoding, emb, sub, uni, object id
      expect(row).toMatch(/^[A-Z]{6}\+Roboto-(Regular|Medium)\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s/);
    }
  });

  it('keeps the components of composite glyphs, so accented letters are drawn', () => {
    // In Roboto, "Ё" and "é" are composites of a base letter and a diacritic.
    const subset = buildSubset(regular, [...'Ёé'].map((c) => c.codePointAt(0) ?? 0));
    // .notdef + 2 composites + their components (at least a base letter and a mark each).
    expect(subset.metrics.widths.length).toBeGreaterThanOrEqual(5);
    expect(subset.metrics.cids).toHaveLength(2);
  });

  it('is far smaller than the whole font', () => {
    const subset = buildSubset(regular, [...'Gatepass sign-in card 0123456789'].map((c) => c.codePointAt(0) ?? 0));
    expect(subset.fontFile.length).toBeLessThan(10_000);
  });
});

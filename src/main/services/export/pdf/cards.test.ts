import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { GatepassError } from '../../../../shared/errors';
import { encodeSigninPayload } from '../../../../shared/qr-payload';
import { PNG } from 'pngjs';
import { pdfImageFromPng } from './image';
import { workerFile } from './render-pool';
import { type Card, WORKER_MIN_CARDS, renderCardPdfs, writeCardsPdf } from './cards';
import { zbarRead, zbarScan } from '../../../../test-support/zbar';

const dir = mkdtempSync(path.join(tmpdir(), 'gp-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERVER = 'https://gp.example.com:8443';
const ISSUED = '2025-11-24T08:41:00.000Z';

function okCard(login: string, displayName: string, expiresAt: string | null = null): Card {
  // A credential shaped like the server's: 16-byte id and 32-byte secret, base64url.
  const credential = `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
  const payload = encodeSigninPayload({ server: SERVER, login, credential, issuedAt: ISSUED, expiresAt });
  return { login, displayName, serverName: 'Plant 2', serverUrl: SERVER, status: 'ok', payload, issuedAt: ISSUED, expiresAt };
}

const brokenCard: Card = {
  login: 'c.diaz',
  displayName: 'Carla Díaz',
  serverName: 'Plant 2',
  serverUrl: SERVER,
  status: 'broken',
  payload: null,
  reason: 'Password must be at least 12 characters',
  issuedAt: null,
  expiresAt: null,
};

async function writeToFile(cards: readonly Card[], file: string, opts: Parameters<typeof writeCardsPdf>[2] = {}): Promise<void> {
  const out = createWriteStream(file);
  await writeCardsPdf(cards, out, opts);
  await finished(out);
}


async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatepassError);
  expect((err as GatepassError).code).toBe(code);
}

describe('writeCardsPdf', () => {
  const cards = [okCard('a.berg', 'Anna Berg'), okCard('b.ivanova', 'Бора Иванова', '2025-12-24T08:41:00.000Z'), brokenCard];
  const file = path.join(dir, 'three.pdf');
  const ready = writeToFile(cards, file);

  it('writes a PDF that qpdf finds structurally sound, one page per card', async () => {
    await ready;
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
    expect(execFileSync('qpdf', ['--show-npages', file], { encoding: 'utf8' }).trim()).toBe('3');
  });

  it('prints codes that zbarimg decodes to exactly each payload, and nothing on the broken card', async () => {
    await ready;
    const prefix = path.join(dir, 'page');
    execFileSync('pdftoppm', ['-r', '150', '-png', file, prefix]);
    const pngs = readdirSync(dir)
      .filter((f) => f.startsWith('page') && f.endsWith('.png'))
      .sort()
      .map((f) => path.join(dir, f));
    expect(pngs).toHaveLength(3);
    expect(zbarRead(pngs[0]!)).toBe(cards[0]!.payload);
    expect(zbarRead(pngs[1]!)).toBe(cards[1]!.payload);
    expect(zbarRead(pngs[2]!)).toBeNull();
  });

  it('embeds a font that carries Cyrillic display names and the broken card reason as text', async () => {
    await ready;
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Бора Иванова');
    expect(text).toContain('a.berg');
    expect(text).toContain('NO VALID CODE');
    expect(text).toContain('Password must be at least 12 characters');
    expect(text).toContain('Scan with the Gatepass app to sign in');
    expect(text).toContain('2025-12-24 08:41 UTC');
  });

  it('reports progress once per page, in order', async () => {
    const seen: Array<[number, number]> = [];
    await writeToFile(cards, path.join(dir, 'progress.pdf'), { onProgress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('uses A4 paper when asked', async () => {
    const a4 = path.join(dir, 'a4.pdf');
    await writeToFile([cards[0]!], a4, { pageSize: 'A4' });
    expect(execFileSync('pdfinfo', [a4], { encoding: 'utf8' })).toMatch(/Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
  });

  it('stops and rejects with CANCELLED when aborted mid-way', async () => {
    const ac = new AbortController();
    const many = Array.from({ length: 60 }, (_, i) => okCard(`user${i}`, `User ${i}`));
    let last = 0;
    const out = createWriteStream(path.join(dir, 'aborted.pdf'));
    await expectCode(
      writeCardsPdf(many, out, {
        signal: ac.signal,
        onProgress: (done) => {
          last = done;
          if (done === 5) ac.abort();
        },
      }),
      'CANCELLED',
    );
    expect(last).toBe(5);
    out.destroy();
  });

  it('rejects with the disk error when the output cannot take the bytes', async () => {
    const out = createWriteStream('/dev/full');
    const err = await writeCardsPdf(cards, out).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as NodeJS.ErrnoException | null)?.code).toBe('ENOSPC');
  });

  it('waits for a slow reader and still delivers every page', async () => {
    const chunks: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        setTimeout(cb, 1);
      },
    });
    const many = Array.from({ length: 12 }, (_, i) => okCard(`slow${i}`, `Slow ${i}`));
    await writeCardsPdf(many, slow);
    const out = path.join(dir, 'slow.pdf');
    const w = createWriteStream(out);
    w.end(Buffer.concat(chunks));
    await finished(w);
    expect(execFileSync('qpdf', ['--show-npages', out], { encoding: 'utf8' }).trim()).toBe('12');
    expect(spawnSync('qpdf', ['--check', out]).status).toBe(0);
  });

  it('prints a broken card, not a failed export, for a payload too long for any QR code', async () => {
    const file = path.join(dir, 'too-long.pdf');
    await writeToFile([{ ...okCard('d.long', 'D Long'), payload: 'x'.repeat(5000) }, okCard('e.fine', 'E Fine')], file);
    expect(execFileSync('qpdf', ['--show-npages', file], { encoding: 'utf8' }).trim()).toBe('2');
    const text = execFileSync('pdftotext', ['-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('NO VALID CODE');
    expect(text).toContain('too long for a QR code');
  });

  it('refuses an empty card list with VALIDATION_FAILED', async () => {
    let written = 0;
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        cb();
      },
    });
    await expectCode(writeCardsPdf([], out), 'VALIDATION_FAILED');
    expect(written).toBe(0);
  });
});

function pagePngs(file: string, prefix: string, pages: string[] = []): string[] {
  const p = path.join(dir, prefix);
  execFileSync('pdftoppm', ['-r', '150', '-png', ...pages, file, p]);
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => path.join(dir, f));
}

describe('writeCardsPdf with the badge layout', () => {
  it('puts six cards on a page, each code decoding to its own payload, and the broken one to nothing', async () => {
    const cards = [...Array.from({ length: 6 }, (_, i) => okCard(`badge${i}`, `Badge ${i}`)), brokenCard];
    const file = path.join(dir, 'badges.pdf');
    await writeToFile(cards, file, { layout: 'badges', pageSize: 'A4' });
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
    expect(execFileSync('qpdf', ['--show-npages', file], { encoding: 'utf8' }).trim()).toBe('2');
    const [first, second] = pagePngs(file, 'badge');
    const decoded = zbarScan(first!).sort();
    expect(decoded).toEqual(cards.slice(0, 6).map((c) => c.payload).sort());
    expect(zbarRead(second!)).toBeNull();
    const text = execFileSync('pdftotext', ['-f', '2', '-l', '2', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('c.diaz');
    expect(text).toContain('NO VALID CODE');
  });
});

describe('writeCardsPdf in worker threads', () => {
  it('finds the worker module beside the engine when running from src/', () => {
    expect(workerFile()).toEqual({ file: expect.stringMatching(/pdf[/\\]worker\.ts$/), ts: true });
  });

  it('writes every page in order, from the first to the last, when the job is big enough for workers', async () => {
    const n = WORKER_MIN_CARDS + 37;
    const cards = Array.from({ length: n }, (_, i) => okCard(`w${String(i).padStart(4, '0')}`, `Worker ${i}`));
    const file = path.join(dir, 'workers.pdf');
    const seen: number[] = [];
    await writeToFile(cards, file, { onProgress: (d) => seen.push(d) });
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
    expect(execFileSync('qpdf', ['--show-npages', file], { encoding: 'utf8' }).trim()).toBe(String(n));
    for (const page of [1, 17, n]) {
      const [png] = pagePngs(file, `wp${page}`, ['-f', String(page), '-l', String(page)]);
      expect(zbarRead(png!)).toBe(cards[page - 1]!.payload);
    }
  });
});

describe('renderCardPdfs', () => {
  it('yields one small complete PDF per user, in order, each decoding to its payload', async () => {
    const cards = [okCard('p.one', 'Пётр Один'), brokenCard, okCard('p.three', 'Ελένη Τρία')];
    const docs: Array<{ index: number; bytes: Uint8Array }> = [];
    for await (const d of renderCardPdfs(cards)) docs.push(d);
    expect(docs.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const [i, d] of docs.entries()) {
      const file = path.join(dir, `user-${i}.pdf`);
      writeFileSync(file, d.bytes);
      expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
      expect(execFileSync('qpdf', ['--show-npages', file], { encoding: 'utf8' }).trim()).toBe('1');
      // One font subset for the whole export, reused: each file stays small.
      expect(d.bytes.length).toBeLessThan(40_000);
      const [png] = pagePngs(file, `user${i}`);
      expect(zbarRead(png!)).toBe(cards[i]!.payload ?? null);
    }
    const text = execFileSync('pdftotext', [path.join(dir, 'user-2.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('Ελένη Τρία');
  });

  it('renders in worker threads for a big export and stops with CANCELLED when aborted', async () => {
    const cards = Array.from({ length: WORKER_MIN_CARDS + 5 }, (_, i) => okCard(`d${i}`, `Doc ${i}`));
    const ac = new AbortController();
    let count = 0;
    await expectCode(
      (async () => {
        for await (const d of renderCardPdfs(cards, { signal: ac.signal })) {
          expect(d.index).toBe(count);
          count++;
          if (count === 50) ac.abort();
        }
      })(),
      'CANCELLED',
    );
    expect(count).toBe(50);
  });
});

describe('card branding', () => {
  /** A 90 x 30 PNG: a dark bar on a transparent ground, so the PDF needs a soft mask. */
  function logoPng(): Uint8Array {
    const img = new PNG({ width: 90, height: 30 });
    for (let i = 0; i < 90 * 30; i++) img.data.set([31, 58, 95, Math.floor(i / 90) % 10 < 5 ? 255 : 0], i * 4);
    return PNG.sync.write(img);
  }
  const branding = { text: 'Help desk 555-0100 · Žilina', logo: pdfImageFromPng(logoPng()) };

  it('puts the logo on every page as one shared image with its mask, and the line of text, in one PDF and in each per-user PDF', async () => {
    const cards = Array.from({ length: WORKER_MIN_CARDS + 3 }, (_, i) => okCard(`user${i}`, `User ${i}`));
    const file = path.join(dir, 'branded.pdf');
    await writeToFile(cards, file, { branding });
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
    const images = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    // pdfimages lists an image per page that draws it: every page, the same object (and its smask).
    const rows = images.map((l) => l.trim().split(/\s+/));
    expect(rows.filter((r) => r[2] === 'image')).toHaveLength(cards.length);
    expect(rows.filter((r) => r[2] === 'smask')).toHaveLength(cards.length);
    expect(new Set(rows.filter((r) => r[2] === 'image').map((r) => r[10]))).toEqual(new Set([rows[0]?.[10]]));
    expect(rows[0]?.slice(3, 5)).toEqual(['90', '30']);
    const text = execFileSync('pdftotext', ['-f', '1', '-l', '2', file, '-'], { encoding: 'utf8' });
    expect(text.match(/Help desk 555-0100 · Žilina/g)).toHaveLength(2);
    // The code still scans with the logo beside it.
    execFileSync('pdftoppm', ['-r', '110', '-f', '1', '-l', '1', '-png', file, path.join(dir, 'branded')]);
    const png = readdirSync(dir).find((f) => f.startsWith('branded') && f.endsWith('.png'))!;
    expect(zbarRead(path.join(dir, png))).not.toBeNull();

    const docs: Uint8Array[] = [];
    for await (const d of renderCardPdfs(cards.slice(0, 2), { branding })) docs.push(d.bytes);
    const one = path.join(dir, 'branded-user.pdf');
    writeFileSync(one, docs[1]!);
    expect(spawnSync('qpdf', ['--check', one]).status).toBe(0);
    expect(execFileSync('pdfimages', ['-list', one], { encoding: 'utf8' })).toMatch(/\n\s+1\s+0 image\s+90\s+30 .*\n\s+1\s+1 smask\s+90\s+30/);
    expect(execFileSync('pdftotext', [one, '-'], { encoding: 'utf8' })).toContain('Help desk 555-0100 · Žilina');
  });

  it('draws the logo and the line on badges too', async () => {
    const file = path.join(dir, 'branded-badges.pdf');
    await writeToFile([okCard('a.berg', 'Anna Berg'), okCard('b.chen', 'Bo Chen')], file, { branding, layout: 'badges' });
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
    // One draw per badge, both of the one image object.
    const rows = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2).map((l) => l.trim().split(/\s+/));
    expect(rows.filter((r) => r[2] === 'image').map((r) => r[10])).toEqual([rows[0]?.[10], rows[0]?.[10]]);
    expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).match(/Help desk 555-0100/g)).toHaveLength(2);
  });

  it('refuses a logo that is not a readable PNG with PAYLOAD_INVALID', () => {
    expect(() => pdfImageFromPng(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]))).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }) as Error);
  });
});

describe('provisioning cards', () => {
  /** A provisioning payload as the server makes it (docs/provisioning-payload.md): server, server ID, login, code. */
  function provisioningCard(login: string, displayName: string): Card {
    const code = randomBytes(16).toString('base64url');
    const payload = JSON.stringify({ gp: 'provision', v: 1, s: SERVER, sid: 'q2L0tMBv7Zk3xR9yWn4aHg', l: login, c: code });
    return { kind: 'provisioning', login, displayName, serverName: 'Plant 2', serverUrl: SERVER, status: 'ok', payload, issuedAt: ISSUED, expiresAt: '2025-11-25T08:41:00.000Z' };
  }
  const refused: Card = { ...brokenCard, kind: 'provisioning', reason: 'c.diaz may not use mobile authentication' };

  it('say what the code is for and until when, through the same engine, and each QR decodes to its payload', async () => {
    const cards = [provisioningCard('a.berg', 'Anna Berg'), refused];
    const file = path.join(dir, 'provisioning.pdf');
    await writeToFile(cards, file, { title: 'Gatepass provisioning codes: Plant 2' });
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
    const [first, second] = pagePngs(file, 'prov');
    expect(zbarRead(first!)).toBe(cards[0]!.payload);
    expect(zbarRead(second!)).toBeNull();
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('MOBILE PROVISIONING CODE');
    expect(text).toContain('Valid until');
    expect(text).toContain('2025-11-25 08:41 UTC');
    expect(text).toContain('The code works once');
    expect(text).toContain('MOBILE PROVISIONING CODE · NOT ISSUED');
    expect(text).toContain('may not use mobile authentication');
    // Nothing of a sign-in card: a provisioning code is not a password.
    expect(text).not.toContain('SIGN-IN CARD');
    expect(text).not.toContain('works like a password');
  });

  it('on badges and as per-user PDFs too', async () => {
    const cards = [provisioningCard('a.berg', 'Anna Berg'), provisioningCard('b.chan', 'Bo Chan')];
    const file = path.join(dir, 'provisioning-badges.pdf');
    await writeToFile(cards, file, { layout: 'badges' });
    const [page] = pagePngs(file, 'provbadge');
    const decoded = zbarScan(page!).sort();
    expect(decoded).toEqual(cards.map((c) => c.payload).sort());
    expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain('Phone setup code, works once');
    const docs = [];
    for await (const d of renderCardPdfs(cards, {})) docs.push(d);
    expect(docs).toHaveLength(2);
    const one = path.join(dir, 'provisioning-one.pdf');
    writeFileSync(one, docs[1]!.bytes);
    expect(zbarRead(pagePngs(one, 'provone')[0]!)).toBe(cards[1]!.payload);
    expect(execFileSync('pdftotext', [one, '-'], { encoding: 'utf8' })).toContain('MOBILE PROVISIONING CODE');
  });
});

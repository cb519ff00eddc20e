import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatepassError } from '../errors';
import { encodeSigninPayload } from '../qr-payload';
import { QUIET_ZONE_MODULES, qrImage, qrMatrix, qrSvgPath } from './matrix';
import { zbarRead } from '../../test-support/zbar';

const dir = mkdtempSync(path.join(tmpdir(), 'gp-qr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const payload = encodeSigninPayload({
  server: 'https://gp.example.com:8443',
  login: 'a.berg',
  credential: 'k7Qx2mP9.uWq3dM0fXbT5rL8yZ1cV4nH6jK2pS9eA7gQ',
  issuedAt: '2025-11-24T08:41:00.000Z',
  expiresAt: null,
});

/** Paints the path's rectangles into a fresh grid, accepting only the `M x y h w v 1 h -w z` runs we emit. */
function rasterise(d: string, size: number): Uint8Array {
  const grid = new Uint8Array(size * size);
  const re = /M(\d+) (\d+)h(\d+)v1h-(\d+)z/gy;
  let consumed = 0;
  for (let m = re.exec(d); m; m = re.exec(d)) {
    const [x, y, w, back] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    expect(back).toBe(w);
    for (let i = x; i < x + w; i++) grid[y * size + i] = (grid[y * size + i] ?? 0) + 1;
    consumed = re.lastIndex;
  }
  expect(consumed).toBe(d.length);
  return grid;
}

/** A plain PBM image of the path, with the quiet zone, for zbarimg to read. */
function pathToPbm(d: string, size: number, scale: number): string {
  const grid = rasterise(d, size);
  const full = (size + 2 * QUIET_ZONE_MODULES) * scale;
  const rows: string[] = [];
  for (let py = 0; py < full; py++) {
    const my = Math.floor(py / scale) - QUIET_ZONE_MODULES;
    let row = '';
    for (let px = 0; px < full; px++) {
      const mx = Math.floor(px / scale) - QUIET_ZONE_MODULES;
      const dark = mx >= 0 && my >= 0 && mx < size && my < size && grid[my * size + mx] === 1;
      row += dark ? '1' : '0';
    }
    rows.push(row);
  }
  const file = path.join(dir, `qr-${Math.random().toString(36).slice(2)}.pbm`);
  writeFileSync(file, `P1\n${full} ${full}\n${rows.join('\n')}\n`);
  return file;
}

describe('qrMatrix', () => {
  it('returns a square matrix of 0/1 modules with a valid QR size', () => {
    const m = qrMatrix(payload);
    expect((m.size - 17) % 4).toBe(0);
    expect(m.modules.length).toBe(m.size * m.size);
    expect([...new Set(m.modules)].sort()).toEqual([0, 1]);
  });

  it('uses error correction Q by default, so a printed code survives damage', () => {
    expect(qrMatrix(payload).size).toBe(qrMatrix(payload, 'Q').size);
    expect(qrMatrix(payload, 'L').size).toBeLessThan(qrMatrix(payload, 'Q').size);
  });

  it('refuses text too long for any QR code with PAYLOAD_INVALID, without echoing the text', () => {
    const secret = 'S3cret'.repeat(1000);
    let caught: unknown;
    try {
      qrMatrix(secret);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GatepassError);
    expect((caught as GatepassError).code).toBe('PAYLOAD_INVALID');
    expect((caught as GatepassError).message).not.toContain('S3cret');
  });
});

describe('qrSvgPath', () => {
  it('covers exactly the dark modules, each once', () => {
    const m = qrMatrix(payload);
    expect(Array.from(rasterise(qrSvgPath(m), m.size))).toEqual(Array.from(m.modules));
  });

  it('merges horizontal runs into one rectangle each', () => {
    const m = { size: 3, modules: Uint8Array.from([1, 1, 1, 0, 1, 0, 1, 0, 1]) };
    expect(qrSvgPath(m)).toBe('M0 0h3v1h-3zM1 1h1v1h-1zM0 2h1v1h-1zM2 2h1v1h-1z');
  });

  it('draws a code that zbarimg decodes back to the payload', () => {
    const img = qrImage(payload);
    const file = pathToPbm(img.path, img.size, 6);
    expect(zbarRead(file)).toBe(payload);
  });

  it('carries non-Latin text as UTF-8 that zbarimg decodes intact', () => {
    const text = encodeSigninPayload({ server: 'https://gp.example.com', login: 'борис.ελένη', credential: 'a.b', issuedAt: '2025-11-24T08:41:00.000Z', expiresAt: null });
    const img = qrImage(text);
    expect(zbarRead(pathToPbm(img.path, img.size, 6))).toBe(text);
  });

  it('yields nothing zbarimg can read once the path is damaged beyond repair', () => {
    const img = qrImage(payload);
    // Drop every other run: far past the 25% that level Q can restore.
    const damaged = img.path.split('z').filter((_, i) => i % 2 === 0).join('z');
    const file = pathToPbm(damaged.endsWith('z') ? damaged : `${damaged}z`, img.size, 6);
    expect(zbarRead(file)).toBeNull();
  });
});

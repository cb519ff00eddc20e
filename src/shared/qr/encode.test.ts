import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';
import { afterAll, describe, expect, it } from 'vitest';
import { type EcLevel, encodeQrText, qrVersionFor } from './encode';
import { zbarRead } from '../../test-support/zbar';

const dir = mkdtempSync(path.join(tmpdir(), 'gp-qrenc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LEVELS: EcLevel[] = ['L', 'M', 'Q', 'H'];
const WORDS = ['Anna', 'Бора', 'Иванова', 'Ελένη', 'Παππά', 'Díaz', 'Chen', '陈', 'ü', '✓'];

/** A payload of about `bytes` UTF-8 bytes, shaped like ours: JSON with a random credential, sometimes non-ASCII. */
function payload(bytes: number, seed: number): string {
  const name = seed % 3 === 0 ? `${WORDS[seed % WORDS.length]} ${WORDS[(seed * 7) % WORDS.length]}` : `user${seed}`;
  let text = `{"gp":"signin","v":1,"s":"https://gp.example.com:8443","l":"${name}","c":"`;
  while (Buffer.byteLength(text) < bytes - 2) text += randomBytes(24).toString('base64url');
  while (Buffer.byteLength(text) > bytes - 2) text = text.slice(0, -1);
  return `${text}"}`;
}

function reference(text: string, ec: EcLevel): { version: number; size: number; modules: number[]; mask: number } {
  const qr = QRCode.create([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], { errorCorrectionLevel: ec });
  return { version: qr.version, size: qr.modules.size, modules: Array.from(qr.modules.data, (v) => (v ? 1 : 0)), mask: qr.maskPattern ?? -1 };
}

describe('encodeQr', () => {
  it('gives the same version, mask and modules as the qrcode package for 3,000 realistic payloads at every level', () => {
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const text = payload(100 + (i % 101), i);
      const ec = LEVELS[i % 4] ?? 'Q';
      const ours = encodeQrText(text, ec);
      const ref = reference(text, ec);
      expect(ours?.version, `payload ${i} at ${ec}`).toBe(ref.version);
      expect(ours?.mask, `payload ${i} at ${ec}`).toBe(ref.mask);
      // Compare as one string: a 4,000-element array diff per failure would drown the report.
      expect(Array.from(ours?.modules ?? []).join(''), `payload ${i} at ${ec}`).toBe(ref.modules.join(''));
      compared++;
    }
    expect(compared).toBe(3000);
  });

  it('matches the qrcode package on the boundaries of the version range, 1 to 40', () => {
    for (const ec of LEVELS) {
      for (const len of [1, 17, 100, 500, 1000, 1200]) {
        const text = 'x'.repeat(len);
        const ref = (() => {
          try {
            return reference(text, ec);
          } catch {
            // qrcode throws when no version holds the data; ours returns null.
            return null;
          }
        })();
        const ours = encodeQrText(text, ec);
        expect(ours?.version ?? null, `${len} bytes at ${ec}`).toBe(ref?.version ?? null);
        if (ours && ref) expect(Array.from(ours.modules).join('')).toBe(ref.modules.join(''));
      }
    }
  });

  it('picks version 40 for the largest byte payload at L and refuses one byte more', () => {
    // 2,953 bytes is the byte-mode capacity of 40-L (ISO/IEC 18004 Table 7).
    expect(qrVersionFor(2953, 'L')).toBe(40);
    expect(qrVersionFor(2954, 'L')).toBe(0);
    expect(encodeQrText('x'.repeat(2954), 'L')).toBeNull();
  });

  it('draws symbols that zbarimg reads back as the exact UTF-8 text', () => {
    for (const [i, ec] of LEVELS.entries()) {
      const text = payload(150 + 20 * i, 3 * i);
      const sym = encodeQrText(text, ec);
      if (!sym) throw new Error('no symbol');
      const scale = 4;
      const full = (sym.size + 8) * scale;
      const rows: string[] = [];
      for (let py = 0; py < full; py++) {
        let row = '';
        for (let px = 0; px < full; px++) {
          const x = Math.floor(px / scale) - 4;
          const y = Math.floor(py / scale) - 4;
          row += x >= 0 && y >= 0 && x < sym.size && y < sym.size && sym.modules[y * sym.size + x] === 1 ? '1' : '0';
        }
        rows.push(row);
      }
      const file = path.join(dir, `sym-${ec}.pbm`);
      writeFileSync(file, `P1\n${full} ${full}\n${rows.join('\n')}\n`);
      // binary: the raw bytes, not zbar's guess at a character set (it takes some UTF-8 for Shift-JIS).
      expect(zbarRead(file, { binary: true })).toBe(text);
    }
  });
});

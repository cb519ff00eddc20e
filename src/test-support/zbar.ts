import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * ZBar's zbarimg, the real QR reader every test reads codes back with, in one place.
 *
 * - QR codes only (`-Sdisable -Sqrcode.enable`): a linear-barcode decoder that finds a false
 *   "code" in a QR's modules or a card's text must not become a wrong reading.
 * - Exit 4 is zbarimg's "no code in this image": that is an answer (no codes). Any other failure
 *   (ImageMagick refusing a file on a loaded machine, a crash) is retried once and then thrown with
 *   zbarimg's own words, so a tool hiccup never passes for an unreadable code, nor the reverse.
 * - `binary`: the symbol's raw bytes read as UTF-8, instead of zbar's guess at a character set
 *   (it takes some UTF-8 text, CJK logins for one, for Shift-JIS).
 */
export interface ZbarOptions {
  binary?: boolean;
}

const NO_CODE = 4;

/** Every QR code zbarimg finds in the image files, one string each, in zbarimg's order. */
export function zbarScan(files: string | readonly string[], opts: ZbarOptions = {}): string[] {
  const args = ['--nodbus', '-q', '--raw', '-Sdisable', '-Sqrcode.enable', ...(opts.binary ? ['-Sbinary'] : []), ...(typeof files === 'string' ? [files] : files)];
  let failure = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = spawnSync('zbarimg', args, { maxBuffer: 64 * 1024 * 1024 });
    if (res.error) throw new Error(`zbarimg could not run: ${res.error.message}`);
    if (res.status === 0 || res.status === NO_CODE) {
      const out = res.stdout.toString('utf8');
      return out === '' ? [] : out.replace(/\n$/, '').split('\n');
    }
    failure = `zbarimg exited with ${res.status ?? res.signal}: ${res.stderr.toString('utf8').trim()}`;
    console.warn(`${failure}${attempt === 0 ? ' (retrying once)' : ''}`);
  }
  throw new Error(failure);
}

/** The one QR code in an image file, or null when zbarimg finds none; more than one is an error. */
export function zbarRead(file: string, opts: ZbarOptions = {}): string | null {
  const codes = zbarScan(file, opts);
  if (codes.length > 1) throw new Error(`zbarimg found ${codes.length} codes in ${file}, expected one`);
  return codes[0] ?? null;
}

/** zbarRead of image bytes (PNG, PBM: whatever ImageMagick reads), through a scratch file. */
export function zbarReadBytes(image: Uint8Array, opts: ZbarOptions & { ext?: string } = {}): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'gp-zbar-'));
  try {
    const file = join(dir, `code.${opts.ext ?? 'png'}`);
    writeFileSync(file, image);
    return zbarRead(file, opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

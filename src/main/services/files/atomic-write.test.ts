import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatepassError } from '../../../shared/errors';
import { writeCardsPdf } from '../export/pdf/cards';
import { mapFsError, writeFileAtomic } from './atomic-write';

const root = mkdtempSync(path.join(tmpdir(), 'gp-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function freshDir(): string {
  const d = path.join(root, `case-${++n}`);
  mkdirSync(d, { recursive: true });
  return d;
}

async function caught(p: Promise<unknown>): Promise<GatepassError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatepassError);
  return err as GatepassError;
}

function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** Writes a few chunks with pauses, so a test can abort in the middle. */
async function slowProduce(out: NodeJS.WritableStream, onFirstChunk: () => void): Promise<void> {
  await write(out, 'first part\n');
  onFirstChunk();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 10));
    await write(out, `part ${i}\n`);
  }
  out.end();
}

describe('writeFileAtomic', () => {
  it('writes the whole file, owner-only, and reports its size', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'cards.txt');
    const res = await writeFileAtomic(target, async (out) => {
      await write(out, 'hello ');
      out.end('world');
    });
    expect(readFileSync(target, 'utf8')).toBe('hello world');
    expect(res).toEqual({ path: target, bytes: 11 });
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['cards.txt']);
  });

  it('ends the stream for a producer that forgets to', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'a.txt');
    await writeFileAtomic(target, (out) => write(out, 'abc'));
    expect(readFileSync(target, 'utf8')).toBe('abc');
  });

  it('replaces an existing file and applies the requested mode', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'a.txt');
    writeFileSync(target, 'old', { mode: 0o644 });
    await writeFileAtomic(target, async (out) => void out.end('new'), { mode: 0o640 });
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  it('leaves neither the file nor a temp file when aborted mid-write', async () => {
    const dir = freshDir();
    const ac = new AbortController();
    const err = await caught(writeFileAtomic(path.join(dir, 'cards.pdf'), (out) => slowProduce(out, () => ac.abort()), { signal: ac.signal }));
    expect(err.code).toBe('CANCELLED');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the existing file intact when aborted mid-write', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'cards.pdf');
    writeFileSync(target, 'previous export');
    const ac = new AbortController();
    await caught(writeFileAtomic(target, (out) => slowProduce(out, () => ac.abort()), { signal: ac.signal }));
    expect(readFileSync(target, 'utf8')).toBe('previous export');
    expect(readdirSync(dir)).toEqual(['cards.pdf']);
  });

  it('keeps the existing file intact and cleans up when the producer fails', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'cards.pdf');
    writeFileSync(target, 'previous export');
    const err = await caught(
      writeFileAtomic(target, async (out) => {
        await write(out, 'partial');
        throw new Error('renderer crashed');
      }),
    );
    expect(err.code).toBe('WRITE_FAILED');
    expect(err.message).toContain(dir);
    expect(readFileSync(target, 'utf8')).toBe('previous export');
    expect(readdirSync(dir)).toEqual(['cards.pdf']);
  });

  it('passes a GatepassError from the producer through unchanged', async () => {
    const dir = freshDir();
    const err = await caught(
      writeFileAtomic(path.join(dir, 'x'), () => Promise.reject(new GatepassError('CANCELLED', 'Export cancelled'))),
    );
    expect(err.code).toBe('CANCELLED');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fails with WRITE_FAILED naming the folder when a path component is a file', async () => {
    const dir = freshDir();
    writeFileSync(path.join(dir, 'not-a-folder'), 'x');
    const folder = path.join(dir, 'not-a-folder');
    const err = await caught(writeFileAtomic(path.join(folder, 'cards.pdf'), async (out) => void out.end('x')));
    expect(err.code).toBe('WRITE_FAILED');
    expect(err.message).toContain(folder);
  });

  it('fails with PERMISSION_DENIED in a folder nobody may create files in, even root', async () => {
    // sysfs refuses new files for every user (EACCES, or EROFS where /sys is mounted read-only).
    const err = await caught(writeFileAtomic('/sys/gatepass-cards.pdf', async (out) => void out.end('x')));
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.message).toContain('/sys');
  });

  it('stores a real sign-in card PDF that qpdf accepts', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'cards.pdf');
    const card = {
      login: 'a.berg',
      displayName: 'Anna Berg',
      serverName: 'Plant 2',
      serverUrl: 'https://gp.example.com',
      status: 'ok' as const,
      payload: 'hello',
      issuedAt: null,
      expiresAt: null,
    };
    const res = await writeFileAtomic(target, (out) => writeCardsPdf([card], out));
    expect(res.bytes).toBe(statSync(target).size);
    expect(spawnSync('qpdf', ['--check', target]).status).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });
});

describe('mapFsError', () => {
  function realError(fn: () => void): unknown {
    try {
      fn();
    } catch (err) {
      return err;
    }
    throw new Error('expected the file operation to fail');
  }

  it('maps a real full-disk error (writing /dev/full) to DISK_FULL naming the folder', () => {
    const err = mapFsError(
      realError(() => writeFileSync('/dev/full', 'x')),
      '/media/usb',
    );
    expect(err.code).toBe('DISK_FULL');
    expect(err.message).toContain('/media/usb');
  });

  it('maps a real permission error to PERMISSION_DENIED', () => {
    expect(mapFsError(realError(() => writeFileSync('/sys/gatepass-probe', 'x')), '/sys').code).toBe('PERMISSION_DENIED');
  });

  it('maps other errors to WRITE_FAILED without leaking their message', () => {
    const err = mapFsError(new Error('token=abc123'), '/out');
    expect(err.code).toBe('WRITE_FAILED');
    expect(err.message).not.toContain('abc123');
  });
});

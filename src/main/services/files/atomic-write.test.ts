import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatepassError } from '../../../shared/errors';
import { writeCardsPdf } from '../export/pdf/cards';
import { mapFsError, removeStaleTempFiles, writeFileAtomic } from './atomic-write';

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

const repo = path.join(import.meta.dirname, '..', '..', '..', '..');

/**
 * Another console process in the middle of a save to `target`: it has written part of the
 * file and waits for ever (until the test kills it). Resolves once its temp file exists.
 */
async function saveInAnotherProcess(target: string): Promise<ChildProcessWithoutNullStreams> {
  const code = `
    import { writeFileAtomic } from './src/main/services/files/atomic-write.ts';
    setInterval(() => {}, 1 << 30);
    await writeFileAtomic(${JSON.stringify(target)}, async (out) => {
      out.write('the first half of a sign-in card PDF');
      console.log('WRITING');
      await new Promise(() => {});
    });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 20_000;
  while (!out.includes('WRITING')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the writer did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

async function sigkill(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

const tempFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('temp files of saves killed midway', () => {
  it('are named as hidden .tmp files, never like the file being saved', async () => {
    const dir = freshDir();
    const child = await saveInAnotherProcess(path.join(dir, 'codes.pdf'));
    try {
      const names = readdirSync(dir);
      expect(names).toHaveLength(1);
      expect(names[0]).toMatch(/^\.gatepass-[0-9a-f]{8}-\d+-[0-9a-f]{16}\.tmp$/);
      expect(names[0]).not.toContain('codes');
    } finally {
      await sigkill(child);
    }
  });

  it('are removed by the next save into that folder once their process is gone (SIGKILL)', async () => {
    const dir = freshDir();
    const child = await saveInAnotherProcess(path.join(dir, 'codes.pdf'));
    await sigkill(child);
    // The killed save left its temp file and no codes.pdf.
    expect(tempFiles(dir)).toHaveLength(1);
    expect(readdirSync(dir)).not.toContain('codes.pdf');
    await writeFileAtomic(path.join(dir, 'codes.pdf'), async (out) => void out.end('complete'));
    expect(readdirSync(dir)).toEqual(['codes.pdf']);
    expect(readFileSync(path.join(dir, 'codes.pdf'), 'utf8')).toBe('complete');
  });

  it('are left alone while their process still runs, and removed once it is killed', async () => {
    const dir = freshDir();
    const child = await saveInAnotherProcess(path.join(dir, 'a.pdf'));
    try {
      const theirs = tempFiles(dir);
      await writeFileAtomic(path.join(dir, 'b.pdf'), async (out) => void out.end('b'));
      expect(tempFiles(dir)).toEqual(theirs);
      expect(await removeStaleTempFiles(dir)).toBe(0);
    } finally {
      await sigkill(child);
    }
    expect(await removeStaleTempFiles(dir)).toBe(1);
    expect(readdirSync(dir)).toEqual(['b.pdf']);
  });

  it('never removes the temp file of another save running in this process', async () => {
    const dir = freshDir();
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = writeFileAtomic(path.join(dir, 'slow.pdf'), async (out) => {
      out.write('half');
      await gate;
      out.end(' and the rest');
    });
    await new Promise((r) => setTimeout(r, 50));
    await writeFileAtomic(path.join(dir, 'quick.pdf'), async (out) => void out.end('quick'));
    release();
    await slow;
    expect(readdirSync(dir).sort()).toEqual(['quick.pdf', 'slow.pdf']);
    expect(readFileSync(path.join(dir, 'slow.pdf'), 'utf8')).toBe('half and the rest');
  });

  it('from another computer or an older version go only after a day untouched; other files are never touched', async () => {
    const dir = freshDir();
    const dayOld = (Date.now() - 25 * 3600_000) / 1000;
    const files = {
      oldFormatStale: '.gatepass-0123456789abcdef.tmp',
      oldFormatFresh: '.gatepass-fedcba9876543210.tmp',
      otherHostStale: '.gatepass-00000000-1-0123456789abcdef.tmp',
      otherHostFresh: '.gatepass-00000000-1-fedcba9876543210.tmp',
      notOurs: '.gatepass-notes.tmp',
      target: 'codes.pdf',
    };
    for (const f of Object.values(files)) writeFileSync(path.join(dir, f), 'x');
    for (const f of [files.oldFormatStale, files.otherHostStale, files.notOurs, files.target]) utimesSync(path.join(dir, f), dayOld, dayOld);
    expect(await removeStaleTempFiles(dir)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual([files.oldFormatFresh, files.otherHostFresh, files.notOurs, files.target].sort());
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

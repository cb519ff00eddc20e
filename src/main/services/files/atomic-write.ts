import { createHash, randomBytes } from 'node:crypto';
import { close, createWriteStream, fchmod, fsync, open as openFd } from 'node:fs';
import { lstat, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { GatepassError } from '../../../shared/errors';

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode; default 0o600 (owner-only), since exported files hold sign-in credentials. */
  mode?: number;
  signal?: AbortSignal;
}

const openFdAsync = promisify(openFd);
const fchmodAsync = promisify(fchmod);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/**
 * Turns a file-system failure into a GatepassError with a stable code and a message that
 * names the folder (never file contents). GatepassErrors pass through unchanged.
 */
export function mapFsError(err: unknown, folder: string): GatepassError {
  if (err instanceof GatepassError) return err;
  if (err instanceof Error && err.name === 'AbortError') return new GatepassError('CANCELLED', 'Export cancelled');
  const code = errnoCode(err);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new GatepassError('DISK_FULL', `The disk is full: could not write to ${folder}`, { errno: code });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new GatepassError('PERMISSION_DENIED', `No permission to write to ${folder}`, { errno: code });
    case 'ENOENT':
    case 'ENOTDIR':
      return new GatepassError('WRITE_FAILED', `The folder ${folder} does not exist`, { errno: code });
    default:
      return new GatepassError('WRITE_FAILED', `Could not write to ${folder}${code ? ` (${code})` : ''}`, code ? { errno: code } : undefined);
  }
}

function abortPromise(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new GatepassError('CANCELLED', 'Export cancelled'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Temp files are `.gatepass-<host>-<pid>-<random>.tmp`: hidden, never named like the file
 * being saved, and saying which process on which computer writes them, so a later save can
 * tell the leftovers of a killed process (SIGKILL, power cut) from a save still running.
 * `<host>` is a hash of the host name (the name itself stays private on a shared folder).
 */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const TEMP_NAME = /^\.gatepass-(?:([0-9a-f]{8})-(\d{1,10})-)?[0-9a-f]{16}\.tmp$/;
/**
 * A temp file whose writer cannot be checked (another computer on a shared folder, or the
 * name of an older version without a pid) is stale only after a day untouched: a save
 * writes its temp file continuously, so no running save leaves it that long.
 */
export const STALE_TEMP_AGE_MS = 24 * 60 * 60 * 1000;

function tempName(): string {
  return `.gatepass-${HOST_TAG}-${process.pid}-${randomBytes(8).toString('hex')}.tmp`;
}

/** Whether a process with this id runs on this computer (EPERM: it runs, as another user). */
export function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/**
 * Removes the temp files that saves into `folder` left behind when their process was killed
 * midway: those of this computer whose process is gone, and any of our temp names untouched
 * for {@link STALE_TEMP_AGE_MS}. Touches no other file. Best effort: returns how
 * many it removed and never throws (a folder it cannot list has nothing it can clean).
 */
export async function removeStaleTempFiles(folder: string, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const file = path.join(folder, name);
    try {
      const st = await lstat(file);
      if (!st.isFile()) continue;
      const ours = m[1] === HOST_TAG && m[2] !== undefined;
      // A day untouched also covers a dead writer whose pid another process has taken since.
      const stale = now - st.mtimeMs > STALE_TEMP_AGE_MS || (ours && !processRuns(Number(m[2])));
      if (!stale) continue;
      await unlink(file);
      removed++;
    } catch {
      // Gone already (another save cleaned it) or not ours to remove: leave it.
    }
  }
  return removed;
}

/** fsync the folder so the rename itself survives a crash (POSIX; Windows cannot open folders for this). */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Best effort: some file systems (network, FUSE) refuse fsync on a folder; the data file itself was synced.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * Writes a file so that readers see either the old file or the complete new one: `produce`
 * streams into a temp file (`.gatepass-<host>-<pid>-<random>.tmp`, created owner-only) in the
 * target's folder, which is fsynced and renamed over the target, then the folder is fsynced.
 * On any failure or abort the temp file is removed, an existing target is left untouched, and
 * a GatepassError is thrown: DISK_FULL, PERMISSION_DENIED, CANCELLED or WRITE_FAILED. A
 * process killed midway cannot remove its temp file: the next save into the folder does
 * ({@link removeStaleTempFiles}).
 * `produce` should end the stream; if it resolves without doing so, it is ended for it.
 */
export async function writeFileAtomic(
  targetPath: string,
  produce: (out: NodeJS.WritableStream) => Promise<void>,
  opts: AtomicWriteOptions = {},
): Promise<{ path: string; bytes: number }> {
  const target = path.resolve(targetPath);
  const folder = path.dirname(target);
  const mode = opts.mode ?? 0o600;
  const { signal } = opts;
  if (signal?.aborted) throw new GatepassError('CANCELLED', 'Export cancelled');

  // Leftovers of saves killed midway (their temp files hold sign-in credentials too).
  await removeStaleTempFiles(folder);
  const tmp = path.join(folder, tempName());
  let fd: number | undefined;
  let stream: Writable | undefined;
  let created = false;
  const abort = abortPromise(signal);
  try {
    // 'wx': never follow or reuse an existing file at the temp name; mode applies at creation,
    // so the credentials are never readable by others, not even for a moment.
    fd = await openFdAsync(tmp, 'wx', mode);
    created = true;
    // The umask may have removed bits the caller asked for; make the mode exact.
    if (process.platform !== 'win32') await fchmodAsync(fd, mode);

    // A plain fd (not a FileHandle) so the stream never closes it: we fsync, then close, ourselves.
    // emitClose: 'close' marks the end of any write still in flight (see the catch below).
    const s = createWriteStream(tmp, { fd, autoClose: false, emitClose: true });
    stream = s;
    const failed = new Promise<never>((_, reject) => s.once('error', reject));
    failed.catch(() => undefined);
    const produced = produce(s);
    // If abort or a stream error wins the race, `produce` may still reject later: that is expected.
    produced.catch(() => undefined);
    await Promise.race([produced, failed, abort.promise]);
    if (!s.writableEnded) s.end();
    await Promise.race([finished(s), failed, abort.promise]);
    const bytes = s.bytesWritten;

    await fsyncAsync(fd);
    const toClose = fd;
    fd = undefined;
    await closeAsync(toClose);
    // Last chance to cancel: once renamed, the new file is the result.
    if (signal?.aborted) throw new GatepassError('CANCELLED', 'Export cancelled');
    await rename(tmp, target);
    created = false;
    await syncDir(folder);
    return { path: target, bytes };
  } catch (err) {
    if (stream && !stream.closed) {
      // Wait for writes already handed to the OS before closing the fd, so a recycled fd
      // number can never receive a late write meant for the temp file.
      const st = stream;
      const closedEvent = new Promise<void>((resolve) => st.once('close', () => resolve()));
      st.destroy();
      await closedEvent;
    }
    if (fd !== undefined) await closeAsync(fd).catch(() => undefined);
    if (created) {
      await unlink(tmp).catch(() => {
        // Nothing more to do: the temp name is hidden and random, and the target is untouched.
      });
    }
    throw mapFsError(err, folder);
  } finally {
    abort.dispose();
  }
}

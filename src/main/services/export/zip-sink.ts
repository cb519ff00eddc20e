import { once } from 'node:events';
import { Writable } from 'node:stream';
import { Zip, ZipPassThrough } from 'fflate';
import { GatepassError } from '../../../shared/errors';

/** A ZIP written entry by entry into a stream, never held whole in memory. */
export interface ZipSink {
  /** A stream for one entry; write it and end it before starting the next entry. */
  entry(name: string): Writable;
  /** A small entry given whole (.usr files, README.txt). */
  addFile(name: string, data: Uint8Array | string): Promise<void>;
  /** Writes the central directory and ends `out`; resolves when `out` has finished. */
  end(): Promise<void>;
  /** Stops without ending `out` (the caller discards it). */
  abort(): void;
}

// Unix "version made by" with mode 0600 regular file: unzip on Unix restores owner-only files
// (APPNOTE 4.4.2 / 4.4.15), since the entries hold sign-in credentials.
const MADE_BY_UNIX = 3;
const OWNER_ONLY_FILE = (0o100600 << 16) >>> 0;

/**
 * fflate's streaming `Zip` with stored (`ZipPassThrough`) entries: PDFs are already
 * compressed, and storing keeps 20,000 entries at a fraction of a second (PERF-NOTES).
 * fflate pushes output synchronously; when `out` asks for backpressure, entry writes wait
 * for its 'drain' before taking more, so a slow disk cannot make us buffer the archive.
 * fflate sets the UTF-8 name flag (general purpose bit 11) for non-ASCII names itself.
 * It writes no ZIP64, so at most 65,535 entries (checked by the caller).
 */
export function createZipSink(out: NodeJS.WritableStream, opts: { mtime?: Date; signal?: AbortSignal } = {}): ZipSink {
  const mtime = opts.mtime ?? new Date();
  const { signal } = opts;
  let error: Error | null = null;
  let ended = false;
  const onOutError = (err: Error): void => {
    error ??= err;
  };
  out.on('error', onOutError);
  const zip = new Zip((err, chunk, final) => {
    if (err) {
      error ??= err;
      return;
    }
    if (error) return;
    if (chunk.length > 0) out.write(chunk);
    if (final) {
      ended = true;
      out.end();
    }
  });

  async function flowControl(): Promise<void> {
    if (error) throw error;
    if (signal?.aborted) throw new GatepassError('CANCELLED', 'Export cancelled');
    const w = out as unknown as Writable;
    if (!w.writableNeedDrain) return;
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([once(w, 'drain', { signal: ac.signal }), once(w, 'close', { signal: ac.signal })]);
    } catch {
      // Our own abort ends the wait: the checks below say why.
    } finally {
      ac.abort();
      signal?.removeEventListener('abort', onAbort);
    }
    if (error) throw error;
    if (signal?.aborted) throw new GatepassError('CANCELLED', 'Export cancelled');
  }

  function newEntry(name: string): ZipPassThrough {
    if (ended) throw new GatepassError('INTERNAL', 'The archive is already finished');
    const f = new ZipPassThrough(name);
    f.mtime = mtime;
    f.os = MADE_BY_UNIX;
    f.attrs = OWNER_ONLY_FILE;
    zip.add(f);
    return f;
  }

  return {
    entry(name) {
      const f = newEntry(name);
      return new Writable({
        write(chunk: Buffer, _enc, cb) {
          try {
            f.push(chunk);
          } catch (err) {
            cb(err as Error);
            return;
          }
          flowControl().then(() => cb(), cb);
        },
        final(cb) {
          f.push(new Uint8Array(0), true);
          flowControl().then(() => cb(), cb);
        },
      });
    },
    async addFile(name, data) {
      const f = newEntry(name);
      f.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, true);
      await flowControl();
    },
    async end() {
      if (error) throw error;
      zip.end();
      if (error) throw error;
      const w = out as unknown as Writable;
      if (!w.writableFinished) await once(w, 'finish');
      if (error) throw error;
      out.removeListener('error', onOutError);
    },
    abort() {
      error ??= new GatepassError('CANCELLED', 'Export cancelled');
      zip.terminate();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DownloadSink, ExportFile } from '../main/services/export/save-job';
import { processRuns, STALE_TEMP_AGE_MS } from '../main/services/files/atomic-write';

/** A file waiting for its one download in the browser host. */
export interface PendingDownload extends ExportFile {
  /** Deletes the file; call once it has been sent (or failed to). */
  discard(): Promise<void>;
}

/** The browser host's finished exports: written by export:save, each served once from `/downloads/<id>`. */
export interface Downloads extends DownloadSink {
  /** Hands out a finished export once; null if unknown, expired or already taken. */
  take(id: string): PendingDownload | null;
  /** Deletes every file not downloaded yet, and their folder. */
  close(): Promise<void>;
}

const DOWNLOAD_TTL_MS = 10 * 60_000;

/** `gatepass-downloads-<pid>-<random>`: the pid tells a later host whether the folder's host is gone. */
const FOLDER_PREFIX = 'gatepass-downloads-';
const FOLDER_NAME = /^gatepass-downloads-(?:(\d{1,10})-)?[A-Za-z0-9]{6}$/;

/**
 * Removes the download folders of browser hosts that were killed (SIGKILL, power cut) before
 * they could delete them: the exports waiting there hold sign-in credentials. A folder is
 * stale when its host's process is gone, or (an older version's name, without a pid) after a
 * day untouched. Only this user's folders; best effort, never throws.
 */
async function removeStaleFolders(root: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return;
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  for (const name of names) {
    const m = FOLDER_NAME.exec(name);
    if (!m) continue;
    const dir = join(root, name);
    try {
      const st = await fs.lstat(dir);
      if (!st.isDirectory() || (uid !== null && st.uid !== uid)) continue;
      const stale = m[1] !== undefined ? !processRuns(Number(m[1])) : Date.now() - st.mtimeMs > STALE_TEMP_AGE_MS;
      if (stale) await fs.rm(dir, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

/**
 * One-time downloads in a private temp folder, served under `urlPrefix`; one not taken within
 * 10 minutes is deleted. Folders that killed hosts left in `root` (the OS temp folder) are
 * removed from the start.
 */
export function createDownloads(urlPrefix = '', opts: { root?: string } = {}): Downloads {
  const root = opts.root ?? tmpdir();
  const downloads = new Map<string, { file: PendingDownload; expires: number }>();
  // Started now, so a restarted console removes what its killed predecessor left even if it never saves.
  const swept = removeStaleFolders(root);
  // One folder per host, made on the first export (a promise, so two first exports share it).
  let folder: Promise<string> | null = null;

  function sweep(): void {
    const t = Date.now();
    for (const [id, d] of downloads) {
      if (d.expires <= t) {
        downloads.delete(id);
        void d.file.discard();
      }
    }
  }

  return {
    async reserve(kind) {
      // mkdtemp creates the folder 0700: other local users cannot read exported secrets.
      if (!folder) {
        const made = swept.then(() => fs.mkdtemp(join(root, `${FOLDER_PREFIX}${process.pid}-`)));
        folder = made;
        // A failed attempt (disk full) must not fail every later export: the next one tries again.
        made.catch(() => {
          if (folder === made) folder = null;
        });
      }
      return join(await folder, `${randomBytes(8).toString('hex')}.${kind}`);
    },
    offer(written) {
      sweep();
      const id = randomBytes(32).toString('base64url');
      const file: PendingDownload = { ...written, discard: () => fs.rm(written.path, { force: true }) };
      downloads.set(id, { file, expires: Date.now() + DOWNLOAD_TTL_MS });
      return `${urlPrefix}/downloads/${id}`;
    },
    take(id) {
      sweep();
      const d = downloads.get(id);
      if (!d) return null;
      downloads.delete(id);
      return d.file;
    },
    async close() {
      for (const d of downloads.values()) await d.file.discard();
      downloads.clear();
      await swept;
      const dir = folder ? await folder.catch(() => null) : null;
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

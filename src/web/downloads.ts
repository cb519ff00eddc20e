import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DownloadSink, ExportFile } from '../main/services/export/save-job';

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

/** One-time downloads in a private temp folder, served under `urlPrefix`; one not taken within 10 minutes is deleted. */
export function createDownloads(urlPrefix = ''): Downloads {
  const downloads = new Map<string, { file: PendingDownload; expires: number }>();
  let downloadDir: string | null = null;

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
      downloadDir ??= await fs.mkdtemp(join(tmpdir(), 'gatepass-downloads-'));
      return join(downloadDir, `${randomBytes(8).toString('hex')}.${kind}`);
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
      if (downloadDir) await fs.rm(downloadDir, { recursive: true, force: true });
    },
  };
}

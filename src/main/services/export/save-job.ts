import { basename, extname, isAbsolute } from 'node:path';
import type { z } from 'zod';
import { GatepassError } from '../../../shared/errors';
import { sanitizeFileBase } from '../../../shared/file-names';
import type { ChannelOutput, Contract, EventPayload } from '../../../shared/ipc/contract';
import type { JobStore } from '../issuing/job-store';
import { bundleContentType, bundleKind, saveBundle, type BundleKind, type BundleProgress } from './save';

/** What kind of file a save target is asked for: a QR bundle, a CSV list, recovery codes as text, a computer's agent file, or a message of the mail folder. */
export type ExportKind = BundleKind | 'csv' | 'txt' | 'agent' | 'eml';

/** Where export:save should write: a path the user chose, a browser download, or nothing. */
export type SaveTarget = { kind: 'path'; path: string } | { kind: 'download'; via: DownloadSink } | { kind: 'cancelled' };

/** A written export as a {@link DownloadSink} gets it. */
export interface ExportFile {
  path: string;
  fileName: string;
  bytes: number;
  contentType: string;
}

/**
 * How a host without a save dialog hands the file to the user (the browser host's one-time
 * links, src/web/downloads.ts): it says where to write, then turns the file into a URL.
 */
export interface DownloadSink {
  /** A new path for a file of this kind, in a folder other local users cannot read. */
  reserve(kind: ExportKind): Promise<string>;
  /** Offers a written file for one download; returns its URL on the host's own origin. */
  offer(file: ExportFile): string;
}

/** export:save's input as the contract parsed it. */
export type SaveRequest = z.output<Contract['export:save']['input']>;

/** The saves of QR jobs: at most one at a time per job, each cancellable; a job can be saved again and again. */
export interface SaveJobs {
  save(request: SaveRequest): Promise<ChannelOutput<'export:save'>>;
  /** Stops a running save of this job; it then returns `cancelled` and leaves no file. */
  cancel(jobId: string): void;
  /** True while the job is being saved, so nothing changes its cards under the save. */
  isSaving(jobId: string): boolean;
  /** Shutdown: stops every running save. */
  cancelAll(): void;
}

/** Options of {@link createSaveJobs}. */
export interface SaveJobsOptions {
  jobs: JobStore;
  /** The host's choice of target for a save without `path` (save dialog, download). */
  saveTarget: (suggestedName: string, kind: ExportKind) => Promise<SaveTarget>;
  onProgress: (progress: EventPayload<'export:progress'>) => void;
  /** Lets a save honour `path` (CLI and tests); a console renderer must not pick arbitrary paths. */
  allowSavePath?: boolean;
}

/**
 * export:save and export:cancel without a host: the path policy, one save at a time per job,
 * and progress events throttled for the renderer. The job itself is left alone.
 */
export function createSaveJobs(opts: SaveJobsOptions): SaveJobs {
  const { jobs } = opts;
  // Saves in progress by job id, so export:cancel can stop them.
  const saving = new Map<string, AbortController>();

  async function save({ jobId, path, format, includeConfig, pageSize, layout, omitBroken }: SaveRequest): Promise<ChannelOutput<'export:save'>> {
    const job = jobs.get(jobId);
    if (saving.has(jobId)) throw new GatepassError('VALIDATION_FAILED', 'These codes are already being saved');
    const provisioning = job.kind === 'provisioning';
    if (provisioning && includeConfig) {
      throw new GatepassError('VALIDATION_FAILED', 'Provisioning codes come without configuration files: the phone sets itself up from the code');
    }
    const kind = bundleKind(format, includeConfig);
    const fileName = provisioning ? datedFileName('provisioning', job.serverName, new Date(), kind) : exportFileName(job.serverName, new Date(), kind);
    const ac = new AbortController();
    saving.set(jobId, ac);
    try {
      let target: SaveTarget;
      if (path !== undefined) {
        if (!opts.allowSavePath) throw new GatepassError('FORBIDDEN', 'Choose where to save in the save dialog');
        if (!isAbsolute(path)) throw new GatepassError('VALIDATION_FAILED', 'The path must be absolute');
        target = { kind: 'path', path };
      } else {
        target = await opts.saveTarget(fileName, kind);
      }
      if (target.kind === 'cancelled' || ac.signal.aborted) return { kind: 'cancelled' };

      const outPath = target.kind === 'path' ? target.path : await target.via.reserve(kind);
      // The ZIP's inner PDF is named like the file the user chose.
      const baseName = target.kind === 'path' ? basename(target.path, extname(target.path)) || 'gatepass-qr' : fileName.slice(0, -(kind.length + 1));
      let last = 0;
      let written;
      try {
        written = await saveBundle(job.cards, outPath, {
          format,
          includeConfig,
          pageSize,
          layout,
          omitBroken,
          ...(job.branding ? { branding: job.branding } : {}),
          baseName,
          tlsPin: job.tlsPin ?? null,
          title: `${provisioning ? 'Gatepass provisioning codes' : 'Gatepass sign-in codes'}: ${job.serverName}`,
          signal: ac.signal,
          onProgress(p: BundleProgress) {
            // At most ~10 events a second: a 10,000-user export must not flood the renderer.
            const t = Date.now();
            if (p.done === p.total || t - last >= 100) {
              last = t;
              opts.onProgress({ jobId, ...p });
            }
          },
        });
      } catch (err) {
        // export:cancel: nothing was written, the codes stay available to save again.
        if (ac.signal.aborted && err instanceof GatepassError && err.code === 'CANCELLED') return { kind: 'cancelled' };
        throw err;
      }
      // The job stays: it can be saved again, in any form, until its popup is closed (qr:discard).
      if (target.kind === 'path') return { kind: 'saved', path: written.path, bytes: written.bytes };
      const url = target.via.offer({ path: written.path, fileName, bytes: written.bytes, contentType: bundleContentType(kind) });
      return { kind: 'download', url, fileName, bytes: written.bytes };
    } finally {
      saving.delete(jobId);
    }
  }

  return {
    save,
    cancel(jobId) {
      saving.get(jobId)?.abort();
    },
    isSaving(jobId) {
      return saving.has(jobId);
    },
    cancelAll() {
      for (const ac of saving.values()) ac.abort();
    },
  };
}

/** {@link defaultExportName} with the bundle's extension (.pdf or .zip). */
export function exportFileName(serverName: string, date: Date, kind: BundleKind): string {
  return defaultExportName(serverName, date).replace(/\.pdf$/, `.${kind}`);
}

/** `gatepass-qr-<server>-<yyyy-mm-dd>.pdf`, safe as a file name everywhere. */
export function defaultExportName(serverName: string, date: Date): string {
  return datedFileName('qr', serverName, date, 'pdf');
}

/** `gatepass-<what>-<server>-<yyyy-mm-dd>.<ext>` (what: qr, users, audit), safe as a file name everywhere. */
export function datedFileName(what: string, serverName: string, date: Date, ext: string): string {
  const server = sanitizeFileBase(serverName.trim().toLowerCase().replace(/\s+/g, '-')).slice(0, 60);
  const day = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  return `gatepass-${what}-${server}-${day}.${ext}`;
}

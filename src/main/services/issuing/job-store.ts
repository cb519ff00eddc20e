import { GatepassError } from '../../../shared/errors';
import type { GeneratedCode, NotIssued } from '../../../shared/ipc/contract';
import type { Card, PdfBranding } from '../export/pdf/cards';

/**
 * A generated batch, kept in main: `cards` hold the sign-in payloads (secrets), which never
 * go to the renderer; `codes` is what the renderer sees (QR images, statuses).
 */
export interface QrJob {
  jobId: string;
  /** Sign-in codes (Generate QR Code) or provisioning codes (Show provisioning QR); sign-in when left out. */
  kind?: 'signin' | 'provisioning';
  serverId: string;
  serverName: string;
  serverUrl: string;
  createdAt: string;
  /** The server's TLS pin for .usr files (`sha256/<base64>`), null when it has none. */
  tlsPin?: string | null;
  /** The server's logo and line of text for the cards, as they were when the job was issued. */
  branding?: PdfBranding;
  codes: GeneratedCode[];
  cards: Card[];
  /** Users a cancelled run did not reach (not re-keyed); empty otherwise. */
  notIssued: NotIssued[];
  cancelled: boolean;
}

/** What the renderer gets back for a job: everything except the payloads. */
export type JobSummary = Omit<QrJob, 'cards'>;

/** Summary of a job for the renderer (drops the secret-bearing cards). */
export function summariseJob(job: QrJob): JobSummary {
  const { jobId, serverId, serverName, serverUrl, createdAt, codes, notIssued, cancelled } = job;
  return { jobId, kind: job.kind ?? 'signin', serverId, serverName, serverUrl, createdAt, codes, notIssued, cancelled };
}

/** Jobs held in main's memory only, until discarded, and in bounded number, so secrets do not pile up. */
export interface JobStore {
  add(job: QrJob): void;
  get(jobId: string): QrJob;
  delete(jobId: string): void;
  size(): number;
  close(): void;
}

/**
 * A job stays until it is discarded (its popup closed) however often it is saved and however
 * long the popup stays open: the console promises the administrator exactly that. Only as a
 * safety net for jobs nobody discards (a renderer that reloaded) are at most `maxJobs` and
 * `maxCodes` in total kept, dropping the oldest first; `ttlMs` (none by default) is for tests.
 */
export function createJobStore(opts: { ttlMs?: number; maxJobs?: number; maxCodes?: number; now?: () => number } = {}): JobStore {
  const ttl = opts.ttlMs ?? Number.POSITIVE_INFINITY;
  const maxJobs = opts.maxJobs ?? 20;
  const maxCodes = opts.maxCodes ?? 100_000;
  const now = opts.now ?? Date.now;
  const jobs = new Map<string, { job: QrJob; expires: number }>();

  function sweep(): void {
    const t = now();
    for (const [id, j] of jobs) if (j.expires <= t) jobs.delete(id);
    let codes = 0;
    for (const j of jobs.values()) codes += j.job.cards.length;
    // Map iteration is insertion order: the first entries are the oldest.
    for (const [id, j] of jobs) {
      if (jobs.size <= maxJobs && codes <= maxCodes) break;
      jobs.delete(id);
      codes -= j.job.cards.length;
    }
  }
  const timer = setInterval(sweep, 60_000);
  timer.unref();

  return {
    add(job) {
      jobs.set(job.jobId, { job, expires: now() + ttl });
      sweep();
    },
    get(jobId) {
      sweep();
      const j = jobs.get(jobId);
      if (!j) throw new GatepassError('JOB_NOT_FOUND', 'These codes are no longer available (their popup was closed): generate them again');
      return j.job;
    },
    delete(jobId) {
      jobs.delete(jobId);
    },
    size() {
      sweep();
      return jobs.size;
    },
    close() {
      clearInterval(timer);
      jobs.clear();
    },
  };
}

import type { StateCreator } from 'zustand';
import { errorMessage, formatCount } from '../lib/format';
import { okCodeKeys } from '../lib/job-text';
import { triggerDownload } from '../transport/http-transport';
import { MAX_IDS_PER_CALL } from './users-slice';
import type { AppState, JobsSlice, SaveOptions } from './types';

/** What "Save" does before anyone chose otherwise: one PDF, no config files, A4 (the one-click path). */
export const DEFAULT_SAVE_OPTIONS: SaveOptions = { format: 'pdf', includeConfig: false, pageSize: 'A4', layout: 'single', omitBroken: true };

/** A run id main accepts (8 to 64 of [A-Za-z0-9_-]): a UUID is 36 of them. */
export function newRunId(): string {
  // randomUUID needs a secure context (file:// and 127.0.0.1 are); 16 random bytes in hex otherwise.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

/**
 * Generation jobs: main keeps the secrets and the files until the popup is closed
 * (qr:discard); the store keeps what to show, how far a run got, and what has been saved.
 */
export const createJobsSlice: StateCreator<AppState, [], [], JobsSlice> = (set, get) => {
  /** Runs one qr:generate / qr:regenerate under a fresh run id, with its progress in `issuing`. */
  async function asRun<T>(userCount: number, busy: string, call: (runId: string) => Promise<T>): Promise<T> {
    const runId = newRunId();
    set({ busy, issuing: { runId, done: 0, total: userCount, broken: 0, cancelling: false } });
    try {
      return await call(runId);
    } finally {
      set({ busy: null, issuing: null });
    }
  }

  return {
    jobs: {},
    saves: {},
    busy: null,
    saveOptions: DEFAULT_SAVE_OPTIONS,
    issuing: null,
    savedCodes: {},

    async generateCodes(serverId, userIds, mode) {
      if (userIds.length === 0) throw new Error('No users are selected');
      if (userIds.length > MAX_IDS_PER_CALL) {
        throw new Error(`Select at most ${MAX_IDS_PER_CALL.toLocaleString('en-US')} users for one batch`);
      }
      const n = new Set(userIds).size;
      const job = await asRun(n, `Generating ${formatCount(n, 'code')}…`, (runId) =>
        window.gatepass.qr.generate({ serverId, userIds: [...userIds], mode, runId }),
      );
      set({ jobs: { ...get().jobs, [job.jobId]: job } });
      // Sessions ended and QR dates changed on the server: show main's truth, not our guess.
      get().refreshUsers();
      return job;
    },

    async regenerateCodes(jobId, userIds, mode) {
      const n = new Set(userIds).size;
      const job = await asRun(n, `Generating ${formatCount(n, 'code')} again…`, (runId) =>
        window.gatepass.qr.regenerate({ jobId, userIds: [...userIds], mode, runId }),
      );
      // The last save's status line no longer describes this job; what it wrote stays in savedCodes.
      set({ jobs: { ...get().jobs, [job.jobId]: job }, saves: without(get().saves, jobId) });
      get().refreshUsers();
      return job;
    },

    async cancelIssuing() {
      const cur = get().issuing;
      if (!cur || cur.cancelling) return;
      set({ issuing: { ...cur, cancelling: true } });
      try {
        await window.gatepass.qr.cancel({ runId: cur.runId });
      } catch (err) {
        get().showNotice({ tone: 'error', text: errorMessage(err) });
      }
    },

    onIssueProgress({ runId, done, total, broken }) {
      const cur = get().issuing;
      if (cur?.runId !== runId) return;
      set({ issuing: { ...cur, done, total, broken } });
      // A cancel that overtook its run (sent before main registered it) found nothing to stop:
      // the run is still reporting, so say it again; main checks between chunks.
      if (cur.cancelling) void window.gatepass.qr.cancel({ runId }).catch(() => {});
    },

    async saveJob(jobId, options) {
      const opts = options ?? get().saveOptions;
      if (options) set({ saveOptions: options });
      // What this save writes: the job as it is now (main refuses to regenerate during a save).
      const writing = okCodeKeys(get().jobs[jobId]?.codes ?? []);
      set({ saves: { ...get().saves, [jobId]: { state: 'saving', done: 0, total: 0, phase: 'rendering', options: opts } } });
      try {
        const result = await window.gatepass.export.save({ jobId, ...opts });
        if (result.kind === 'download') triggerDownload(result.url, result.fileName);
        const saves = { ...get().saves, [jobId]: { state: 'done', result } as const };
        if (result.kind === 'cancelled') set({ saves });
        else set({ saves, savedCodes: { ...get().savedCodes, [jobId]: new Set([...(get().savedCodes[jobId] ?? []), ...writing]) } });
        return result;
      } catch (err) {
        set({ saves: { ...get().saves, [jobId]: { state: 'error', message: errorMessage(err) } } });
        return null;
      }
    },

    async cancelSave(jobId) {
      try {
        await window.gatepass.export.cancel({ jobId });
      } catch (err) {
        // The save may have finished in the meantime; its own result says what happened.
        get().showNotice({ tone: 'error', text: errorMessage(err) });
      }
    },

    onExportProgress({ jobId, done, total, phase }) {
      const cur = get().saves[jobId];
      if (cur?.state !== 'saving') return;
      set({ saves: { ...get().saves, [jobId]: { ...cur, done, total, phase } } });
    },

    async showProvisioningQr(serverId, userIds, validitySeconds) {
      if (userIds.length === 0) throw new Error('No users are selected');
      if (userIds.length > MAX_IDS_PER_CALL) throw new Error(`Select at most ${MAX_IDS_PER_CALL.toLocaleString('en-US')} users at a time`);
      const n = new Set(userIds).size;
      set({ busy: `Issuing ${formatCount(n, 'provisioning code')}…` });
      try {
        const job = await window.gatepass.provisioning.showQr({ serverId, userIds: [...userIds], ...(validitySeconds !== undefined ? { validitySeconds } : {}) });
        set({ jobs: { ...get().jobs, [job.jobId]: job } });
        // The Provisioning column shows the new codes as pending.
        get().refreshUsers();
        return job;
      } finally {
        set({ busy: null });
      }
    },

    markPrinted(jobId) {
      const job = get().jobs[jobId];
      if (!job) return;
      set({ savedCodes: { ...get().savedCodes, [jobId]: new Set([...(get().savedCodes[jobId] ?? []), ...okCodeKeys(job.codes)]) } });
    },

    async discardJob(jobId) {
      set({ jobs: without(get().jobs, jobId), saves: without(get().saves, jobId), savedCodes: without(get().savedCodes, jobId) });
      try {
        await window.gatepass.qr.discard({ jobId });
      } catch (err) {
        // The codes leave main anyway when it stops (or the safety net drops them); say it did not answer.
        get().showNotice({ tone: 'error', text: `Could not tell the console to forget the closed codes: ${errorMessage(err)}` });
      }
    },
  };
};

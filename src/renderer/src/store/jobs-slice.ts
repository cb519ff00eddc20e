import type { StateCreator } from 'zustand';
import { errorMessage, formatCount } from '../lib/format';
import { triggerDownload } from '../transport/http-transport';
import { MAX_IDS_PER_CALL } from './users-slice';
import type { AppState, JobsSlice, SaveOptions } from './types';

/** What "Save" does before anyone chose otherwise: one PDF, no config files, A4 (the one-click path). */
export const DEFAULT_SAVE_OPTIONS: SaveOptions = { format: 'pdf', includeConfig: false, pageSize: 'A4', layout: 'single' };

/** Generation jobs: main keeps the secrets and the files; the store keeps what to show. */
export const createJobsSlice: StateCreator<AppState, [], [], JobsSlice> = (set, get) => ({
  jobs: {},
  saves: {},
  busy: null,
  saveOptions: DEFAULT_SAVE_OPTIONS,

  async generateCodes(serverId, userIds, mode) {
    if (userIds.length === 0) throw new Error('No users are selected');
    if (userIds.length > MAX_IDS_PER_CALL) {
      throw new Error(`Select at most ${MAX_IDS_PER_CALL.toLocaleString('en-US')} users for one batch`);
    }
    set({ busy: `Generating ${formatCount(userIds.length, 'code')}…` });
    try {
      const job = await window.gatepass.qr.generate({ serverId, userIds: [...userIds], mode });
      set({ jobs: { ...get().jobs, [job.jobId]: job } });
      // Sessions ended and QR dates changed on the server: show main's truth, not our guess.
      get().refreshUsers();
      return job;
    } finally {
      set({ busy: null });
    }
  },

  async regenerateCodes(jobId, userIds, mode) {
    set({ busy: `Generating ${formatCount(userIds.length, 'code')} again…` });
    try {
      const job = await window.gatepass.qr.regenerate({ jobId, userIds: [...userIds], mode });
      // A save of the old state no longer describes this job.
      const saves = { ...get().saves };
      delete saves[jobId];
      set({ jobs: { ...get().jobs, [job.jobId]: job }, saves });
      get().refreshUsers();
      return job;
    } finally {
      set({ busy: null });
    }
  },

  async saveJob(jobId, options) {
    const opts = options ?? get().saveOptions;
    if (options) set({ saveOptions: options });
    set({ saves: { ...get().saves, [jobId]: { state: 'saving', done: 0, total: 0, phase: 'rendering', options: opts } } });
    try {
      const result = await window.gatepass.export.save({ jobId, ...opts });
      if (result.kind === 'download') triggerDownload(result.url, result.fileName);
      set({ saves: { ...get().saves, [jobId]: { state: 'done', result } } });
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
});

import type { StateCreator } from 'zustand';
import { errorMessage, formatCount } from '../lib/format';
import { triggerDownload } from '../transport/http-transport';
import { MAX_IDS_PER_CALL } from './users-slice';
import type { AppState, JobsSlice } from './types';

/** Generation jobs: main keeps the secrets and the files; the store keeps what to show. */
export const createJobsSlice: StateCreator<AppState, [], [], JobsSlice> = (set, get) => ({
  jobs: {},
  saves: {},
  busy: null,

  async generateCodes(serverId, password) {
    const ids = await get().resolveSelection();
    if (ids.length === 0) throw new Error('No users are selected');
    if (ids.length > MAX_IDS_PER_CALL) {
      throw new Error(`Select at most ${MAX_IDS_PER_CALL.toLocaleString('en-US')} users for one batch`);
    }
    set({ busy: `Generating ${formatCount(ids.length, 'code')}…` });
    try {
      const job = await window.gatepass.qr.generate({ serverId, userIds: ids, mode: { kind: 'same', password } });
      set({ jobs: { ...get().jobs, [job.jobId]: job } });
      // Sessions ended and QR dates changed on the server: show main's truth, not our guess.
      get().refreshUsers();
      return job;
    } finally {
      set({ busy: null });
    }
  },

  async saveJob(jobId) {
    set({ saves: { ...get().saves, [jobId]: { state: 'saving', done: 0, total: 0 } } });
    try {
      const result = await window.gatepass.export.save({ jobId, format: 'pdf' });
      if (result.kind === 'download') triggerDownload(result.url, result.fileName);
      set({ saves: { ...get().saves, [jobId]: { state: 'done', result } } });
      return result;
    } catch (err) {
      set({ saves: { ...get().saves, [jobId]: { state: 'error', message: errorMessage(err) } } });
      return null;
    }
  },

  onExportProgress({ jobId, done, total }) {
    const cur = get().saves[jobId];
    if (cur?.state !== 'saving') return;
    set({ saves: { ...get().saves, [jobId]: { state: 'saving', done, total } } });
  },
});

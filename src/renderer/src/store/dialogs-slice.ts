import type { StateCreator } from 'zustand';
import type { AppState, DialogsSlice } from './types';

let noticeSerial = 0;

/** The one open modal, and the status bar's notice. */
export const createDialogsSlice: StateCreator<AppState, [], [], DialogsSlice> = (set) => ({
  dialog: { kind: 'none' },
  notice: null,
  openDialog(dialog) {
    set({ dialog });
  },
  closeDialog() {
    set({ dialog: { kind: 'none' } });
  },
  showNotice(notice) {
    set({ notice: notice ? { ...notice, id: ++noticeSerial } : null });
  },
});

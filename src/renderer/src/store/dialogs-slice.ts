import type { StateCreator } from 'zustand';
import type { AppState, DialogsSlice } from './types';

/** The one open modal, and the notice line for failures that have no dialog. */
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
    set({ notice });
  },
});

import { create } from 'zustand';
import { createCsvSlice } from './csv-slice';
import { createDialogsSlice } from './dialogs-slice';
import { createJobsSlice } from './jobs-slice';
import { createPrefsSlice } from './prefs-slice';
import { createSelectionSlice } from './selection-slice';
import { createServersSlice } from './servers-slice';
import { createUsersSlice } from './users-slice';
import type { AppState } from './types';

/** The renderer's one store, in slices; main is the source of truth, this is its cache. */
export const useAppStore = create<AppState>()((...a) => ({
  ...createServersSlice(...a),
  ...createUsersSlice(...a),
  ...createSelectionSlice(...a),
  ...createDialogsSlice(...a),
  ...createJobsSlice(...a),
  ...createPrefsSlice(...a),
  ...createCsvSlice(...a),
}));

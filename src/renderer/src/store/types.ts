import type { ChannelOutput } from '../../../shared/ipc/contract';
import type { Server } from '../../../shared/model/server';
import type { User, UserSort } from '../../../shared/model/user';
import type { RowSelection } from '../lib/selection';

/** What the console runs on (app:info). */
export type AppInfo = ChannelOutput<'app:info'>;
/** A job as main returned it from qr:generate: per-user results, no secrets. */
export type JobSummary = ChannelOutput<'qr:generate'>;
/** What export:save did. */
export type SaveResult = ChannelOutput<'export:save'>;

/** Which part of which server the main pane shows. */
export interface View {
  readonly serverId: string;
  readonly section: 'users' | 'audit';
}

/** The user list's server-side query; any change resets the page cache and the selection. */
export interface UserQuery {
  readonly serverId: string;
  readonly search: string;
  readonly sort: UserSort;
  readonly order: 'asc' | 'desc';
}

/** Which modal is open: one value, so two dialogs can never be open at once. */
export type DialogState =
  | { readonly kind: 'none' }
  | { readonly kind: 'addServer' }
  | { readonly kind: 'connect'; readonly serverId: string }
  | { readonly kind: 'addUser'; readonly serverId: string }
  | { readonly kind: 'editUser'; readonly serverId: string; readonly userId: string }
  | { readonly kind: 'deleteUsers'; readonly serverId: string; readonly count: number }
  | { readonly kind: 'generate'; readonly serverId: string; readonly count: number }
  | { readonly kind: 'generated'; readonly jobId: string };

/** A message for the status area: failures of actions that have no dialog to show them in. */
export interface Notice {
  readonly tone: 'error' | 'info';
  readonly text: string;
}

/** Where saving a job stands. */
export type SaveState =
  | { readonly state: 'saving'; readonly done: number; readonly total: number }
  | { readonly state: 'done'; readonly result: SaveResult }
  | { readonly state: 'error'; readonly message: string };

export interface ServersSlice {
  readonly appInfo: AppInfo | null;
  readonly servers: readonly Server[];
  readonly serversLoaded: boolean;
  readonly serversError: string | null;
  readonly view: View | null;
  /** Bumped by Refresh (F5) so views that keep their own data (the audit log) reload. */
  readonly refreshTick: number;
  /** F5: reload the tree and whatever the main pane shows. */
  refreshAll(): Promise<void>;
  loadAppInfo(): Promise<void>;
  loadServers(): Promise<void>;
  setView(view: View | null): void;
  addServer(input: { name?: string; url: string; login: string; password: string; remember: boolean }): Promise<Server>;
  connectServer(serverId: string, password?: string): Promise<Server>;
  removeServer(serverId: string): Promise<void>;
}

export interface UsersSlice {
  readonly query: UserQuery | null;
  readonly total: number | null;
  readonly pages: ReadonlyMap<number, readonly User[]>;
  readonly inflight: ReadonlySet<number>;
  /** Bumped on every reset so answers to an older query are dropped. */
  readonly generation: number;
  readonly usersError: string | null;
  setUserQuery(query: UserQuery | null): void;
  /** Loads the pages covering rows start..end (inclusive) that are not loaded yet. */
  ensureRows(start: number, end: number): void;
  refreshUsers(): void;
  /** The ids of rows lo..hi, from the cache when loaded, else paged from the server. */
  idsInRange(lo: number, hi: number): Promise<string[]>;
  /** The selected ids, paging the server when "all" is selected. */
  resolveSelection(): Promise<string[]>;
  createUser(input: { login: string; displayName: string; email: string }): Promise<User>;
  updateUser(userId: string, input: { login: string; displayName: string; email: string }): Promise<User>;
  deleteSelectedUsers(): Promise<{ deleted: number; failed: number; firstFailure?: string }>;
}

export interface SelectionSlice {
  readonly selection: RowSelection;
  readonly focusIndex: number | null;
  clickRow(index: number, id: string, mods: { shift: boolean; toggle: boolean }): Promise<void>;
  moveFocus(index: number, extend: boolean): Promise<void>;
  selectAllRows(): void;
  clearSelection(): void;
}

export interface DialogsSlice {
  readonly dialog: DialogState;
  readonly notice: Notice | null;
  openDialog(dialog: DialogState): void;
  closeDialog(): void;
  showNotice(notice: Notice | null): void;
}

export interface JobsSlice {
  readonly jobs: Readonly<Record<string, JobSummary>>;
  readonly saves: Readonly<Record<string, SaveState>>;
  /** A long action in progress, for the status bar ("Generating 1,204 codes…"). */
  readonly busy: string | null;
  generateCodes(serverId: string, password: string): Promise<JobSummary>;
  saveJob(jobId: string): Promise<SaveResult | null>;
  onExportProgress(p: { jobId: string; done: number; total: number }): void;
}

/** The whole renderer store. */
export type AppState = ServersSlice & UsersSlice & SelectionSlice & DialogsSlice & JobsSlice;

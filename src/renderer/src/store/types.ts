import type { ChannelInput, ChannelOutput, ConsolePrefs, HideableColumn } from '../../../shared/ipc/contract';
import type { ServerPolicy } from '../../../shared/model/password-policy';
import type { Server } from '../../../shared/model/server';
import type { User, UserSort, UserSource } from '../../../shared/model/user';
import type { RunOutcome } from '../lib/chunked-run';
import type { ConsoleUserAction } from '../lib/user-actions';
import type { ClientSessionFilters } from '../lib/computer-signin';
import type { AuditFilters, UserFilters } from '../lib/list-filters';
import type { RowSelection } from '../lib/selection';

/** What the console runs on (app:info). */
export type AppInfo = ChannelOutput<'app:info'>;
/** A job as main returned it from qr:generate: per-user results, no secrets. */
export type JobSummary = ChannelOutput<'qr:generate'>;
/** A server after a sign-in, with the recovery codes left when one was used. */
export type SignedInServer = ChannelOutput<'servers:connect'>;
/** The second factor of one sign-in: typed into a dialog, sent once, never kept. */
export interface SecondFactorInput {
  readonly otp?: string;
  readonly recoveryCode?: string;
}
/** What export:save did. */
export type SaveResult = ChannelOutput<'export:save'>;
/** How the password of each user is chosen (qr:generate / qr:regenerate). */
export type PasswordMode = ChannelInput<'qr:generate'>['mode'];
/** What users:import reported. */
export type ImportResult = ChannelOutput<'users:import'>;

/** The options of the Save QR codes dialog; "Save" reuses the last ones. */
export interface SaveOptions {
  readonly format: 'pdf' | 'zip';
  readonly includeConfig: boolean;
  readonly pageSize: 'A4' | 'Letter';
  readonly layout: 'single' | 'badges';
  /** Leave broken codes out of the printed cards (on by default: cards go to end users). */
  readonly omitBroken: boolean;
}

/** A user the Generate dialog issues for: id for the call, login for the per-user policy check. */
export interface TargetUser {
  readonly id: string;
  readonly login: string;
}

/** A selected user of the list, with the server they are on (the all-servers list mixes servers). */
export interface SelectedUser extends TargetUser {
  readonly serverId: string;
}

/** A row of the user list: the user and their server (its name as the list was read, for the all-servers list's Server column). */
export type UserRow = User & { readonly serverId: string; readonly serverName: string };

/**
 * Which part of which server the main pane shows; `serverId: null` is the users of every
 * server at once ("All servers"). `userFilters` opens the Users with these filters set (the
 * "N active users" link of mandatory two-step verification).
 */
export type View =
  | { readonly serverId: string; readonly section: ServerSection; readonly userFilters?: UserFilters }
  | { readonly serverId: null; readonly section: 'users'; readonly userFilters?: UserFilters };

/** The nodes under each server in the tree (the main pane's views of one server). */
export type ServerSection = 'users' | 'clientSessions' | 'computers' | 'admins' | 'audit' | 'settings';

/** The user list's server-side query; any change resets the page cache and the selection. */
export interface UserQuery {
  /** One server, or null: every server in the tree, one after another. */
  readonly serverId: string | null;
  readonly search: string;
  readonly sort: UserSort;
  readonly order: 'asc' | 'desc';
  readonly filters: UserFilters;
}

/** Edits a view holds that leaving it would lose (Settings): what they are, and how to keep or drop them. */
export interface UnsavedEdits {
  /** Names them in the question, e.g. "the password policy of Plant 4". */
  readonly what: string;
  /** Saves them; false when the save failed (the view then shows why and stays). */
  save(): Promise<boolean>;
  discard(): void;
}

export type { ConsoleUserAction } from '../lib/user-actions';

/** A server the user list reads from: its users, or why it gives none (offline, or its answer failed). */
export interface ListSource {
  readonly serverId: string;
  readonly name: string;
  readonly state: 'ok' | 'offline' | 'failed';
  /** Users matching the query there; null until it answered. */
  readonly total: number | null;
  /** Why there are none: the server's status, or the failure. */
  readonly message?: string;
}

/** An administrator a dialog acts on: the id for the call, the login to name them by. */
export interface AdminRef {
  readonly id: string;
  readonly login: string;
}

/** Which modal is open: one value, so two dialogs can never be open at once. */
export type DialogState =
  | { readonly kind: 'none' }
  | { readonly kind: 'addServer' }
  | { readonly kind: 'connect'; readonly serverId: string }
  | { readonly kind: 'addUser'; readonly serverId: string }
  | { readonly kind: 'editUser'; readonly serverId: string; readonly userId: string }
  | { readonly kind: 'deleteUsers'; readonly serverId: string; readonly count: number }
  | {
      readonly kind: 'generate';
      readonly serverId: string;
      readonly count: number;
      /** "Generate again": issue for just these users of an existing job (qr:regenerate). */
      readonly again?: { readonly jobId: string; readonly users: readonly TargetUser[] };
    }
  | { readonly kind: 'generated'; readonly jobId: string }
  | { readonly kind: 'saveOptions'; readonly jobId: string }
  | { readonly kind: 'importUsers'; readonly serverId: string }
  | { readonly kind: 'removeServer'; readonly serverId: string }
  /** Disable, enable, revoke the QR code of, end the sessions of, or remove two-step verification of the selected users (of one server, or of all: null). */
  | { readonly kind: 'userAction'; readonly serverId: string | null; readonly action: ConsoleUserAction }
  /** Set one password for the selected users, without issuing a code. */
  | { readonly kind: 'setPassword'; readonly serverId: string }
  | { readonly kind: 'editServer'; readonly serverId: string }
  /** Register a computer by name; its agent file is saved through main. `onDone` lets the Computers list show it. */
  | { readonly kind: 'registerComputer'; readonly serverId: string; readonly onDone?: (computerId: string) => void }
  /** Revoke a computer, named in the confirmation. */
  | { readonly kind: 'revokeComputer'; readonly serverId: string; readonly computer: { readonly id: string; readonly name: string }; readonly onDone?: () => void }
  /** Add an administrator: login, password and its confirmation, checked against the server's policy. `onDone` refreshes the Administrators list. */
  | { readonly kind: 'addAdmin'; readonly serverId: string; readonly onDone?: () => void }
  /** Disable or enable an administrator, named in the confirmation (disabling ends their sessions). */
  | { readonly kind: 'adminState'; readonly serverId: string; readonly admin: AdminRef; readonly action: 'disable' | 'enable'; readonly onDone?: () => void }
  /** Change an administrator's password: yours needs the current one; another's sessions end. */
  | { readonly kind: 'adminPassword'; readonly serverId: string; readonly admin: AdminRef & { readonly you: boolean }; readonly onDone?: () => void }
  /** Send provisioning email to the selected users: validity, a preview, then the per-user report. */
  | { readonly kind: 'sendProvisioning'; readonly serverId: string; readonly count: number }
  /** Show provisioning QR: validity, then new codes for the selected users in a popup (print, save as PDF). */
  | { readonly kind: 'provisioningQr'; readonly serverId: string; readonly count: number }
  /** The popup of a Show provisioning QR job. */
  | { readonly kind: 'provisioningCodes'; readonly jobId: string }
  /** Leaving a view with unsaved edits: save, discard or stay. */
  | { readonly kind: 'unsavedChanges'; readonly next: View }
  /** The administrator sets up their own authenticator app on this server (also a new app replacing the old one). */
  | { readonly kind: 'enrolTwoStep'; readonly serverId: string }
  /** The administrator's own new recovery codes: a confirmation, then the codes once. */
  | { readonly kind: 'ownRecoveryCodes'; readonly serverId: string }
  /**
   * Turning mandatory two-step verification on while active users have none: the warning with
   * the count (a link to them) and a confirmation that acknowledges it. `save` is the Settings
   * form's, with the count acknowledged.
   */
  | {
      readonly kind: 'confirmMandatory';
      readonly serverId: string;
      readonly serverName: string;
      readonly impact: TwoStepImpact;
      readonly graceDays: number;
      readonly save: (acknowledged: number) => Promise<void>;
    };

/** Who mandatory two-step verification would lock out (twoStep:impact). */
export type TwoStepImpact = ChannelOutput<'twoStep:impact'>;

/** A message for the status area: what an action did, or a failure that has no dialog to show it in. */
export interface Notice {
  readonly tone: 'error' | 'info';
  readonly text: string;
}

/** A notice as shown: a new id each time, so the same text shown twice is a new notice (and its own timer). */
export interface ShownNotice extends Notice {
  readonly id: number;
}

/** Progress callbacks of a chunked per-user run (users:action, users:setPassword). */
export interface RunControl {
  onProgress?: (done: number, total: number) => void;
  /** Asked before each chunk: true stops the run there. */
  stopped?: () => boolean;
}

/** A qr:generate / qr:regenerate in flight: its run id (for qr:progress and qr:cancel) and how far it got. */
export interface IssuingState {
  readonly runId: string;
  readonly done: number;
  readonly total: number;
  readonly broken: number;
  /** Cancel was pressed: main stops after the chunk in flight. */
  readonly cancelling: boolean;
}

/** Where saving a job stands. */
export type SaveState =
  | { readonly state: 'saving'; readonly done: number; readonly total: number; readonly phase: 'rendering' | 'writing'; readonly options: SaveOptions }
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
  /** Bumped when the administrator's own two-step verification changed (enrolled, new codes), so Settings reads it again. */
  readonly twoStepTick: number;
  bumpTwoStep(): void;
  /** F5: reload the tree and whatever the main pane shows. */
  refreshAll(): Promise<void>;
  loadAppInfo(): Promise<void>;
  loadServers(): Promise<void>;
  /** Shows a view at once, whatever the current one holds (also remembered in main's settings). */
  setView(view: View | null): void;
  /** Shows a view as the administrator asked for it: asks first when the current one has unsaved edits. */
  requestView(view: View): void;
  /** The current view's unsaved edits by the part that holds them (Settings: its password policy, its cards). */
  readonly unsavedEdits: Readonly<Record<string, UnsavedEdits>>;
  /** Registers (or, with null, clears) one part's unsaved edits. */
  setUnsavedEdits(part: string, edits: UnsavedEdits | null): void;
  /** Renames a server or moves it to a new address (servers:update). */
  updateServer(serverId: string, change: { name?: string; url?: string; password?: string } & SecondFactorInput): Promise<Server>;
  /** Signs in and adds the server; SECOND_FACTOR_REQUIRED when the administrator has two-step verification and no code was given. */
  addServer(input: ChannelInput<'servers:add'>): Promise<SignedInServer>;
  /** Signs in again: the password given or the saved one, and the code (or a recovery code) when the account has two-step verification. */
  connectServer(serverId: string, password?: string, factor?: SecondFactorInput): Promise<SignedInServer>;
  removeServer(serverId: string): Promise<void>;
  /** The server's password policy, asked fresh each time: Settings may have changed it since. */
  getPolicy(serverId: string): Promise<ServerPolicy>;
}

export interface UsersSlice {
  readonly query: UserQuery | null;
  /** The servers the list reads from, in the tree's order (one for a server's Users). */
  readonly sources: readonly ListSource[];
  readonly total: number | null;
  readonly pages: ReadonlyMap<number, readonly UserRow[]>;
  readonly inflight: ReadonlySet<number>;
  /** Bumped on every reset so answers to an older query are dropped. */
  readonly generation: number;
  readonly usersError: string | null;
  setUserQuery(query: UserQuery | null): void;
  /** Changes the filters; asks the server again only when what it is asked changes (a half-set filter does not). */
  setUserFilters(filters: UserFilters): void;
  /** Loads the pages covering rows start..end (inclusive) that are not loaded yet. */
  ensureRows(start: number, end: number): void;
  refreshUsers(): void;
  /** The row keys (lib/server-segments rowKey) of rows lo..hi, from the cache when loaded, else paged from the servers. */
  idsInRange(lo: number, hi: number): Promise<string[]>;
  /** The selected users' ids on the one server the list shows, paging the server when "all" is selected. */
  resolveSelection(): Promise<string[]>;
  /** The selected users (server, id and login) in the table's order, for per-user passwords, checks and actions. */
  resolveSelectedUsers(): Promise<SelectedUser[]>;
  /** How many of these users are signed in now (issuing signs them out), with the logins users:signedIn names. */
  countSignedIn(serverId: string, userIds: readonly string[]): Promise<{ count: number; logins: string[] }>;
  importUsers(csv: string): Promise<ImportResult>;
  createUser(input: { login: string; displayName: string; email: string; source?: UserSource; mobileAllowed?: boolean }): Promise<User>;
  updateUser(serverId: string, userId: string, input: { login: string; displayName: string; email: string; source?: UserSource; mobileAllowed?: boolean }): Promise<User>;
  deleteSelectedUsers(): Promise<{ deleted: number; failed: number; firstFailure?: string }>;
  /** One action for these users, each on their own server, in chunks; the list is reloaded after. */
  runUserAction(action: ConsoleUserAction, users: readonly SelectedUser[], control?: RunControl): Promise<RunOutcome>;
  /** One password for these users, without issuing a code, in chunks; the server checks it per user. */
  setUsersPassword(users: readonly TargetUser[], password: string, control?: RunControl): Promise<RunOutcome>;
  /** Selects these users (just created or imported) and focuses the first in the list's order; false when the search or filters hide them all. */
  showUsers(userIds: readonly string[]): Promise<boolean>;
  /**
   * Type-ahead: focuses and selects the first row whose login starts with `prefix`, at or after
   * the focused row (after it with `skipFrom`), wrapping; false when none does, or in the "All
   * servers" view (each server sorts its own list). Only the latest of overlapping calls moves focus.
   */
  typeAhead(prefix: string, skipFrom: boolean): Promise<boolean>;
}

export interface SelectionSlice {
  readonly selection: RowSelection;
  readonly focusIndex: number | null;
  clickRow(index: number, id: string, mods: { shift: boolean; toggle: boolean }): Promise<void>;
  /** Moves focus to row `index`, selecting just it, extending the range to it, or leaving the selection alone (Ctrl+Arrow). */
  moveFocus(index: number, mode: 'select' | 'extend' | 'focus'): Promise<void>;
  selectAllRows(): void;
  clearSelection(): void;
}

export interface DialogsSlice {
  readonly dialog: DialogState;
  readonly notice: ShownNotice | null;
  openDialog(dialog: DialogState): void;
  closeDialog(): void;
  showNotice(notice: Notice | null): void;
}

export interface JobsSlice {
  readonly jobs: Readonly<Record<string, JobSummary>>;
  readonly saves: Readonly<Record<string, SaveState>>;
  /** A long action in progress, for the status bar ("Generating 1,204 codes…"). */
  readonly busy: string | null;
  /** The options "Save" uses: the last ones chosen in Save as…, else one PDF, no config files, A4. */
  readonly saveOptions: SaveOptions;
  /** The run issuing codes now, if any (one at a time: the Generate dialog is modal). */
  readonly issuing: IssuingState | null;
  /** Per job, the good codes (lib/job-text codeKey) some successful save has written. */
  readonly savedCodes: Readonly<Record<string, ReadonlySet<string>>>;
  /** Issues under a new run id, following qr:progress; a cancel answers with who was not reached. */
  generateCodes(serverId: string, userIds: readonly string[], mode: PasswordMode): Promise<JobSummary>;
  /** "Generate again" for some users of a job (broken or not reached); the job keeps its id and order. */
  regenerateCodes(jobId: string, userIds: readonly string[], mode: PasswordMode): Promise<JobSummary>;
  /** Asks main to stop the running issue after its current chunk. */
  cancelIssuing(): Promise<void>;
  onIssueProgress(p: { runId: string; done: number; total: number; broken: number }): void;
  saveJob(jobId: string, options?: SaveOptions): Promise<SaveResult | null>;
  cancelSave(jobId: string): Promise<void>;
  onExportProgress(p: { jobId: string; done: number; total: number; phase: 'rendering' | 'writing' }): void;
  /** The popup was closed: main forgets the job's codes (qr:discard) and so does the store. */
  discardJob(jobId: string): Promise<void>;
  /** Show provisioning QR: new provisioning codes for these users of one server, as a job main keeps. */
  showProvisioningQr(serverId: string, userIds: readonly string[], validitySeconds: number | undefined): Promise<JobSummary>;
  /** The job's good codes went to the printer: closing its popup no longer asks about them. */
  markPrinted(jobId: string): void;
}

/** The console's view settings, kept by main (prefs:get / prefs:set). */
export interface PrefsSlice {
  readonly hiddenColumns: readonly HideableColumn[];
  /** Reads the saved settings once at start; null when they could not be read. */
  loadPrefs(): Promise<ConsolePrefs | null>;
  setColumnHidden(column: HideableColumn, hidden: boolean): void;
}

/** A list being written as CSV: which one, and how far it got. */
export interface CsvExportState {
  readonly exportId: string;
  readonly list: 'users' | 'audit' | 'clientSessions';
  readonly done: number;
  readonly total: number;
  readonly cancelling: boolean;
}

/** "Export list as CSV" of the user list and "Export as CSV" of the audit log, one at a time. */
export interface CsvSlice {
  readonly csvExport: CsvExportState | null;
  /** The user list as its search, filters and sort show it now. */
  exportUsersCsv(): Promise<void>;
  exportAuditCsv(serverId: string, filters: AuditFilters): Promise<void>;
  exportClientSessionsCsv(serverId: string, filters: ClientSessionFilters): Promise<void>;
  cancelCsvExport(): Promise<void>;
  onCsvProgress(p: { exportId: string; done: number; total: number }): void;
}

/** The whole renderer store. */
export type AppState = ServersSlice & UsersSlice & SelectionSlice & DialogsSlice & JobsSlice & PrefsSlice & CsvSlice;

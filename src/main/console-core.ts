import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { EventName, EventPayload } from '../shared/ipc/contract';
import { startServer } from '../server/index';
import { adminHandlers } from './handlers/admins';
import { appHandlers } from './handlers/app';
import { auditHandlers } from './handlers/audit';
import { cardHandlers } from './handlers/cards';
import { clientSessionHandlers } from './handlers/client-sessions';
import { computerHandlers } from './handlers/computers';
import { emailOtpHandlers } from './handlers/email-otp';
import { exportHandlers } from './handlers/export';
import { policyHandlers } from './handlers/policy';
import { prefsHandlers } from './handlers/prefs';
import { provisioningHandlers } from './handlers/provisioning';
import { qrHandlers } from './handlers/qr';
import { serverHandlers } from './handlers/servers';
import { mailHandlers } from './handlers/mail';
import { twoStepHandlers } from './handlers/two-step';
import { userHandlers } from './handlers/users';
import { createDispatcher, type Dispatch, type Handlers } from './ipc/dispatch';
import { createConnections } from './services/connections';
import { createCsvExports } from './services/export/csv-export';
import { createSaveJobs, type ExportKind, type SaveTarget } from './services/export/save-job';
import { createKeychain, SessionSecrets, type Keychain } from './services/keychain';
import { createJobStore } from './services/issuing/job-store';
import { createSettingsStore } from './services/settings';
import { createMailFolders } from './services/mail/mail-folder';
import { createSendRuns } from './services/provisioning/send-runs';
import { createShownCodes } from './services/two-step/shown-codes';

/** Options of {@link createConsoleCore}. */
export interface ConsoleCoreOptions {
  userDataDir: string;
  host: 'electron' | 'web';
  /** Start the embedded local server (SQLite in the user data folder, demo users). */
  embedded?: boolean;
  /** Where a save without `path` goes: a save dialog's path, or a download the host serves. */
  saveTarget: (suggestedName: string, kind: ExportKind) => Promise<SaveTarget>;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  logger?: (line: string) => void;
  /** Lets export:save honour `path` (CLI and tests); a console renderer must not pick arbitrary paths. */
  allowSavePath?: boolean;
  /** Tests inject a keychain; the default is the OS keychain through keytar. */
  credentials?: Keychain;
  /** Demo users seeded into a new embedded server. */
  seedDemo?: number;
  /**
   * Shows a folder in the file manager (Electron: shell.openPath). Only ever given a folder
   * main found itself (the mail folder), never a path from the renderer; absent in the browser host.
   */
  openFolder?: (path: string) => Promise<void>;
}

/** The console back end without its host: every contract handler, the dispatcher, and shutdown. */
export interface ConsoleCore {
  handlers: Handlers;
  dispatch: Dispatch;
  close(): Promise<void>;
}

const EMBEDDED_NAME = 'Local server';
const EMBEDDED_DB = 'embedded-server.sqlite';
/** Where the embedded server's folder transport writes its .eml files, in the user data folder. */
export const EMBEDDED_MAIL_FOLDER = 'mail';

/**
 * Builds the console's back end for any host (Electron, browser host, tests): creates the
 * services and hands each domain's handlers the ones it needs. No Electron here: the host
 * supplies how to pick a save target and how to push events.
 */
export async function createConsoleCore(opts: ConsoleCoreOptions): Promise<ConsoleCore> {
  const log = opts.logger ?? (() => {});
  const credentials = opts.credentials ?? createKeychain();
  const session = new SessionSecrets();
  const settings = createSettingsStore(opts.userDataDir, log);
  const connections = createConnections({ settings, credentials, session, logger: log, onChange: () => opts.emit('servers:changed', {}) });
  const jobs = createJobStore();
  const saves = createSaveJobs({
    jobs,
    saveTarget: opts.saveTarget,
    onProgress: (progress) => opts.emit('export:progress', progress),
    allowSavePath: opts.allowSavePath,
  });
  const csv = createCsvExports({ saveTarget: opts.saveTarget, onProgress: (progress) => opts.emit('export:csvProgress', progress) });
  const shownCodes = createShownCodes({ saveTarget: opts.saveTarget });
  const sendRuns = createSendRuns({ saveTarget: opts.saveTarget });
  let embeddedServer: { close(): Promise<void> } | null = null;
  const embeddedMailFolder = opts.embedded ? join(opts.userDataDir, EMBEDDED_MAIL_FOLDER) : null;
  const mailFolders = createMailFolders({
    connections,
    embeddedFolder: embeddedMailFolder,
    saveTarget: opts.saveTarget,
    ...(opts.openFolder ? { openFolder: opts.openFolder } : {}),
  });

  await fs.mkdir(opts.userDataDir, { recursive: true, mode: 0o700 });
  await connections.load();

  if (opts.embedded) {
    const db = join(opts.userDataDir, EMBEDDED_DB);
    const fresh = !existsSync(db);
    const srv = await startServer({
      db,
      port: 0,
      host: '127.0.0.1',
      name: EMBEDDED_NAME,
      // Demo users only into a new database: a restart must not add them again.
      ...(fresh ? { seedDemo: opts.seedDemo ?? 200 } : {}),
      // A newcomer sees the mails without a mail server: .eml files in the user data folder
      // (until an administrator chooses another transport in the console).
      mail: { defaultFolder: embeddedMailFolder ?? join(opts.userDataDir, EMBEDDED_MAIL_FOLDER) },
      logger: (line) => log(`[local server] ${line}`),
    });
    embeddedServer = srv;
    // The admin token is issued in-process: the local server needs no password anywhere.
    await connections.attachEmbedded({ url: srv.url, issueAdminToken: () => srv.issueAdminToken() }, EMBEDDED_NAME);
  }
  // Saved servers connect in the background; the tree shows their status as it changes.
  void connections.connectAll();

  const handlers: Handlers = {
    ...appHandlers({ host: opts.host, credentials }),
    ...serverHandlers(connections),
    ...userHandlers(connections),
    ...policyHandlers(connections),
    ...auditHandlers(connections),
    ...cardHandlers(connections),
    ...qrHandlers({ connections, jobs, saves, onProgress: (p) => opts.emit('qr:progress', p) }),
    ...exportHandlers({ saves, csv, connections }),
    ...prefsHandlers(settings),
    ...twoStepHandlers({ connections, shownCodes }),
    ...computerHandlers({ connections, saveTarget: opts.saveTarget }),
    ...clientSessionHandlers(connections),
    ...emailOtpHandlers(connections),
    ...mailHandlers({ connections, folders: mailFolders, saveTarget: opts.saveTarget }),
    ...provisioningHandlers({ connections, jobs, runs: sendRuns }),
    ...adminHandlers(connections),
  };

  const dispatch = createDispatcher(handlers, {
    onInternalError: (channel, err) => log(`internal error on ${channel}: ${err instanceof Error ? (err.stack ?? err.message) : 'unknown'}`),
  });

  return {
    handlers,
    dispatch,
    async close() {
      saves.cancelAll();
      csv.cancelAll();
      jobs.close();
      shownCodes.clear();
      sendRuns.clear();
      await connections.close();
      if (embeddedServer) await embeddedServer.close();
    },
  };
}

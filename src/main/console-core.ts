import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, isAbsolute, join } from 'node:path';
import { GatepassError } from '../shared/errors';
import type { EventName, EventPayload } from '../shared/ipc/contract';
import { sanitizeFileBase } from '../shared/file-names';
import { startServer } from '../server/index';
import { appVersion } from './app-version';
import { createDispatcher, type Dispatch, type Handlers } from './ipc/dispatch';
import { createConnections } from './services/connections';
import { createKeychain, SessionSecrets, type Keychain } from './services/keychain';
import { bundleContentType, bundleKind, saveBundle, type BundleKind, type BundleProgress } from './services/export/save';
import { importUsers } from './services/users/csv-import';
import { countSignedIn, generateQrJob, regenerateQrJob } from './services/issuing/issue-job';
import { createJobStore, summariseJob } from './services/issuing/job-store';
import { deleteUsers } from './services/users/bulk-delete';
import { createSettingsStore } from './services/settings';

/** Where export:save should write: a path the user chose, a browser download, or nothing. */
export type SaveTarget = { kind: 'path'; path: string } | { kind: 'download' } | { kind: 'cancelled' };

/** A file waiting for its one download in the browser host. */
export interface PendingDownload {
  path: string;
  fileName: string;
  bytes: number;
  contentType: string;
  /** Deletes the file; call once it has been sent (or failed to). */
  discard(): Promise<void>;
}

/** Options of {@link createConsoleCore}. */
export interface ConsoleCoreOptions {
  userDataDir: string;
  host: 'electron' | 'web';
  /** Start the embedded local server (SQLite in the user data folder, demo users). */
  embedded?: boolean;
  saveTarget: (suggestedName: string) => Promise<SaveTarget>;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  logger?: (line: string) => void;
  /** Lets export:save honour `path` (CLI and tests); a console renderer must not pick arbitrary paths. */
  allowSavePath?: boolean;
  /** Tests inject a keychain; the default is the OS keychain through keytar. */
  credentials?: Keychain;
  /** Demo users seeded into a new embedded server. */
  seedDemo?: number;
}

/** The console back end without its host: every contract handler, the dispatcher, and shutdown. */
export interface ConsoleCore {
  handlers: Handlers;
  dispatch: Dispatch;
  /** Browser host: hands out a finished export once; null if unknown, expired or already taken. */
  takeDownload(id: string): PendingDownload | null;
  close(): Promise<void>;
}

const EMBEDDED_NAME = 'Local server';
const EMBEDDED_DB = 'embedded-server.sqlite';
const DOWNLOAD_TTL_MS = 10 * 60_000;

/**
 * Builds the console's back end for any host (Electron, browser host, tests). No Electron
 * here: the host supplies how to pick a save target and how to push events.
 */
export async function createConsoleCore(opts: ConsoleCoreOptions): Promise<ConsoleCore> {
  const log = opts.logger ?? (() => {});
  const credentials = opts.credentials ?? createKeychain();
  const session = new SessionSecrets();
  const settings = createSettingsStore(opts.userDataDir, log);
  const connections = createConnections({ settings, credentials, session, logger: log, onChange: () => opts.emit('servers:changed', {}) });
  const jobs = createJobStore();
  // Saves in progress by job id, so export:cancel can stop them.
  const saving = new Map<string, AbortController>();
  const downloads = new Map<string, { file: PendingDownload; expires: number }>();
  let downloadDir: string | null = null;
  let embeddedServer: { close(): Promise<void> } | null = null;

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
      logger: (line) => log(`[local server] ${line}`),
    });
    embeddedServer = srv;
    // The admin token is issued in-process: the local server needs no password anywhere.
    await connections.attachEmbedded({ url: srv.url, issueAdminToken: () => srv.issueAdminToken() }, EMBEDDED_NAME);
  }
  // Saved servers connect in the background; the tree shows their status as it changes.
  void connections.connectAll();

  async function privateDownloadDir(): Promise<string> {
    // mkdtemp creates the folder 0700: other local users cannot read exported secrets.
    downloadDir ??= await fs.mkdtemp(join(tmpdir(), 'gatepass-downloads-'));
    return downloadDir;
  }

  function sweepDownloads(): void {
    const t = Date.now();
    for (const [id, d] of downloads) {
      if (d.expires <= t) {
        downloads.delete(id);
        void d.file.discard();
      }
    }
  }

  const handlers: Handlers = {
    async 'app:info'() {
      const kc = await credentials.available();
      return {
        version: appVersion(),
        host: opts.host,
        keychain: kc.ok ? 'available' : 'unavailable',
        ...(kc.message ? { keychainMessage: kc.message } : {}),
      };
    },
    async 'servers:list'() {
      return connections.list();
    },
    async 'servers:add'(input) {
      return connections.add(input);
    },
    async 'servers:remove'({ serverId }) {
      await connections.remove(serverId);
      return { ok: true as const };
    },
    async 'servers:connect'({ serverId, password }) {
      return connections.connect(serverId, password);
    },
    async 'users:list'({ serverId, ...query }) {
      return connections.admin(serverId)('listUsers', { query });
    },
    async 'users:get'({ serverId, userId }) {
      return connections.admin(serverId)('getUser', { params: { id: userId } });
    },
    async 'users:create'({ serverId, ...body }) {
      return connections.admin(serverId)('createUser', { body });
    },
    async 'users:update'({ serverId, userId, ...changes }) {
      const body = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      return connections.admin(serverId)('updateUser', { params: { id: userId }, body });
    },
    async 'users:delete'({ serverId, userIds }) {
      return deleteUsers(connections.admin(serverId), userIds);
    },
    async 'policy:get'({ serverId }) {
      return connections.admin(serverId)('getPolicy');
    },
    async 'policy:set'({ serverId, policy }) {
      return connections.admin(serverId)('setPolicy', { body: policy });
    },
    async 'audit:list'({ serverId, offset, limit }) {
      return connections.admin(serverId)('listAudit', { query: { offset, limit } });
    },
    async 'qr:generate'({ serverId, userIds, mode }) {
      const server = connections.get(serverId);
      const job = await generateQrJob({
        call: connections.admin(serverId),
        serverId,
        serverName: server.name,
        serverUrl: connections.urlOf(serverId),
        userIds,
        mode,
      });
      jobs.add(job);
      return summariseJob(job);
    },
    async 'qr:regenerate'({ jobId, userIds, mode }) {
      const job = jobs.get(jobId);
      if (saving.has(jobId)) throw new GatepassError('VALIDATION_FAILED', 'These codes are being saved; wait for the save to finish or cancel it');
      await regenerateQrJob(job, { call: connections.admin(job.serverId), userIds, mode });
      return summariseJob(job);
    },
    async 'users:signedIn'({ serverId, userIds }) {
      return countSignedIn(connections.admin(serverId), userIds);
    },
    async 'users:import'({ serverId, csv }) {
      return importUsers(connections.admin(serverId), csv);
    },
    async 'export:cancel'({ jobId }) {
      saving.get(jobId)?.abort();
      return { ok: true as const };
    },
    async 'export:save'({ jobId, path, format, includeConfig, pageSize, layout }) {
      const job = jobs.get(jobId);
      if (saving.has(jobId)) throw new GatepassError('VALIDATION_FAILED', 'These codes are already being saved');
      const kind = bundleKind(format, includeConfig);
      const fileName = exportFileName(job.serverName, new Date(), kind);
      const ac = new AbortController();
      saving.set(jobId, ac);
      try {
        let target: SaveTarget;
        if (path !== undefined) {
          if (!opts.allowSavePath) throw new GatepassError('FORBIDDEN', 'Choose where to save in the save dialog');
          if (!isAbsolute(path)) throw new GatepassError('VALIDATION_FAILED', 'The path must be absolute');
          target = { kind: 'path', path };
        } else {
          target = await opts.saveTarget(fileName);
        }
        if (target.kind === 'cancelled' || ac.signal.aborted) return { kind: 'cancelled' as const };

        const outPath = target.kind === 'path' ? target.path : join(await privateDownloadDir(), `${randomBytes(8).toString('hex')}.${kind}`);
        // The ZIP's inner PDF is named like the file the user chose.
        const baseName = target.kind === 'path' ? basename(target.path, extname(target.path)) || 'gatepass-qr' : fileName.slice(0, -(kind.length + 1));
        let last = 0;
        let written;
        try {
          written = await saveBundle(job.cards, outPath, {
            format,
            includeConfig,
            pageSize,
            layout,
            baseName,
            tlsPin: job.tlsPin ?? null,
            title: `Gatepass sign-in codes: ${job.serverName}`,
            signal: ac.signal,
            onProgress(p: BundleProgress) {
              // At most ~10 events a second: a 10,000-user export must not flood the renderer.
              const t = Date.now();
              if (p.done === p.total || t - last >= 100) {
                last = t;
                opts.emit('export:progress', { jobId, ...p });
              }
            },
          });
        } catch (err) {
          // export:cancel: nothing was written, the codes stay available to save again.
          if (ac.signal.aborted && err instanceof GatepassError && err.code === 'CANCELLED') return { kind: 'cancelled' as const };
          throw err;
        }
        // Saved: the payloads have left main, keep them no longer.
        jobs.delete(jobId);
        if (target.kind === 'path') return { kind: 'saved' as const, path: written.path, bytes: written.bytes };

        sweepDownloads();
        const id = randomBytes(32).toString('base64url');
        const file: PendingDownload = {
          path: written.path,
          fileName,
          bytes: written.bytes,
          contentType: bundleContentType(kind),
          discard: () => fs.rm(written.path, { force: true }),
        };
        downloads.set(id, { file, expires: Date.now() + DOWNLOAD_TTL_MS });
        return { kind: 'download' as const, url: `/downloads/${id}`, fileName, bytes: written.bytes };
      } finally {
        saving.delete(jobId);
      }
    },
  };

  const dispatch = createDispatcher(handlers, {
    onInternalError: (channel, err) => log(`internal error on ${channel}: ${err instanceof Error ? (err.stack ?? err.message) : 'unknown'}`),
  });

  return {
    handlers,
    dispatch,
    takeDownload(id) {
      sweepDownloads();
      const d = downloads.get(id);
      if (!d) return null;
      downloads.delete(id);
      return d.file;
    },
    async close() {
      for (const ac of saving.values()) ac.abort();
      jobs.close();
      await connections.close();
      for (const d of downloads.values()) await d.file.discard();
      downloads.clear();
      if (downloadDir) await fs.rm(downloadDir, { recursive: true, force: true });
      if (embeddedServer) await embeddedServer.close();
    },
  };
}

/** {@link defaultExportName} with the bundle's extension (.pdf or .zip). */
export function exportFileName(serverName: string, date: Date, kind: BundleKind): string {
  return defaultExportName(serverName, date).replace(/\.pdf$/, `.${kind}`);
}

/** `gatepass-qr-<server>-<yyyy-mm-dd>.pdf`, safe as a file name everywhere. */
export function defaultExportName(serverName: string, date: Date): string {
  const server = sanitizeFileBase(serverName.trim().toLowerCase().replace(/\s+/g, '-')).slice(0, 60);
  const day = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  return `gatepass-qr-${server}-${day}.pdf`;
}

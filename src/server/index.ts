import { availableParallelism, hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { GatepassError } from '../shared/errors';
import packageJson from '../../package.json';
import { isPostgresUrl, openDatabase } from './db/connect';
import { migrateToLatest } from './db/migrations';
import { buildApp } from './http/app';
import { createHandlers } from './http/handlers';
import { createPasswordHasher, type HashCost } from './security/passwords';
import { createHashGate, defaultHashGateOptions, type HashGateOptions } from './security/hash-gate';
import { readTls, selfSignedTls, type TlsMaterial } from './security/tls';
import { createSecretBox, loadKeyFile, newSecretKey, parseKeyList, type SecretBox } from './security/secret-box';
import type { ServiceContext } from './context';
import { createMailService, type MailService } from './mail/index';
import { startMailSender, type MailSender, type SenderOptions } from './mail/sender';
import { applyStartOptions, checkMailStartOptions, resealMailPassword, type MailStartOptions } from './mail/settings';
import { ensureFirstAdmin, issueFirstAdminToken } from './modules/admins/service';
import { SWEEP_INTERVAL_MS, sweepExpired } from './modules/sessions/service';
import { seedDemoUsers } from './modules/users/demo-users';
import { sweepThrottle } from './security/signin-throttle';
import { resealSecrets, sweepTwoStep } from './modules/totp/service';
import { sweepEmailOtps } from './modules/email-otp/service';
import { ensureServerId, sweepProvisioning } from './modules/provisioning/service';
import { registerQrImageRoute } from './modules/provisioning/qr-image';

/** How to start a Gatepass server. */
export interface ServerOptions {
  /** SQLite file path, or a postgres:// URL. */
  db: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Bind address; default 127.0.0.1. */
  host?: string;
  /** Display name; default 'Gatepass server'. */
  name?: string;
  /** Create this many demo users if the users table is empty. */
  seedDemo?: number;
  /** Password for `admin` on the first start; else env GATEPASS_ADMIN_PASSWORD; else generated. */
  adminPassword?: string;
  /**
   * The keys that seal two-step secrets: base64 32-byte keys separated by commas, the first
   * current. Else env GATEPASS_SECRET_KEY (what replicas on one PostgreSQL share); else the
   * key file.
   */
  secretKey?: string;
  /** A key file (one key a line, first current); default for SQLite: `<db file>.key` beside it, created 0600. */
  secretKeyFile?: string;
  /** Mail transport set at start (`--smtp-url`, `--mail-folder`, `--mail-from`; the embedded server's folder): docs/mail.md. */
  mail?: MailStartOptions;
  /**
   * Serve HTTPS (docs/tls.md): a certificate and key in PEM files, or a self-signed certificate
   * made on the first start and kept (key 0600) in `dir`, by default beside the SQLite file, so
   * its pin stays the same. Clients pin the key (`tlsPin`); QR codes and device files carry it.
   */
  tls?: { certFile: string; keyFile: string } | { selfSigned: true; dir?: string };
  /** Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed, so per-source limits see the real clients. */
  trustedProxies?: string[];
  /**
   * Host header values accepted, a guard against DNS rebinding; by default, for a loopback
   * bind, the loopback names only; for any other bind, any host unless a list is given.
   */
  allowedHosts?: string[];
  /**
   * The URL devices and mail readers reach this server at (behind a TLS proxy, the proxy's
   * https:// URL): what provisioning payloads and the QR Code URL name. Default: the listen URL.
   */
  publicUrl?: string;
  logger?: (line: string) => void;
}

/** A started server. */
export interface RunningServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The URL devices reach it at: `publicUrl`, else `url`. */
  publicUrl: string;
  /** This installation's server ID (the same for every replica of one database). */
  serverId: string;
  port: number;
  name: string;
  /** Set only when this start created `admin` with a generated password (print it once). */
  generatedAdminPassword: string | null;
  /** The served key's pin (`sha256/<base64>`), null over plain HTTP. */
  tlsPin: string | null;
  /** The certificate's SHA-256 fingerprint, and whether this start made it (self-signed). */
  tlsFingerprint: string | null;
  tlsCreated: boolean;
  /** Where the two-step secret keys came from (an option, GATEPASS_SECRET_KEY or a key file), or null: 2FA unavailable. */
  secretKeySource: string | null;
  /** An admin session for the embedded server, so the console needs no password. */
  issueAdminToken(): Promise<string>;
  /** This server's mail: queue in-process (as modules do through ctx.mail), and this process's sender. */
  mail: {
    queue: MailService['queue'];
    /** What `claimed_by` says for this process's claims. */
    senderId: string;
    /** Resolves when this process has nothing claimed, in flight or due. */
    idle(): Promise<void>;
  };
  close(): Promise<void>;
}

/** Not part of the public options: knobs for the test suite. */
export interface InternalServerOptions {
  /** 'test' makes argon2id cheap so the suite is quick; production cost otherwise. */
  hashCost?: HashCost;
  /** The server's clock (tests of time windows, back-off and grace periods move it). */
  now?: () => Date;
  /** Shorter mail timings (poll, lease, back-off) so retries and crashes are quick to test. */
  mail?: SenderOptions;
  /** Bounds of password hashing (slots, queue, wait): a tiny queue makes overload easy to test. */
  hashGate?: Partial<HashGateOptions>;
}

/**
 * The secret box from the first source that is set: the option, GATEPASS_SECRET_KEY, the key
 * file (for SQLite `<db>.key` beside the database by default, created with a fresh key). For
 * PostgreSQL without a key the server still runs, but two-step verification answers
 * TWO_STEP_UNAVAILABLE: a key made up by one replica would not open on the others.
 */
export function openSecretBox(opts: Pick<ServerOptions, 'db' | 'secretKey' | 'secretKeyFile'>): { box: SecretBox | null; source: string } {
  if (opts.secretKey) return { box: createSecretBox(parseKeyList(opts.secretKey, 'the secretKey option')), source: 'the secretKey option' };
  const env = process.env.GATEPASS_SECRET_KEY;
  if (env) return { box: createSecretBox(parseKeyList(env, 'GATEPASS_SECRET_KEY')), source: 'GATEPASS_SECRET_KEY' };
  if (opts.secretKeyFile) return { box: createSecretBox(loadKeyFile(opts.secretKeyFile)), source: opts.secretKeyFile };
  if (isPostgresUrl(opts.db)) return { box: null, source: 'none' };
  // An in-memory database dies with the process, and so may its key.
  if (opts.db === ':memory:') return { box: createSecretBox(parseKeyList(newSecretKey(), 'a key for this run')), source: 'a key for this run' };
  const file = `${opts.db}.key`;
  return { box: createSecretBox(loadKeyFile(file)), source: file };
}

/** Host names a loopback-bound server answers to (with any port): what a local browser or client sends. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The certificate the server serves, if it serves HTTPS. */
function openTls(opts: ServerOptions, host: string): (TlsMaterial & { created: boolean }) | null {
  if (!opts.tls) return null;
  if ('certFile' in opts.tls) return { ...readTls(opts.tls.certFile, opts.tls.keyFile), created: false };
  const dir = opts.tls.dir ?? (isPostgresUrl(opts.db) || opts.db === ':memory:' ? null : dirname(opts.db));
  if (!dir) throw new GatepassError('VALIDATION_FAILED', 'A self-signed certificate for a PostgreSQL server needs a folder to keep it in (--tls-dir): replicas must share one certificate');
  const base = isPostgresUrl(opts.db) ? 'gatepass' : basename(opts.db);
  const names = [...new Set(['localhost', hostname(), ...(host === '0.0.0.0' || host === '::' ? [] : [host]), '127.0.0.1', '::1'])];
  return selfSignedTls(join(dir, `${base}.tls-cert.pem`), join(dir, `${base}.tls-key.pem`), names);
}

/** Opens the database, migrates it, creates the first admin (and demo users), and listens. */
/** A public URL as given: http(s), no query or fragment, no trailing slash; a clear error otherwise. */
export function normalisePublicUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`The public URL "${raw}" is not a URL (for example https://gatepass.example.org)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`The public URL "${raw}" must start with http:// or https://`);
  if (u.search || u.hash || u.username || u.password) throw new Error(`The public URL "${raw}" must not carry a query, fragment or user name`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export async function startServer(opts: ServerOptions, internal: InternalServerOptions = {}): Promise<RunningServer> {
  const log = opts.logger ?? (() => {});
  const name = opts.name ?? 'Gatepass server';
  const host = opts.host ?? '127.0.0.1';
  // Bad mail options fail before the database (or its key file) is opened or created.
  if (opts.mail) checkMailStartOptions(opts.mail);
  const tls = openTls(opts, host);
  // A bad public URL fails before the database is opened.
  const givenPublicUrl = opts.publicUrl !== undefined ? normalisePublicUrl(opts.publicUrl) : null;
  let publicUrl = givenPublicUrl ?? '';
  const { box, source } = openSecretBox(opts);
  const handle = openDatabase(opts.db);
  let sweeper: ReturnType<typeof setInterval> | null = null;
  let sender: MailSender | null = null;
  try {
    await migrateToLatest(handle.db, handle.dialect);
    const serverId = await ensureServerId(handle.db);
    const now = internal.now ?? (() => new Date());
    if (opts.mail) {
      const changed = await applyStartOptions(handle.db, opts.mail, now(), box);
      if (changed) log(`Gatepass mail: settings from the start options: ${changed}`);
    }
    const mailSender = startMailSender({ db: handle.db, dialect: handle.dialect, now, log, secrets: box, options: internal.mail });
    sender = mailSender;
    const ctx: ServiceContext = {
      db: handle.db,
      dialect: handle.dialect,
      // Sign-ins beyond what the hash threads can do are refused at once (503 SERVER_BUSY), not queued without end.
      hasher: createPasswordHasher(internal.hashCost ?? 'production', createHashGate({ ...defaultHashGateOptions(), ...internal.hashGate })),
      // Hashing runs on libuv's pool (default 4 threads); keep every core busy, no more.
      hashConcurrency: Math.max(2, availableParallelism()),
      secrets: box,
      serverName: name,
      mail: createMailService({ db: handle.db, now, sender: mailSender, secrets: box }),
      serverId,
      // Known once the server listens (port 0 picks one), before any request is served.
      publicUrl: () => publicUrl,
      tlsPin: tls?.pin ?? null,
      now,
    };
    // Without a key (PostgreSQL and no GATEPASS_SECRET_KEY) the server runs and every 2FA route
    // says why it cannot; `secretKeySource` lets the CLI say so at start.
    if (box) {
      // After a key rotation, re-seal what the older keys sealed (docs/two-step.md).
      const { resealed, unreadable } = await resealSecrets(ctx);
      if (resealed > 0) log(`Gatepass server: re-sealed ${resealed} two-step secret(s) with the current key from ${source}`);
      if (unreadable > 0) log(`Gatepass server: ${unreadable} two-step secret(s) are sealed with a key ${source} does not hold: those accounts cannot complete two-step sign-ins`);
      if (await resealMailPassword(handle.db, box)) log(`Gatepass mail: re-sealed the SMTP password with the current key from ${source}`);
    }
    const envPassword = process.env.GATEPASS_ADMIN_PASSWORD;
    const generatedAdminPassword = await ensureFirstAdmin(ctx, opts.adminPassword ?? (envPassword ? envPassword : undefined));
    if (opts.seedDemo) {
      const t0 = Date.now();
      const seeded = await seedDemoUsers(ctx.db, opts.seedDemo, ctx.now());
      if (seeded > 0) log(`Gatepass server seeded ${seeded} demo users in ${Date.now() - t0} ms`);
    }
    const sweep = () =>
      sweepExpired(ctx)
        .then(() => sweepTwoStep(ctx))
        .then(() => sweepThrottle(ctx.db, ctx.now()))
        .then(() => sweepEmailOtps(ctx))
        .then(() => sweepProvisioning(ctx))
        .catch((err: unknown) => log(`Gatepass server: sweeping expired sessions failed: ${err instanceof Error ? err.message : String(err)}`));
    await sweep();
    sweeper = setInterval(() => void sweep(), SWEEP_INTERVAL_MS);
    sweeper.unref();
    const version = packageJson.version;
    const app = buildApp({
      ctx,
      handlers: createHandlers(ctx, { name, version, tlsPin: tls?.pin ?? null }),
      title: name,
      version,
      logger: log,
      ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
      trustedProxies: opts.trustedProxies ?? [],
      // The public URL's host is a name clients reach this server by (through a proxy, say): accepted too.
      allowedHosts: opts.allowedHosts ?? (isLoopback(host) ? [...LOOPBACK_HOSTS, ...(givenPublicUrl ? [new URL(givenPublicUrl).hostname] : [])] : null),
      extraRoutes: (app) => registerQrImageRoute(app, ctx),
    });
    await app.listen({ port: opts.port, host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : opts.port;
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    publicUrl = givenPublicUrl ?? url;
    log(`Gatepass server listening on ${url}`);
    let closed = false;
    return {
      url,
      publicUrl,
      serverId,
      port,
      name,
      generatedAdminPassword,
      tlsPin: tls?.pin ?? null,
      tlsFingerprint: tls?.fingerprint ?? null,
      tlsCreated: tls?.created ?? false,
      secretKeySource: box ? source : null,
      issueAdminToken: () => issueFirstAdminToken(ctx),
      mail: { queue: (drafts, o) => ctx.mail.queue(drafts, o), senderId: mailSender.id, idle: () => mailSender.idle() },
      async close() {
        if (closed) return;
        closed = true;
        if (sweeper) clearInterval(sweeper);
        await app.close();
        // After the HTTP side: no request can queue mail any more; what is in flight finishes.
        await mailSender.stop();
        await handle.close();
      },
    };
  } catch (err) {
    if (sweeper) clearInterval(sweeper);
    await sender?.stop(0).catch(() => {});
    await handle.close().catch(() => {});
    throw err;
  }
}

#!/usr/bin/env node
// A private, throwaway PostgreSQL cluster for tests: its own data folder under the OS temp
// folder, its own port and socket folder, trust auth on loopback only, fsync off (the data
// is thrown away). Used by the server tests (startPgCluster) and by hand as a CLI:
//   node scripts/pg-cluster.mjs      prints the URL, runs until Ctrl+C, then removes itself.
// If PostgreSQL is not installed this fails loudly: a missing database must never look
// like a passing test.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const INSTALL_HINT = 'PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with: apt-get install -y postgresql';

/** Finds initdb and pg_ctl: on PATH, else Debian's versioned folders (newest first). */
function findBinaries() {
  const candidates = [];
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(dir);
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(debianRoot, v, 'bin'));
  }
  for (const dir of candidates) {
    const initdb = join(dir, 'initdb');
    const pgCtl = join(dir, 'pg_ctl');
    if (existsSync(initdb) && existsSync(pgCtl)) return { initdb, pgCtl };
  }
  throw new Error(INSTALL_HINT);
}

/** PostgreSQL refuses to run as root, so as root we run its tools as the `postgres` user. */
function runAs() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) throw new Error(`Running as root but there is no "postgres" user to run PostgreSQL as. ${INSTALL_HINT}`);
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function command(user, bin, args) {
  if (!user) return { cmd: bin, args };
  // runuser exists on every Debian (util-linux); it needs no password and no PAM session.
  return { cmd: 'runuser', args: ['-u', 'postgres', '--', bin, ...args] };
}

function run(user, bin, args) {
  const c = command(user, bin, args);
  const r = spawnSync(c.cmd, c.args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${bin} ${args[0] ?? ''} failed (${r.status}): ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/**
 * Starts a private PostgreSQL cluster and creates database `gatepass` in it.
 * @returns {Promise<{ url: string, stop: () => Promise<void>, createDatabase: (name: string) => Promise<string> }>}
 */
export async function startPgCluster() {
  const { initdb, pgCtl } = findBinaries();
  const user = runAs();
  const root = mkdtempSync(join(tmpdir(), 'gatepass-pg-'));
  const dataDir = join(root, 'data');
  const sockDir = join(root, 'sock');
  mkdirSync(dataDir, { mode: 0o700 });
  mkdirSync(sockDir, { mode: 0o700 });
  if (user) for (const d of [root, dataDir, sockDir]) chownSync(d, user.uid, user.gid);

  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    const c = command(user, pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    spawnSync(c.cmd, c.args, { stdio: 'ignore' });
    rmSync(root, { recursive: true, force: true });
  };
  // A crashed test run must not leave a postgres behind.
  process.once('exit', stopSync);

  try {
    run(user, initdb, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-instructions']);
    let port = 0;
    let lastError = null;
    // The free port can be taken between probing and binding; try a few.
    for (let attempt = 0; attempt < 5 && !port; attempt++) {
      const candidate = await freePort();
      const opts = `-p ${candidate} -k ${sockDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`;
      try {
        run(user, pgCtl, ['-D', dataDir, '-o', opts, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start']);
        port = candidate;
      } catch (err) {
        lastError = err;
      }
    }
    if (!port) throw lastError ?? new Error('PostgreSQL did not start');

    const base = `postgres://postgres@127.0.0.1:${port}`;
    /** Creates a fresh empty database and returns its URL. */
    const createDatabase = async (name) => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Bad database name: ${name}`);
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    };
    const url = await createDatabase('gatepass');
    return {
      url,
      createDatabase,
      stop: async () => {
        process.removeListener('exit', stopSync);
        stopSync();
      },
    };
  } catch (err) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw err;
  }
}

// CLI: print the URL, keep running until interrupted.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  startPgCluster().then(
    (cluster) => {
      console.log(cluster.url);
      const shutdown = () => void cluster.stop().then(() => process.exit(0));
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      // Keep the event loop alive until a signal arrives.
      setInterval(() => {}, 1 << 30);
    },
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}

import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConsolePrefsSchema, type ConsolePrefs } from '../../shared/ipc/channels/prefs';
import { TlsPinSchema } from '../../shared/model/tls-certificate';
import { STALE_TEMP_AGE_MS, writeFileAtomic } from './files/atomic-write';

const APP_FOLDER = 'Gatepass';
const SETTINGS_FILE = 'servers.json';

/**
 * The console's user data folder, the same for Electron, the browser host and the CLI:
 * GATEPASS_USER_DATA if set (tests use temp folders), else the OS convention Electron's
 * app.getPath('userData') follows for an app named Gatepass.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.GATEPASS_USER_DATA) return env.GATEPASS_USER_DATA;
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_FOLDER);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_FOLDER);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_FOLDER);
}

/** One server in the tree, as saved. No password or token is ever part of it. */
export const SavedServerSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  /** Empty for the embedded server: it gets a new port on every start. */
  url: z.string(),
  login: z.string(),
  embedded: z.boolean(),
  /** The server's TLS key pin the administrator trusted (a public key's hash, no secret); absent when none was. */
  tlsPin: TlsPinSchema.optional(),
});
export type SavedServer = z.infer<typeof SavedServerSchema>;

export const SettingsFileSchema = z.object({
  version: z.literal(1),
  servers: z.array(SavedServerSchema),
  /** The console's view (open node, hidden columns); absent in files of older versions. */
  prefs: ConsolePrefsSchema.optional(),
});
export type SettingsFile = z.infer<typeof SettingsFileSchema>;

/** The saved server list and view settings, read once and written atomically on every change. */
export interface SettingsStore {
  readonly path: string;
  load(): Promise<SavedServer[]>;
  save(servers: readonly SavedServer[]): Promise<void>;
  /** The saved view settings (defaults when none were saved). */
  loadPrefs(): Promise<ConsolePrefs>;
  savePrefs(prefs: ConsolePrefs): Promise<void>;
}

/**
 * Server list in `<userData>/servers.json`. A file that does not parse is moved aside
 * (`servers.json.corrupt-<time>`) and the console starts with an empty list, so one bad
 * write never locks the user out; it is kept for inspection rather than deleted.
 */
export function createSettingsStore(dir: string, logger: (line: string) => void = () => {}): SettingsStore {
  const path = join(dir, SETTINGS_FILE);
  // Writes are serialised so two quick changes cannot interleave their renames.
  let queue: Promise<void> = Promise.resolve();
  // The file as last read or written: servers and prefs are written together, each keeping the other.
  let current: Promise<SettingsFile> | null = null;
  let legacyCleaned: Promise<void> | null = null;

  async function read(): Promise<SettingsFile> {
    const empty: SettingsFile = { version: 1, servers: [] };
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty;
      throw err;
    }
    let parsed: ReturnType<typeof SettingsFileSchema.safeParse> | null = null;
    try {
      parsed = SettingsFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = null;
    }
    if (parsed?.success) return parsed.data;
    const backup = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await fs.rename(path, backup).catch(() => {});
    logger(`warning: settings file ${path} was unreadable; moved to ${backup} and starting with an empty server list`);
    return empty;
  }

  function loaded(): Promise<SettingsFile> {
    current ??= read();
    // A failed read (say, a permission error) is tried again next time rather than remembered.
    current.catch(() => {
      current = null;
    });
    return current;
  }

  function write(change: (file: SettingsFile) => SettingsFile): Promise<void> {
    const run = queue.then(async () => {
      const next = change(await loaded());
      const data: SettingsFile = { ...next, servers: next.servers.map((s) => SavedServerSchema.parse(s)) };
      // Leftovers of earlier versions' writer come only from before this process: looked for once.
      legacyCleaned ??= removeOldTempFiles(dir);
      await legacyCleaned;
      await writeJsonAtomic(dir, path, data);
      current = Promise.resolve(data);
    });
    queue = run.catch(() => {});
    return run;
  }

  return {
    path,
    load: async () => (await loaded()).servers,
    save: (servers) => write((file) => ({ ...file, servers: [...servers] })),
    loadPrefs: async () => ConsolePrefsSchema.parse((await loaded()).prefs ?? {}),
    savePrefs: (prefs) => write((file) => ({ ...file, prefs: ConsolePrefsSchema.parse(prefs) })),
  };
}

/**
 * The owner-only folder, then writeFileAtomic: a temp file in the same folder, fsync, rename, so a
 * reader sees the old file or the new one, never half; and the temp file of a write killed midway
 * is removed by the next one.
 */
async function writeJsonAtomic(dir: string, path: string, data: unknown): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, async (out) => {
    out.end(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
  });
}

/** The temp names this file's own writer used before it wrote through writeFileAtomic. */
const OLD_TEMP = new RegExp(`^\\.${SETTINGS_FILE.replace('.', '\\.')}\\.[0-9a-f]{12}\\.tmp$`);

/**
 * Leftovers of saves killed midway by consoles before this one (their own temp names, which
 * writeFileAtomic does not know): removed once a day old, so a save in progress is never touched.
 */
async function removeOldTempFiles(dir: string, now = Date.now()): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!OLD_TEMP.test(name)) continue;
    const file = join(dir, name);
    const st = await fs.lstat(file).catch(() => null);
    if (st?.isFile() && now - st.mtimeMs > STALE_TEMP_AGE_MS) await fs.rm(file, { force: true }).catch(() => {});
  }
}

import { createReadStream, promises as fs } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GatepassError } from '../../../shared/errors';
import { EmlNameSchema, type ChannelOutput, type MailFile, type MailFolder } from '../../../shared/ipc/contract';
import type { Connections } from '../connections';
import { writeFileAtomic } from '../files/atomic-write';
import type { ExportKind, SaveTarget } from '../export/save-job';

/** How many of the newest messages the console lists. */
export const NEWEST_SHOWN = 10;
/** A message larger than this is not a Gatepass message: it is not handed out. */
const MAX_EML_BYTES = 25 * 1024 * 1024;

/**
 * The folder transport's .eml files, as the console shows them ("the console opens that
 * folder"). The folder is never named by the renderer: main takes it from what it knows
 * itself (the embedded server it started) or from the server's own settings, and reads it only
 * when it is on this computer: the embedded server's, or that of a server on a loopback address. Only `*.eml` files directly in it are listed or handed out, never a
 * symlink, so a server cannot make the console hand out any other file.
 */
export interface MailFolders {
  describe(serverId: string): Promise<MailFolder>;
  /** Opens the folder in the file manager (Electron); FORBIDDEN where the host cannot. */
  open(serverId: string): Promise<void>;
  /** Saves one message of the folder where the host says (save dialog, one-time download). */
  save(serverId: string, name: string): Promise<ChannelOutput<'mail:saveMessage'>>;
}

/** Options of {@link createMailFolders}. */
export interface MailFoldersOptions {
  connections: Connections;
  /** The embedded server's folder, which main chose itself; null without an embedded server. */
  embeddedFolder: string | null;
  saveTarget: (suggestedName: string, kind: ExportKind) => Promise<SaveTarget>;
  /** The host's way to show a folder (Electron's shell.openPath); absent in the browser host. */
  openFolder?: (path: string) => Promise<void>;
}

/** 127.0.0.0/8, ::1 and localhost: a server on this computer. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export function createMailFolders(opts: MailFoldersOptions): MailFolders {
  const { connections } = opts;

  /** The server's folder, and whether (and where) this computer has it. */
  async function locate(serverId: string): Promise<{ path: string | null; local: string | null }> {
    const server = connections.get(serverId);
    const settings = await connections.admin(serverId)('getMailSettings');
    if (server.embedded) {
      // The embedded server writes where main told it to: that folder, not a path from an answer.
      return { path: settings.folder ?? opts.embeddedFolder, local: opts.embeddedFolder };
    }
    const path = settings.folder;
    // A server on a loopback address runs on this computer, so its folder is here (it may not
    // exist yet: the server makes it with its first message).
    if (!path || !isAbsolute(path) || !isLoopbackUrl(connections.urlOf(serverId))) return { path, local: null };
    return { path, local: resolve(path) };
  }

  /** The folder on this computer, or a refusal that says why there is none. */
  async function localFolder(serverId: string): Promise<string> {
    const { path, local } = await locate(serverId);
    if (local) return local;
    if (!path) throw new GatepassError('NOT_FOUND', 'This server has no mail folder: it is set where the server is started (--mail-folder)');
    throw new GatepassError('NOT_FOUND', `The mail folder ${path} is on the server's computer, not this one: open it there`);
  }

  async function list(folder: string): Promise<{ total: number; newest: MailFile[] }> {
    const entries = await fs.readdir(folder, { withFileTypes: true });
    // Names start with the time the message was queued (yyyymmdd-hhmmss), so the name order is the age order.
    const names = entries
      .filter((e) => e.isFile() && EmlNameSchema.safeParse(e.name).success)
      .map((e) => e.name)
      .sort()
      .reverse();
    const newest: MailFile[] = [];
    for (const name of names.slice(0, NEWEST_SHOWN)) {
      try {
        const st = await fs.lstat(join(folder, name));
        if (st.isFile()) newest.push({ name, bytes: st.size, modifiedAt: st.mtime.toISOString() });
      } catch {
        // Removed between the listing and now: not listed.
      }
    }
    return { total: names.length, newest };
  }

  return {
    async describe(serverId) {
      const { path, local } = await locate(serverId);
      if (!path && !local) return { path: null, where: 'none', canOpen: false, total: 0, newest: [] };
      if (!local) return { path, where: 'elsewhere', canOpen: false, total: 0, newest: [] };
      // A folder not made yet (no message so far) holds nothing.
      const { total, newest } = await list(local).catch(() => ({ total: 0, newest: [] }));
      return { path: path ?? local, where: 'here', canOpen: opts.openFolder !== undefined, total, newest };
    },
    async open(serverId) {
      if (!opts.openFolder) {
        throw new GatepassError('FORBIDDEN', 'A browser cannot open a folder on this computer: download the messages from the list, or open the folder in your file manager');
      }
      const folder = await localFolder(serverId);
      if (!(await isDirectory(folder))) throw new GatepassError('NOT_FOUND', `${folder} does not exist yet: the server makes it when it writes its first message`);
      await opts.openFolder(folder);
    },
    async save(serverId, name) {
      const parsed = EmlNameSchema.safeParse(name);
      if (!parsed.success) throw new GatepassError('VALIDATION_FAILED', 'The name of one .eml file of the mail folder');
      const folder = await localFolder(serverId);
      const file = join(folder, parsed.data);
      const st = await fs.lstat(file).catch(() => null);
      // lstat: a symlink named *.eml is not a message of the folder, whatever it points at.
      if (!st?.isFile()) throw new GatepassError('NOT_FOUND', `${parsed.data} is not in the mail folder (any more)`);
      if (st.size > MAX_EML_BYTES) throw new GatepassError('VALIDATION_FAILED', `${parsed.data} is larger than 25 MB: open it in the folder`);
      const target = await opts.saveTarget(parsed.data, 'eml');
      if (target.kind === 'cancelled') return { kind: 'cancelled' };
      const outPath = target.kind === 'path' ? target.path : await target.via.reserve('eml');
      const written = await writeFileAtomic(outPath, (out) => pipeline(createReadStream(file), out));
      if (target.kind === 'path') return { kind: 'saved', path: written.path, bytes: written.bytes };
      const url = target.via.offer({ path: written.path, fileName: parsed.data, bytes: written.bytes, contentType: 'message/rfc822' });
      return { kind: 'download', url, fileName: parsed.data, bytes: written.bytes };
    },
  };
}

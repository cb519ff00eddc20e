import { GatepassError } from '../../../shared/errors';
import { sanitizeFileBase } from '../../../shared/file-names';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import type { AdminCall } from '../connections';
import type { ExportKind, SaveTarget } from '../export/save-job';
import { writeFileAtomic } from '../files/atomic-write';

/** `<computer name>.agent`, safe as a file name on every system (docs/agent-file.md). */
export function agentFileName(computerName: string): string {
  // Names are at most 128 characters (ComputerNameSchema), well under any file-name limit.
  return `${sanitizeFileBase(computerName.trim())}.agent`;
}

/**
 * Registers a computer and hands its agent file to the administrator as the host does it (a
 * save dialog's path, or the browser host's one-time download). Where to save is asked first,
 * so a dismissed dialog registers nothing; the file is written atomically and owner-only (it
 * holds the computer's credential, shown by the server this once); when it cannot be written
 * the computer is revoked again, so no credential exists that nobody holds. The credential
 * stays in main: the renderer gets the computer and where the file went.
 */
export async function registerComputerToFile(opts: {
  call: AdminCall;
  name: string;
  serverUrl: string;
  saveTarget: (suggestedName: string, kind: ExportKind) => Promise<SaveTarget>;
}): Promise<ChannelOutput<'computers:register'>> {
  const fileName = agentFileName(opts.name);
  const target = await opts.saveTarget(fileName, 'agent');
  if (target.kind === 'cancelled') return { computer: null, result: { kind: 'cancelled' } };
  const registered = await opts.call('registerComputer', { body: { name: opts.name, serverUrl: opts.serverUrl } });
  let written: { path: string; bytes: number };
  try {
    const outPath = target.kind === 'path' ? target.path : await target.via.reserve('agent');
    written = await writeFileAtomic(outPath, async (out) => void out.end(registered.agentFile, 'utf8'), { mode: 0o600 });
  } catch (err) {
    // Best effort: if even the revocation fails, the message still says the file is missing.
    const revoked = await opts
      .call('revokeComputer', { params: { id: registered.computer.id } })
      .then(() => true)
      .catch(() => false);
    const why = err instanceof GatepassError ? err : new GatepassError('WRITE_FAILED', 'The agent file could not be written');
    const after = revoked
      ? `; ${registered.computer.name} was revoked again, so register it again once the file can be saved`
      : `; revoke ${registered.computer.name} in the Computers list, then register it again`;
    throw new GatepassError(why.code, `${why.message}${after}`, why.details);
  }
  if (target.kind === 'path') return { computer: registered.computer, result: { kind: 'saved', path: written.path, bytes: written.bytes } };
  const url = target.via.offer({ path: written.path, fileName, bytes: written.bytes, contentType: 'application/json; charset=utf-8' });
  return { computer: registered.computer, result: { kind: 'download', url, fileName, bytes: written.bytes } };
}

import { randomBytes } from 'node:crypto';
import { GatepassError } from '../../../shared/errors';
import { sanitizeFileBase } from '../../../shared/file-names';
import type { ChannelOutput, ShownRecoveryCodes } from '../../../shared/ipc/contract';
import { recoveryCodesText } from '../../../shared/recovery-codes';
import { writeFileAtomic } from '../files/atomic-write';
import { datedFileName, type ExportKind, type SaveTarget } from '../export/save-job';

/** How long main keeps codes that are being shown: long enough to save and print them, not for the whole session. */
export const SHOWN_CODES_TTL_MS = 30 * 60_000;

interface Held {
  codes: readonly string[];
  generatedAt: string;
  login: string;
  serverName: string;
  expires: number;
}

/**
 * Recovery codes the console is showing right now. The server hands them out once; main keeps
 * them (in memory only) while their dialog is open, so "Save as .txt" is written by main through
 * the host's save target like every other file (a save dialog, or the browser host's one-time
 * download), never through renderer storage. Forgotten when the dialog closes or after 30 minutes.
 */
export interface ShownCodes {
  /** Keeps a set just made and returns it as the renderer shows it. */
  hold(input: { codes: readonly string[]; generatedAt: string; login: string; serverName: string }): ShownRecoveryCodes;
  /** Writes the .txt file (recoveryCodesText) where the host says. */
  save(codesId: string): Promise<ChannelOutput<'twoStep:saveRecoveryCodes'>>;
  discard(codesId: string): void;
  clear(): void;
}

/** The .txt file name: `gatepass-recovery-codes-<login>-<server>-<yyyy-mm-dd>.txt`, safe everywhere. */
export function recoveryCodesFileName(login: string, serverName: string, date: Date): string {
  const who = sanitizeFileBase(login.trim().toLowerCase()).slice(0, 60);
  return datedFileName(`recovery-codes-${who}`, serverName, date, 'txt');
}

export function createShownCodes(opts: { saveTarget: (suggestedName: string, kind: ExportKind) => Promise<SaveTarget>; now?: () => number }): ShownCodes {
  const now = opts.now ?? Date.now;
  const held = new Map<string, Held>();

  function sweep(): void {
    const t = now();
    for (const [id, h] of held) if (h.expires <= t) held.delete(id);
  }

  return {
    hold({ codes, generatedAt, login, serverName }) {
      sweep();
      const codesId = randomBytes(18).toString('base64url');
      held.set(codesId, { codes: [...codes], generatedAt, login, serverName, expires: now() + SHOWN_CODES_TTL_MS });
      return { codesId, recoveryCodes: [...codes], generatedAt, login, serverName };
    },
    async save(codesId) {
      sweep();
      const h = held.get(codesId);
      if (!h) throw new GatepassError('NOT_FOUND', 'These recovery codes are no longer held by the console: make a new set to save them');
      const fileName = recoveryCodesFileName(h.login, h.serverName, new Date(now()));
      const target = await opts.saveTarget(fileName, 'txt');
      if (target.kind === 'cancelled') return { kind: 'cancelled' };
      const outPath = target.kind === 'path' ? target.path : await target.via.reserve('txt');
      const text = recoveryCodesText({ serverName: h.serverName, login: h.login, codes: h.codes, generatedAt: h.generatedAt });
      // Owner-only, atomically: the codes sign in as the account.
      const written = await writeFileAtomic(outPath, async (out) => {
        out.end(text, 'utf8');
      });
      if (target.kind === 'path') return { kind: 'saved', path: written.path, bytes: written.bytes };
      const url = target.via.offer({ path: written.path, fileName, bytes: written.bytes, contentType: 'text/plain; charset=utf-8' });
      return { kind: 'download', url, fileName, bytes: written.bytes };
    },
    discard(codesId) {
      held.delete(codesId);
    },
    clear() {
      held.clear();
    },
  };
}

import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Removes temporary files that an atomic write left behind when its process was killed between
 * writing and renaming (SIGKILL, power loss): in `dir`, the files `isTemp` recognises by name
 * and that were last changed more than `olderThanMs` ago, so a write under way in
 * another process (a replica sharing the folder) is left alone. Returns how many it removed.
 * Best effort: a folder that cannot be read, or a file already gone, is not an error.
 */
export function removeStaleTempFiles(dir: string, isTemp: (name: string) => boolean, olderThanMs: number, now = Date.now()): number {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    if (!isTemp(entry)) continue;
    const file = join(dir, entry);
    try {
      const st = statSync(file);
      if (!st.isFile() || now - st.mtimeMs < olderThanMs) continue;
      rmSync(file, { force: true });
      removed++;
    } catch {
      // Gone meanwhile, or not ours to remove: nothing to do.
    }
  }
  return removed;
}

import { test, expect, _electron as electron } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findElectronBinary } from '../scripts/electron-binary.mjs';
import { root } from './support';

const binary = findElectronBinary();
// Electron-only checks need Electron's own binary, which cannot be downloaded on every
// machine (shared/TOOLCHAIN.md). Say so plainly rather than pass silently.
if (!binary.path) console.log(`electron.spec: skipped: ${binary.reason}. The same UI is tested through the browser host.`);

test.describe('the Electron shell', () => {
  test.skip(!binary.path, `no Electron binary: ${binary.reason}`);

  test('opens the console on the embedded local server with a locked-down renderer', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'gatepass-electron-'));
    const app = await electron.launch({
      executablePath: binary.path!,
      args: [root],
      env: { ...process.env, GATEPASS_USER_DATA: userData },
    });
    try {
      const win = await app.firstWindow();
      await expect(win).toHaveTitle(/Gatepass/);
      // Served from the app's own scheme, not file:// (checklist item 18).
      expect(win.url()).toBe('app://console/index.html');
      await expect(win.getByRole('treeitem', { name: /Local server/ }).first()).toBeVisible({ timeout: 30_000 });
      // With contextIsolation and sandbox the page world has no require, no process, and the
      // API exposes only the contract's domains (no ipcRenderer).
      const exposed = await win.evaluate(() => {
        const g = globalThis as unknown as { gatepass?: Record<string, unknown>; require?: unknown; process?: unknown };
        return {
          api: typeof g.gatepass,
          frozen: Object.isFrozen(g.gatepass),
          leaks: Object.keys(g.gatepass ?? {}).filter((k) => /ipc|electron|require/i.test(k)),
          require: typeof g.require,
          process: typeof g.process,
        };
      });
      expect(exposed).toEqual({ api: 'object', frozen: true, leaks: [], require: 'undefined', process: 'undefined' });
    } finally {
      await app.close();
      rmSync(userData, { recursive: true, force: true });
    }
  });
});

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
      await expect(win.getByRole('treeitem', { name: /Local server/ }).first()).toBeVisible({ timeout: 30_000 });
      const exposed = await win.evaluate(() => ({
        api: typeof window.gatepass,
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
      }));
      expect(exposed).toEqual({ api: 'object', require: 'undefined', process: 'undefined' });
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const w = BrowserWindow.getAllWindows()[0]!;
        const p = w.webContents.getLastWebPreferences() ?? {};
        return { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration };
      });
      expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    } finally {
      await app.close();
      rmSync(userData, { recursive: true, force: true });
    }
  });
});

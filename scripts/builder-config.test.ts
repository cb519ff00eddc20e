import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Packaging cannot run here (it needs Electron's downloaded zip), so check what can be
// checked: the config parses and names every target, the icon and the files it ships.
const root = join(__dirname, '..');
const config = load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;

function targetsOf(section: unknown): string[] {
  const t = (section as { target?: unknown }).target;
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => (typeof x === 'string' ? x : (x as { target: string }).target));
}

describe('electron-builder.yml', () => {
  it('names the product Gatepass with a stable reverse-DNS app id', () => {
    expect(config.productName).toBe('Gatepass');
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z0-9-]+){2,}$/);
  });

  it('builds NSIS and portable for Windows, dmg for macOS, AppImage and deb for Linux', () => {
    expect(targetsOf(config.win)).toEqual(expect.arrayContaining(['nsis', 'portable']));
    expect(targetsOf(config.mac)).toEqual(expect.arrayContaining(['dmg']));
    expect(targetsOf(config.linux)).toEqual(expect.arrayContaining(['AppImage', 'deb']));
  });

  it('uses an icon from assets/ that is at least 512 px square, as every target requires', () => {
    const icon = join(root, String(config.icon));
    expect(String(config.icon)).toMatch(/^assets\//);
    expect(existsSync(icon)).toBe(true);
    const png = readFileSync(icon);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    expect(png.readUInt32BE(20)).toBe(png.readUInt32BE(16));
  });

  it('ships the built app and points at the built main entry', () => {
    expect(config.files).toEqual(expect.arrayContaining(['out/**']));
    expect((config.extraMetadata as { main: string }).main).toBe(pkg.main);
    expect(pkg.main).toBe('out/main/index.js');
  });

  it('keeps electron and electron-builder out of the runtime dependencies, as packaging requires', () => {
    const deps = pkg.dependencies as Record<string, string>;
    expect(deps.electron).toBeUndefined();
    expect(deps['electron-builder']).toBeUndefined();
    expect((pkg.devDependencies as Record<string, string>).electron).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("passes electron-builder's own schema check, so a misspelt option fails here and not on the release machine", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration: (c: unknown, log: { isDebugEnabled: boolean; add: () => void }) => Promise<void>;
    };
    await expect(validateConfiguration(config, { isDebugEnabled: false, add: () => {} })).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, electronFuses: { ...(config.electronFuses as object), runAsNod: false } }, { isDebugEnabled: false, add: () => {} })).rejects.toThrow(/electronFuses/);
  });

  it('sets the fuses of the security checklist: no Node mode, NODE_OPTIONS or --inspect; asar integrity and only the asar; encrypted cookies; no file:// privileges', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_INDEX_URL, WEB_PREFERENCES, appResponseHeaders, isAllowedExternal, rendererCsp, resolveAppRequest } from './window-security';

const root = '/opt/gatepass/out/renderer';

describe('the window security settings (Electron checklist)', () => {
  it('isolates the renderer: context isolation, sandbox, no Node anywhere, no webview, web security on', () => {
    expect(WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
    });
    expect(WEB_PREFERENCES).not.toHaveProperty('enableBlinkFeatures');
    expect(Object.isFrozen(WEB_PREFERENCES)).toBe(true);
  });

  it('has a CSP that starts from nothing and allows nothing inline, remote or eval', () => {
    const csp = rendererCsp();
    expect(csp.split('; ')[0]).toBe("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-|https?:|\*/);
    expect(rendererCsp('http://localhost:5173')).toContain("connect-src 'self' ws://localhost:5173");
  });

  it('opens only the allowlisted documentation in the browser, never look-alikes or other schemes', () => {
    expect(isAllowedExternal('https://gatepass.example/docs')).toBe(true);
    expect(isAllowedExternal('https://gatepass.example/docs/two-step')).toBe(true);
    for (const bad of [
      'https://gatepass.example/docs.evil.com',
      'https://gatepass.example/docsx',
      'https://gatepass.example.evil.com/docs',
      'http://gatepass.example/docs',
      'https://user:pw@gatepass.example/docs',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'smb://host/share',
      'not a url',
    ]) {
      expect(isAllowedExternal(bad), bad).toBe(false);
    }
  });
});

describe('the app:// scheme the UI is served from (checklist item 18)', () => {
  it('serves the index and the built assets with their types', () => {
    expect(APP_INDEX_URL).toBe('app://console/index.html');
    expect(resolveAppRequest('app://console/', root)).toEqual({ file: join(root, 'index.html'), mime: 'text/html; charset=utf-8' });
    expect(resolveAppRequest('app://console/assets/index-abc.js?v=1#x', root)).toEqual({ file: join(root, 'assets/index-abc.js'), mime: 'text/javascript; charset=utf-8' });
    expect(resolveAppRequest('app://console/assets/a%20b.css', root)?.file).toBe(join(root, 'assets/a b.css'));
  });

  it('refuses paths that leave the renderer folder, other hosts and schemes, and kinds of file the UI never loads', () => {
    // Plain dot segments are resolved by the URL parser itself and stay inside the folder.
    expect(resolveAppRequest('app://console/../../../etc/passwd.js', root)?.file).toBe(join(root, 'etc/passwd.js'));
    expect(resolveAppRequest('app://console/%2e%2e/%2e%2e/etc/passwd.js', root)?.file).toBe(join(root, 'etc/passwd.js'));
    // An encoded slash is not a segment to the parser: decoded, it would climb out, so it is refused.
    for (const bad of [
      'app://console/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.js',
      'app://console/..%5c..%5cwin.ini.js',
      'app://console/a%00.js',
      'app://console/%E0%A4%A.js',
      'app://evil/index.html',
      'app://user@console/index.html',
      'file:///opt/gatepass/out/renderer/index.html',
      'https://console/index.html',
      'app://console/servers.json.txt',
      'app://console/assets/key',
    ]) {
      expect(resolveAppRequest(bad, root), bad).toBeNull();
    }
  });

  it('sends the CSP as a header with every file, and no sniffing or caching', () => {
    expect(appResponseHeaders('text/html; charset=utf-8', rendererCsp())).toEqual({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': rendererCsp(),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });

  it('is what the Electron shell loads and trusts: no file:// page, no loadFile', () => {
    // index.ts imports 'electron' and cannot run here without its binary: read what it does.
    const shell = readFileSync(join(__dirname, 'index.ts'), 'utf8');
    expect(shell).toContain('win.loadURL(APP_INDEX_URL)');
    expect(shell).toContain('protocol.handle(APP_SCHEME');
    expect(shell).toContain('makeTrustedUrlCheck(`${APP_ORIGIN}/`');
    expect(shell).toContain('...WEB_PREFERENCES');
    expect(shell).not.toMatch(/loadFile\(|file:\/\/|pathToFileURL/);
  });
});

import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/**
 * The Electron window's security settings as plain data and pure functions, so they are
 * tested without an Electron binary (src/main/window-security.test.ts) and index.ts, the only
 * file that imports 'electron', applies them. docs/electron-security.md maps each item of
 * Electron's security checklist to the setting or test that covers it.
 */

/**
 * The UI is served from this custom scheme, not file:// (checklist §18): a page on it gets no
 * file-system privileges, and the scheme's handler serves the built renderer folder only.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'console';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** webPreferences of the one window (checklist §2-4, §6, §8, §9, §10, §12), without the preload path. */
export const WEB_PREFERENCES = Object.freeze({
  // The renderer gets window.gatepass through contextBridge and nothing else.
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  // No enableBlinkFeatures: none is needed, and each widens what a page can do.
  navigateOnDragDrop: false,
  spellcheck: false,
  safeDialogs: true,
});

/** The renderer's Content Security Policy (checklist §7); a dev server's HMR socket only in development. */
export function rendererCsp(devServerUrl?: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    devServerUrl ? `connect-src 'self' ${new URL(devServerUrl).origin.replace(/^http/, 'ws')}` : "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The only external pages the app opens, in the user's browser (checklist §15). */
export const EXTERNAL_ALLOWLIST: readonly string[] = ['https://gatepass.example/docs'];

/** Whether `url` may go to shell.openExternal: an allowlisted page or a page under it, nothing else. */
export function isAllowedExternal(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
  const canonical = parsed.href;
  return EXTERNAL_ALLOWLIST.some((allowed) => canonical === allowed || canonical.startsWith(`${allowed}/`));
}

// The renderer folder holds built assets of a few kinds only; anything else is not served.
const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.json': 'application/json; charset=utf-8',
};

/**
 * The file an `app://console/...` request asks for, inside `root` (the built renderer), with
 * its MIME type; null for another scheme or host, a path that leaves `root` (also when
 * percent-encoded), or a kind of file the UI never needs. The caller still resolves symlinks.
 */
export function resolveAppRequest(url: string, root: string): { file: string; mime: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST || parsed.username || parsed.password) return null;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const rel = normalize(path === '/' || path === '' ? 'index.html' : path.replace(/^\/+/, ''));
  const file = join(root, rel);
  const back = relative(root, file);
  if (!back || back.startsWith(`..${sep}`) || back === '..' || isAbsolute(back)) return null;
  const dot = file.lastIndexOf('.');
  const mime = dot > file.lastIndexOf(sep) ? MIME[file.slice(dot).toLowerCase()] : undefined;
  return mime ? { file, mime } : null;
}

/** Headers on every file the app scheme serves: the CSP as a header (so frame-ancestors holds), no sniffing. */
export function appResponseHeaders(mime: string, csp: string): Record<string, string> {
  return { 'content-type': mime, 'content-security-policy': csp, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
}

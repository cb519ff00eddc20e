import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type MenuItemConstructorOptions } from 'electron';
import { readFile, realpath } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatepassError } from '../shared/errors';
import { createConsoleCore, type ConsoleCore } from './console-core';
import type { ExportKind } from './services/export/save-job';
import { bindElectronIpc, makeTrustedUrlCheck, sendEvent } from './ipc/bind-electron';
import {
  APP_INDEX_URL,
  APP_ORIGIN,
  APP_SCHEME,
  EXTERNAL_ALLOWLIST,
  WEB_PREFERENCES,
  appResponseHeaders,
  isAllowedExternal,
  rendererCsp,
  resolveAppRequest,
} from './window-security';

/**
 * The Electron shell: app lifecycle, the one window with the security baseline
 * (docs: electronjs.org/docs/latest/tutorial/security), menus, and the save dialog.
 * Everything else is the console core, shared with the browser host.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererRoot = join(here, '..', 'renderer');
const preloadPath = join(here, '..', 'preload', 'index.cjs');
// electron-vite sets this in development only; a packaged app always loads its own files.
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const isTrustedUrl = makeTrustedUrlCheck(`${APP_ORIGIN}/`, devServerUrl);
const CSP = rendererCsp(devServerUrl);

// The UI's own scheme must be known before the app is ready (checklist §18): standard and
// secure, so the page is a secure context with an origin of its own; nothing else.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

/** Serves the built renderer on app://console/, and nothing outside its folder (symlinks included). */
function serveAppScheme(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = resolveAppRequest(request.url, rendererRoot);
    if (!target) return new Response('Not found', { status: 404 });
    try {
      const [root, real] = await Promise.all([realpath(rendererRoot), realpath(target.file)]);
      const back = relative(root, real);
      if (back.startsWith('..') || isAbsolute(back)) return new Response('Not found', { status: 404 });
      return new Response(await readFile(real), { headers: appResponseHeaders(target.mime, CSP) });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

/** The save dialog's title and file type for each kind of file main writes. */
const SAVE_TITLES: Record<ExportKind, string> = {
  csv: 'Export as CSV',
  txt: 'Save recovery codes',
  pdf: 'Save QR codes',
  zip: 'Save QR codes',
  agent: 'Save the agent file',
  eml: 'Save the message',
};
const SAVE_FILTERS: Record<ExportKind, { name: string; extensions: string[] }> = {
  csv: { name: 'CSV', extensions: ['csv'] },
  txt: { name: 'Text', extensions: ['txt'] },
  pdf: { name: 'PDF', extensions: ['pdf'] },
  zip: { name: 'ZIP', extensions: ['zip'] },
  agent: { name: 'Gatepass agent file', extensions: ['agent'] },
  eml: { name: 'E-mail message', extensions: ['eml'] },
};

let mainWindow: BrowserWindow | null = null;
let core: ConsoleCore | null = null;

function openExternalSafely(url: string): void {
  if (isAllowedExternal(url)) void shell.openExternal(url);
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 560,
    title: 'Gatepass',
    show: false,
    webPreferences: {
      ...WEB_PREFERENCES,
      preload: preloadPath,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  // The renderer blocks unload (beforeunload) while re-keyed users' codes are not saved;
  // Electron would then keep the window open without a word. Ask, with staying as the default.
  win.webContents.on('will-prevent-unload', (event) => {
    const choice = dialog.showMessageBoxSync(win, {
      type: 'warning',
      buttons: ['Stay', 'Close anyway'],
      defaultId: 0,
      cancelId: 0,
      // The renderer vetoes for unsaved codes and for unsaved Settings edits; it cannot say which here.
      title: 'Unsaved work',
      message: 'Some work is not saved: new passwords and QR codes, or changes in Settings. Close anyway?',
      detail: 'The console keeps generated codes in memory only; once the window closes they are gone and the users need new ones. Unsaved Settings changes are lost too.',
    });
    // preventDefault here cancels the renderer's veto, so the window closes (or reloads).
    if (choice === 1) event.preventDefault();
  });
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadURL(APP_INDEX_URL);
  return win;
}

function buildMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [isMac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(!app.isPackaged ? [{ role: 'toggleDevTools' as const }] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      role: 'help',
      submenu: [{ label: 'Gatepass documentation', click: () => openExternalSafely(EXTERNAL_ALLOWLIST[0]!) }],
    },
  ];
  return Menu.buildFromTemplate(template);
}

function hardenSession(): void {
  const ses = session.defaultSession;
  // No camera, microphone, notifications, geolocation, ...: the console needs none.
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // app:// answers carry the CSP header themselves; this covers the dev server too.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
}

// Every web contents (including any the app did not mean to create) is locked down.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url);
    return { action: 'deny' };
  });
});

async function main(): Promise<void> {
  // One console per user: a second start focuses the first window instead.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  await app.whenReady();
  serveAppScheme();
  hardenSession();
  Menu.setApplicationMenu(buildMenu());

  core = await createConsoleCore({
    userDataDir: process.env.GATEPASS_USER_DATA ?? app.getPath('userData'),
    host: 'electron',
    embedded: !process.argv.includes('--no-embedded'),
    logger: (line) => console.log(line),
    emit: (event, payload) => {
      if (mainWindow) sendEvent(mainWindow.webContents, event, payload);
    },
    // Only the mail folder main found itself reaches here (services/mail/mail-folder.ts).
    openFolder: async (folder) => {
      const failure = await shell.openPath(folder);
      if (failure) throw new GatepassError('WRITE_FAILED', `The folder could not be opened: ${failure}`);
    },
    saveTarget: async (suggestedName, kind) => {
      const options = {
        title: SAVE_TITLES[kind],
        defaultPath: join(app.getPath('documents'), suggestedName),
        filters: [SAVE_FILTERS[kind]],
      };
      const r = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
      return r.canceled || !r.filePath ? { kind: 'cancelled' } : { kind: 'path', path: r.filePath };
    },
  });
  bindElectronIpc(ipcMain, core.dispatch, isTrustedUrl);

  mainWindow = createWindow();
  mainWindow.on('closed', () => {
    mainWindow = null;
  });

  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('will-quit', (event) => {
  if (quitting || !core) return;
  // Stop the embedded server and end sessions before the process goes.
  event.preventDefault();
  quitting = true;
  void core.close().finally(() => app.quit());
});

main().catch((err: unknown) => {
  dialog.showErrorBox('Gatepass could not start', err instanceof Error ? err.message : String(err));
  app.exit(1);
});

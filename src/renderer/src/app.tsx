import { useEffect, useRef } from 'react';
import { MainPane } from './components/main-pane';
import { ServerTree } from './components/server-tree';
import { StatusBar } from './components/status-bar';
import { AppToolbar } from './components/toolbar';
import { useCommands } from './components/use-commands';
import { DialogHost } from './dialogs/dialog-host';
import { mustWarnBeforeLeaving } from './store/open-job';
import { useAppStore } from './store/store';

/**
 * While users are being re-keyed, or the open Generated QR codes popup holds codes nobody has
 * saved, closing or reloading the window asks first (the browser words the question itself;
 * in Electron main decides through will-prevent-unload).
 */
function useLeaveGuard(): void {
  // Unsaved Settings edits ask too: the browser's own question, as for codes.
  const guard = useAppStore((s) => mustWarnBeforeLeaving(s) || Object.keys(s.unsavedEdits).length > 0);
  useEffect(() => {
    if (!guard) return;
    function onBeforeUnload(e: BeforeUnloadEvent) {
      e.preventDefault();
      // Older engines prompt only for a non-empty returnValue; none shows this text any more.
      e.returnValue = 'Some users have new passwords and codes that are not saved.';
    }
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [guard]);
}

/** The console window: toolbar, tree | table, status bar, and the one open dialog. */
export function App() {
  const commands = useCommands();
  const dialogOpen = useAppStore((s) => s.dialog.kind !== 'none');
  const latest = useRef(commands);
  useLeaveGuard();
  useEffect(() => {
    latest.current = commands;
  });

  useEffect(() => {
    const st = useAppStore.getState();
    void st.loadAppInfo();
    void st.loadServers();
    const offServers = window.gatepass.on('servers:changed', () => void useAppStore.getState().loadServers());
    const offProgress = window.gatepass.on('export:progress', (p) => useAppStore.getState().onExportProgress(p));
    const offIssuing = window.gatepass.on('qr:progress', (p) => useAppStore.getState().onIssueProgress(p));
    const offCsv = window.gatepass.on('export:csvProgress', (p) => useAppStore.getState().onCsvProgress(p));
    return () => {
      offServers();
      offProgress();
      offIssuing();
      offCsv();
    };
  }, []);

  useEffect(() => {
    // Window-wide shortcuts; table-only keys (arrows, Ctrl+A, Enter, Delete, Insert, Shift+F10) live on the grid.
    function onKey(e: KeyboardEvent) {
      const c = latest.current;
      // Under a modal the shortcuts wait: the dialog has the keyboard.
      const free = useAppStore.getState().dialog.kind === 'none';
      if (e.key === 'F5') {
        e.preventDefault(); // never reload the page: F5 means refresh the data
        if (free && c.refresh.enabled) c.refresh.run();
      } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'g') {
        e.preventDefault();
        if (free && c.generate.enabled) c.generate.run();
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <>
    {/* React Aria makes the window inert under a modal; aria-hidden as well, for tools that only read ARIA. */}
    <div className="app" aria-hidden={dialogOpen || undefined}>
      <header className="app-header">
        <AppToolbar />
      </header>
      <div className="app-body">
        <nav className="sidebar" aria-label="Servers">
          <ServerTree />
        </nav>
        <main className="main">
          <MainPane />
        </main>
      </div>
      <StatusBar />
    </div>
    <DialogHost />
    </>
  );
}

import { useEffect, useRef } from 'react';
import { MainPane } from './components/main-pane';
import { ServerTree } from './components/server-tree';
import { StatusBar } from './components/status-bar';
import { AppToolbar } from './components/toolbar';
import { useCommands } from './components/use-commands';
import { DialogHost } from './dialogs/dialog-host';
import { useAppStore } from './store/store';

/** The console window: toolbar, tree | table, status bar, and the one open dialog. */
export function App() {
  const commands = useCommands();
  const dialogOpen = useAppStore((s) => s.dialog.kind !== 'none');
  const latest = useRef(commands);
  useEffect(() => {
    latest.current = commands;
  });

  useEffect(() => {
    const st = useAppStore.getState();
    void st.loadAppInfo();
    void st.loadServers();
    const offServers = window.gatepass.on('servers:changed', () => void useAppStore.getState().loadServers());
    const offProgress = window.gatepass.on('export:progress', (p) => useAppStore.getState().onExportProgress(p));
    return () => {
      offServers();
      offProgress();
    };
  }, []);

  useEffect(() => {
    // Window-wide shortcuts; table-only keys (arrows, Ctrl+A, Enter, Delete) live on the grid.
    function onKey(e: KeyboardEvent) {
      const c = latest.current;
      if (e.key === 'F5') {
        e.preventDefault(); // never reload the page: F5 means refresh the data
        if (c.refresh.enabled) c.refresh.run();
      } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'g') {
        e.preventDefault();
        if (c.generate.enabled) c.generate.run();
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

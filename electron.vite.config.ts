import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

/**
 * One build for every runtime: the Electron main process, the CLI and the browser host
 * share src/main/services, so they are bundled together into out/main; the preload is a
 * single CommonJS file so it runs with sandbox: true; the renderer is a static bundle that
 * both Electron and the browser host serve.
 */
export default defineConfig({
  main: {
    build: {
      // Node-side code loads its dependencies from node_modules at run time.
      externalizeDeps: true,
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/cli/index.ts'),
          // Export worker threads load their own file: out/main/export-worker.js (export/pdf/render-pool.ts).
          'export-worker': resolve('src/main/services/export/pdf/worker.ts'),
          // The server's SMTP thread: out/main/mail-worker.js (src/server/mail/smtp-thread.ts).
          'mail-worker': resolve('src/server/mail/smtp-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // Sandboxed preloads cannot require() packages: bundle zod and the contract in.
      externalizeDeps: false,
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});

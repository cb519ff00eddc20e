import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

// Runtime boundaries. import-x/no-restricted-paths resolves each relative import to a real
// file first, so '../../../main/x' is caught from any depth, not only a fixed number of '../'.
const runtimes = ['main', 'renderer', 'server', 'web', 'cli', 'preload'];
const boundaryZones = [
  {
    target: './src/renderer',
    from: ['./src/main', './src/server', './src/web', './src/cli'],
    message: 'The renderer reaches main and the server only through window.gatepass (preload IPC).',
  },
  {
    target: './src/shared',
    from: runtimes.map((r) => `./src/${r}`),
    message: 'src/shared is pure: it must not import any runtime.',
  },
  {
    target: './src/server',
    from: ['./src/main', './src/renderer'],
    message: 'The server must not depend on the Electron main process or the renderer.',
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'bench/grid/out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs,ts,mts,cts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.mts', '.cts', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.json'],
          // TypeScript sources may be imported with a .js suffix.
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'] },
        }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: boundaryZones }],
    },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // Logins, file names and CSV rows are validated against control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // The renderer never touches Node or Electron: everything goes through window.gatepass.
      // Cross-runtime imports (main, server, web) are caught by import-x/no-restricted-paths above.
      'no-restricted-imports': ['error', { patterns: ['electron', 'node:*'] }],
    },
  },
  {
    files: ['src/shared/**/*.{ts,tsx}'],
    rules: {
      // Pure TypeScript only: no Node, DOM or Electron imports in shared code.
      'no-restricted-imports': ['error', { patterns: ['electron', 'node:*', 'fs', 'path', 'crypto'] }],
    },
  },
  {
    files: ['src/main/services/**/*.{ts,tsx}', 'src/server/**/*.{ts,tsx}', 'src/cli/**/*.{ts,tsx}', 'src/web/**/*.{ts,tsx}'],
    rules: {
      // Only the Electron shell (src/main/index.ts, src/main/ipc, adapters) may import electron.
      'no-restricted-imports': ['error', { paths: ['electron'] }],
    },
  },
  {
    // Tests of shared code run in Node (vitest) and drive real tools (zbarimg, qpdf): they may use Node.
    files: ['src/shared/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'] }] },
  },
  // The grid benchmark's scripts run code inside Chromium pages (page.evaluate).
  { files: ['bench/grid/**'], languageOptions: { globals: { ...globals.browser, ...globals.node } } },
);

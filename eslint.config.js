import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
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
      'no-restricted-imports': ['error', { patterns: ['electron', 'node:*', '../../main/*', '../../server/*'] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      // Pure TypeScript only: no Node, DOM or Electron imports in shared code.
      'no-restricted-imports': ['error', { patterns: ['electron', 'node:*', 'fs', 'path', 'crypto'] }],
    },
  },
  {
    files: ['src/main/services/**/*.ts', 'src/server/**/*.ts', 'src/cli/**/*.ts', 'src/web/**/*.ts'],
    rules: {
      // Only the Electron shell (src/main/index.ts, src/main/ipc, adapters) may import electron.
      'no-restricted-imports': ['error', { paths: ['electron'] }],
    },
  },
);

import { defineConfig } from 'vitest/config';

/** Unit and integration tests live next to the code; e2e is Playwright's. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Server suites each start their own database; two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});

import { defineConfig } from 'vitest/config';

// Two projects: pure and store tests need no Temporal; workflow, e2e and replay tests share one dev
// server started by the global setup (the SDK gives its own ephemeral server only 5 s to start).
export default defineConfig({
  test: {
    // The native core-bridge segfaults at exit under the threads pool; forks exits cleanly.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'test/domain/**/*.test.ts',
            'test/activities/**/*.test.ts',
            'test/store/**/*.test.ts',
            'test/cli/**/*.test.ts',
            'test/unit/**/*.test.ts',
            'test/sources/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'temporal',
          include: ['test/workflows/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/replay/**/*.test.ts'],
          globalSetup: ['test/setup/global.ts'],
          setupFiles: ['test/setup/runtime.ts'],
        },
      },
    ],
  },
});

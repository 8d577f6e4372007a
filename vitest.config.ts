import { defineConfig } from 'vitest/config';

// Two projects so that the slow real-pretix suite can be run (or skipped) on its own:
// `npm run test:unit` and `npm run test:e2e`; `vitest run` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // One throwaway PostgreSQL cluster for the run (test/helpers/postgres-cluster.ts).
          globalSetup: ['test/helpers/postgres-global-setup.ts'],
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'receiver/**/*.test.ts', 'src/**/*.test.tsx'],
          exclude: ['test/e2e/**', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

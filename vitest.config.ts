import { defineConfig } from 'vitest/config';

/**
 * The store and job suites that run a second time on PostgreSQL (`BERTH_TEST_ENGINE=postgres`,
 * a throw-away cluster from test/postgres-setup.ts, one database per server). Everything else
 * runs once, on the embedded SQLite default.
 */
const BOTH_ENGINES = [
  'packages/server/test/accounts.test.ts',
  'packages/server/test/connectors.test.ts',
  'packages/server/test/catalog.test.ts',
  'packages/server/test/profiles.test.ts',
  'packages/server/test/profile-progress.test.ts',
  'packages/server/test/diffs.test.ts',
  'packages/server/test/tenant-isolation.test.ts',
  'packages/server/test/secrets.test.ts',
  'packages/server/test/jobs-*.test.ts',
  'packages/server/test/database-*.test.ts',
];

// One runner for the whole repo. Workspace packages resolve to their TypeScript sources
// through the `berth-source` export condition, so tests never need a build first.
export default defineConfig({
  resolve: { conditions: ['berth-source'] },
  ssr: { resolve: { conditions: ['berth-source'], externalConditions: ['berth-source'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default'],
    allowOnly: false,
    passWithNoTests: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          globalSetup: ['test/global-setup.ts'],
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: BOTH_ENGINES,
          env: { BERTH_TEST_ENGINE: 'postgres' },
          globalSetup: ['test/global-setup.ts', 'test/postgres-setup.ts'],
        },
      },
    ],
  },
});

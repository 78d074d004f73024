import { defineConfig } from 'vitest/config';

// One runner for the whole repo. Workspace packages resolve to their TypeScript sources
// through the `berth-source` export condition, so tests never need a build first.
export default defineConfig({
  resolve: { conditions: ['berth-source'] },
  ssr: { resolve: { conditions: ['berth-source'], externalConditions: ['berth-source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default'],
    allowOnly: false,
    passWithNoTests: false,
  },
});

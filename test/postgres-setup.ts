// Global setup of the `postgres` vitest project: one throw-away PostgreSQL cluster for the run;
// each server a test starts gets its own database on it (packages/server/test/test-engine.ts).
import { startPostgres } from '../packages/testkit/src/postgres.js';

export async function setup(): Promise<() => Promise<void>> {
  const pg = await startPostgres();
  process.env.BERTH_TEST_POSTGRES_URL = pg.url;
  return async () => {
    await pg.stop();
  };
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { createPostgresDatabase, startPostgres, type RunningPostgres } from '@berth/testkit';

/**
 * The engine the server suites run on: `sqlite` (default) or `postgres`, chosen by the
 * vitest project (`BERTH_TEST_ENGINE`). On PostgreSQL the cluster comes from the global setup
 * (`BERTH_TEST_POSTGRES_URL`), or — when a file runs on its own — from a cluster this process
 * starts; every data directory gets its own database.
 */
export const TEST_ENGINE: 'sqlite' | 'postgres' =
  process.env.BERTH_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

let ownCluster: Promise<RunningPostgres> | undefined;
const databases = new Map<string, Promise<string>>();

async function adminUrl(): Promise<string> {
  const shared = process.env.BERTH_TEST_POSTGRES_URL;
  if (shared) return shared;
  ownCluster ??= startPostgres();
  return (await ownCluster).url;
}

/** Environment that points a server with this data directory at its database. */
export async function testDatabaseEnv(dataDir: string): Promise<Record<string, string>> {
  if (TEST_ENGINE === 'sqlite') return {};
  let url = databases.get(dataDir);
  if (!url) {
    url = adminUrl().then((admin) => createPostgresDatabase(admin, 'server'));
    databases.set(dataDir, url);
  }
  return { BERTH_DATABASE_URL: await url };
}

/**
 * What the database holds, as text, to check that something is (or is no longer) stored: on
 * SQLite the bytes of the database files (main file and WAL, free pages included); on
 * PostgreSQL every row of every table (the server's own files need its account's access).
 */
export async function databaseContentTexts(server: {
  dataDir: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  runtime: { db: Kysely<any> };
}): Promise<string[]> {
  if (TEST_ENGINE === 'sqlite')
    return readdirSync(server.dataDir)
      .filter((f) => f.startsWith('berth.sqlite'))
      .map((f) => readFileSync(join(server.dataDir, f)).toString('latin1'));
  const { rows } = await sql<{
    name: string;
  }>`select tablename as name from pg_tables where schemaname = current_schema()`.execute(server.runtime.db);
  const texts: string[] = [];
  for (const { name } of rows) {
    const dump = await sql<{ row: string }>`select t::text as row from ${sql.table(name)} t`.execute(
      server.runtime.db,
    );
    texts.push(dump.rows.map((r) => r.row).join('\n'));
  }
  return texts;
}

/**
 * Counts the inserts and updates on `tags` from now on (to prove that a sync rewrites only
 * what changed): temporary triggers on SQLite's single connection; on PostgreSQL, whose pool
 * has many connections, a table and triggers in the test's own database.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function recordTagWrites(db: Kysely<any>): Promise<() => Promise<string[]>> {
  if (TEST_ENGINE === 'sqlite') {
    await sql`create temp table if not exists tag_writes (op text)`.execute(db);
    await sql`create temp trigger if not exists tag_updates after update on tags begin insert into tag_writes values ('update'); end`.execute(
      db,
    );
    await sql`create temp trigger if not exists tag_inserts after insert on tags begin insert into tag_writes values ('insert'); end`.execute(
      db,
    );
  } else {
    await sql`create table if not exists tag_writes (op text)`.execute(db);
    await sql`create or replace function record_tag_write() returns trigger language plpgsql as $$
      begin insert into tag_writes values (lower(tg_op)); return null; end $$`.execute(db);
    await sql`create or replace trigger tag_writes_trigger after insert or update on tags
      for each row execute function record_tag_write()`.execute(db);
  }
  await sql`delete from tag_writes`.execute(db);
  return async () => (await sql<{ op: string }>`select op from tag_writes`.execute(db)).rows.map((r) => r.op);
}

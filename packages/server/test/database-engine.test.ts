import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest, openRuntime, type Runtime } from '@berth/server';
import { naturalSortKey } from '../src/catalog/natural-sort.js';
import { TEST_ENGINE, testDatabaseEnv } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schemaless = any;

const dirs: string[] = [];
const runtimes: Runtime[] = [];
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function fresh(): Promise<Runtime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-db-'));
  dirs.push(dataDir);
  const runtime = await openRuntime({
    env: { BERTH_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)) },
  });
  runtimes.push(runtime);
  return runtime;
}

/** A user `NAME@example.com` with a generic connector `NAME` (its endpoint never contacted). */
async function userWithConnector(runtime: Runtime, name: string) {
  const user = await runtime.stores.users.create(`${name}@example.com`, 'x');
  if (user === 'email_taken') throw new Error('taken');
  const connector = await runtime.stores.connectors.create(user.id, {
    platform: 'generic',
    name,
    config: { endpoint: 'http://127.0.0.1:9' },
    secretId: null,
    credentialHint: null,
  });
  if (connector === 'name_taken') throw new Error('taken');
  return { user, connector };
}

describe(`the database (${TEST_ENGINE})`, () => {
  it('keeps its own migration history with every migration applied once', async () => {
    const runtime = await fresh();
    expect(runtime.engine).toBe(TEST_ENGINE);
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      runtime.db,
    );
    expect(rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS).sort());
    // Running the migrations again (a second process starting) changes nothing.
    expect((await migrateToLatest(runtime.db)).applied).toEqual([]);
  });

  it('stores byte sizes above 2^31 and reads numbers back as numbers', async () => {
    const runtime = await fresh();
    const { user, connector } = await userWithConnector(runtime, 'big');
    const size = 5 * 1024 ** 3;
    await runtime.catalog.replaceRepository(user.id, connector.id, { name: 'huge/image' }, [
      { name: 'v1', digest: `sha256:${'a'.repeat(64)}`, size },
    ]);
    const page = await runtime.catalog.listTags(user.id, connector.id, 'huge/image', {
      limit: 10,
    });
    expect(page?.items[0]?.size).toBe(size);
    const { n } = await runtime.db
      .selectFrom('tags')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(n).toBe(1);
  });

  it('creates one profile and one diff when processes ask for the same one at once', async () => {
    const first = await fresh();
    // SQLite is one process; on PostgreSQL a second runtime is a second pool on the database.
    const second =
      TEST_ENGINE === 'postgres'
        ? await openRuntime({
            env: { BERTH_DATA_DIR: dirs.at(-1) ?? '', ...(await testDatabaseEnv(dirs.at(-1) ?? '')) },
          })
        : first;
    if (second !== first) runtimes.push(second);
    const user = await first.stores.users.create('race@example.com', 'x');
    if (user === 'email_taken') throw new Error('taken');
    const digest = `sha256:${'b'.repeat(64)}`;
    const profiles = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? first : second).profiles.obtain(digest, user.id, '')),
    );
    expect(new Set(profiles.map((p) => p.record.id)).size).toBe(1);
    expect(profiles.filter((p) => p.created)).toHaveLength(1);
    const diffs = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? first : second).diffs.obtain('a|b|0', {}, user.id, [''])),
    );
    expect(new Set(diffs.map((d) => d.record.id)).size).toBe(1);
    expect(diffs.filter((d) => d.created)).toHaveLength(1);
  });

  it('refuses a database URL it cannot use, without showing its password', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-db-'));
    dirs.push(dataDir);
    await expect(
      openRuntime({
        env: { BERTH_DATA_DIR: dataDir, BERTH_DATABASE_URL: 'postgres://berth:s3cret-pw@127.0.0.1:9/berth' },
      }),
    ).rejects.toThrow(/^cannot connect to the database postgres:\/\/berth:\*\*\*@127\.0\.0\.1:9\/berth: /);
    await expect(
      openRuntime({
        env: { BERTH_DATA_DIR: dataDir, BERTH_DATABASE_URL: 'postgres://berth:pw@127.0.0.1:9' },
      }),
    ).rejects.toThrow(
      'BERTH_DATABASE_URL postgres://berth:***@127.0.0.1:9 names no database (add /DATABASE to the URL)',
    );
  });

  it('indexes the path segments of the repositories a database already has when it migrates', async () => {
    const runtime = await fresh();
    const { user, connector } = await userWithConnector(runtime, 'segments');
    await runtime.catalog.replaceRepositories(user.id, connector.id, [
      { repository: { name: 'team/Zeta/api-gateway' }, tags: [{ name: 'v1' }] },
      { repository: { name: 'alpine' }, tags: [{ name: 'v1' }] },
    ]);
    const segments = () =>
      sql<{ segment: string }>`select segment from catalog_segments order by segment`
        .execute(runtime.db)
        .then((r) => r.rows.map((row) => row.segment));
    const written = await segments();
    expect(written).toEqual(['api-gateway', 'zeta/api-gateway']);
    // A database from before migration 0009: no side table yet, the catalog in place (0010
    // comes after it, so it runs again too, on tags already in its shape).
    await sql`drop table catalog_segments`.execute(runtime.db);
    await sql`delete from kysely_migration where name in ('0009_catalog_segments', '0010_tags_clustered')`.execute(
      runtime.db,
    );
    expect((await migrateToLatest(runtime.db)).applied).toEqual([
      '0009_catalog_segments',
      '0010_tags_clustered',
    ]);
    expect(await segments()).toEqual(written);
    const found = await runtime.catalog.listRepositories(user.id, connector.id, { limit: 10 });
    expect(found?.items.map((r) => r.name)).toEqual(['alpine', 'team/Zeta/api-gateway']);
  });

  it('keeps every tag when migration 0010 moves tags into one B-tree keyed by repository and natural order', async () => {
    const runtime = await fresh();
    const { user, connector } = await userWithConnector(runtime, 'clustered');
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    await runtime.catalog.replaceRepositories(user.id, connector.id, [
      { repository: { name: 'team/app' }, tags: [] },
      { repository: { name: 'team/tool' }, tags: [] },
    ]);
    const repositories = await runtime.db
      .selectFrom('repositories')
      .select(['id', 'name'])
      .where('connector_id', '=', connector.id)
      .orderBy('name')
      .execute();
    const [app, tool] = repositories.map((r) => r.id);
    // A database from before migration 0010: tags with their own id and connector column and
    // three indexes, rows written in an order unrelated to the natural one.
    await sql`drop table tags`.execute(runtime.db);
    await sql`create table tags (id text primary key,
      repository_id text not null references repositories (id) on delete cascade,
      connector_id text not null references connectors (id) on delete cascade,
      name text not null, digest text, media_type text, size ${sql.raw(TEST_ENGINE === 'postgres' ? 'bigint' : 'integer')},
      pushed_at text, platforms text, sort_key text not null default '')`.execute(runtime.db);
    await sql`create unique index tags_repository_sort on tags (repository_id, sort_key, name)`.execute(
      runtime.db,
    );
    await sql`create index tags_connector on tags (connector_id)`.execute(runtime.db);
    const old = [
      ['t1', app, 'v1.10', digest('a'), 6_000_000_000, '[{"os":"linux","architecture":"arm64"}]'],
      ['t2', app, 'latest', digest('b'), 10, null],
      ['t3', app, 'v1.9', digest('c'), null, null],
      ['t4', tool, 'edge', null, null, null],
    ] as const;
    for (const [id, repositoryId, name, tagDigest, size, platforms] of old)
      await sql`insert into tags (id, repository_id, connector_id, name, sort_key, digest, media_type, size, pushed_at, platforms)
        values (${id}, ${repositoryId}, ${connector.id}, ${name}, ${naturalSortKey(name, { latestFirst: true })}, ${tagDigest}, 'application/vnd.oci.image.manifest.v1+json', ${size}, '2026-01-02T03:04:05Z', ${platforms})`.execute(
        runtime.db,
      );
    await sql`delete from kysely_migration where name = '0010_tags_clustered'`.execute(runtime.db);
    expect((await migrateToLatest(runtime.db)).applied).toEqual(['0010_tags_clustered']);
    const page = await runtime.catalog.listTags(user.id, connector.id, 'team/app', { limit: 10 });
    expect(page?.items).toEqual([
      {
        name: 'latest',
        digest: digest('b'),
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 10,
        pushedAt: '2026-01-02T03:04:05Z',
        platforms: [],
      },
      expect.objectContaining({ name: 'v1.9', digest: digest('c'), size: null }),
      expect.objectContaining({
        name: 'v1.10',
        size: 6_000_000_000,
        platforms: [{ os: 'linux', architecture: 'arm64' }],
      }),
    ]);
    expect(
      (await runtime.catalog.listTags(user.id, connector.id, 'team/tool', { limit: 10 }))?.items,
    ).toEqual([expect.objectContaining({ name: 'edge', digest: null })]);
    // The copied rows are ordinary rows: a sync diffs them (one changed, one gone, one new).
    await runtime.catalog.replaceRepository(user.id, connector.id, { name: 'team/app' }, [
      { name: 'latest', digest: digest('d') },
      {
        name: 'v1.9',
        digest: digest('c'),
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        pushedAt: '2026-01-02T03:04:05Z',
      },
      { name: 'v2' },
    ]);
    const after = await runtime.catalog.listTags(user.id, connector.id, 'team/app', { limit: 10 });
    expect(after?.items.map((t) => [t.name, t.digest])).toEqual([
      ['latest', digest('d')],
      ['v1.9', digest('c')],
      ['v2', null],
    ]);
    // Deleting the connector takes its tags along.
    expect(await runtime.stores.connectors.delete(user.id, connector.id)).toBe(true);
    const { n } = await runtime.db
      .selectFrom('tags')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
  });

  it('searches through an index, not a table scan', async () => {
    const runtime = await fresh();
    const { user, connector } = await userWithConnector(runtime, 'many');
    const plan =
      TEST_ENGINE === 'postgres'
        ? await (async () => {
            // A catalog of 100,000 names, with statistics, as the planner would see a real one.
            await sql`insert into catalog_entries (kind, ref_id, owner_id, connector_id, text)
              select 'repository', 'r' || i, ${user.id}, ${connector.id}, 'team' || (i % 50) || '/service-' || i
              from generate_series(1, 100000) i`.execute(runtime.db);
            await sql`analyze catalog_entries`.execute(runtime.db);
            return sql<{ 'QUERY PLAN': string }>`explain select ref_id from catalog_entries
              where owner_id = ${user.id} and lower(text) like '%service-1234%'`.execute(runtime.db);
          })()
        : await sql<{
            detail: string;
          }>`explain query plan select rowid from catalog_search where catalog_search match '"python"'`.execute(
            runtime.db,
          );
    const text = plan.rows.map((r) => Object.values(r).join(' ')).join('\n');
    expect(text).toMatch(TEST_ENGINE === 'postgres' ? /catalog_entries_text_trgm/ : /VIRTUAL TABLE INDEX/);
  });
});

describe('PostgreSQL with a linguistic default collation', () => {
  it('gives every text column the byte-order "C" collation, as SQLite compares', async () => {
    if (TEST_ENGINE !== 'postgres') {
      // SQLite compares text byte by byte (BINARY) whatever the system locale.
      const runtime = await fresh();
      const { rows } = await sql<{ c: number }>`select ('B' < 'a') as c`.execute(runtime.db);
      expect(rows[0]?.c).toBe(1);
      return;
    }
    const admin = new URL(
      (await testDatabaseEnv(mkdtempSync(join(tmpdir(), 'berth-db-'))))['BERTH_DATABASE_URL'] ?? '',
    );
    const name = `icu_${process.pid}_${Date.now().toString(36)}`;
    const adminDb = new Kysely<Schemaless>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: admin.toString(), max: 1 }) }),
    });
    await sql`create database ${sql.id(name)} template template0 locale_provider icu icu_locale 'en-US' locale 'C'`.execute(
      adminDb,
    );
    await adminDb.destroy();
    admin.pathname = `/${name}`;
    const db = new Kysely<Schemaless>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: admin.toString(), max: 2 }) }),
    });
    try {
      expect((await sql<{ c: boolean }>`select ('B' < 'a') as c`.execute(db)).rows[0]?.c).toBe(false);
      await migrateToLatest(db);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from information_schema.columns
        where table_schema = current_schema() and data_type = 'text' and table_name not like 'kysely_%'
          and collation_name is distinct from 'C'`.execute(db);
      expect(rows[0]?.n).toBe(0);
      expect(
        (
          await sql<{
            c: boolean;
          }>`select (a.sort_key < b.sort_key) as c from (select 'B'::text collate "C" as sort_key) a, (select 'a' as sort_key) b`.execute(
            db,
          )
        ).rows[0]?.c,
      ).toBe(true);
    } finally {
      await db.destroy();
    }
  });
});

import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

// Migrations run before (and regardless of) the typed schema, as Kysely's documentation does.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;
import { AppError } from '../errors.js';
import { engineOf } from './engine.js';

/** An integer key the database assigns: `autoincrement` on SQLite, `serial` on PostgreSQL. */
function withAutoId(db: AnyDb, table: string) {
  const create = db.schema.createTable(table);
  return engineOf(db) === 'postgres'
    ? create.addColumn('id', 'serial', (c) => c.primaryKey())
    : create.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/** Integers that may exceed 2^31 (byte sizes): `bigint` on PostgreSQL; SQLite's are 64-bit anyway. */
const bigInteger = (db: AnyDb) => (engineOf(db) === 'postgres' ? 'bigint' : 'integer');

/**
 * Migrations in code, one definition for both engines, each keeping its own history: column
 * types are chosen to mean the same on SQLite and PostgreSQL (`text`, `integer`); where the
 * engines differ (auto-assigned ids, byte sizes, the search index) a migration branches on
 * {@link engineOf}. The SQLite branch of a released migration never changes; add a new one.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_core': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
      await db.schema
        .createTable('secrets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', 'text', (c) => c.notNull())
        .addColumn('iv', 'text', (c) => c.notNull())
        .addColumn('ciphertext', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('secrets_key').on('secrets').column('key_id').execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('ip', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('audit_log_actor_at').on('audit_log').columns(['actor_id', 'at']).execute();
      await withAutoId(db, 'login_failures')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('login_failures_key_at')
        .on('login_failures')
        .columns(['key', 'at'])
        .execute();
    },
  },
  '0002_connectors': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('connectors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('secret_id', 'text', (c) => c.references('secrets.id').onDelete('set null'))
        .addColumn('credential_hint', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('last_sync_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('repository_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('connectors_owner_name')
        .on('connectors')
        .columns(['owner_id', 'name'])
        .unique()
        .execute();
      await db.schema
        .createTable('repositories')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connector_id', 'text', (c) => c.notNull().references('connectors.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('last_pushed_at', 'text')
        .addColumn('tag_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('repositories_connector_name')
        .on('repositories')
        .columns(['connector_id', 'name'])
        .unique()
        .execute();
      await db.schema
        .createTable('tags')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('repository_id', 'text', (c) =>
          c.notNull().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('connector_id', 'text', (c) => c.notNull().references('connectors.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('digest', 'text')
        .addColumn('media_type', 'text')
        .addColumn('size', bigInteger(db))
        .addColumn('pushed_at', 'text')
        .addColumn('platforms', 'text')
        .execute();
      await db.schema
        .createIndex('tags_repository_name')
        .on('tags')
        .columns(['repository_id', 'name'])
        .unique()
        .execute();
      await db.schema.createIndex('tags_connector').on('tags').column('connector_id').execute();
    },
  },
  '0003_jobs_catalog': {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('repositories')
        .addColumn('sort_key', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('tags')
        .addColumn('sort_key', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createIndex('repositories_connector_sort')
        .on('repositories')
        .columns(['connector_id', 'sort_key', 'name'])
        .execute();
      await db.schema
        .createIndex('tags_repository_sort')
        .on('tags')
        .columns(['repository_id', 'sort_key', 'name'])
        .execute();
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('connector_id', 'text', (c) => c.references('connectors.id').onDelete('cascade'))
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('progress', 'text')
        .addColumn('error', 'text')
        .addColumn('run_after', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema
        .createIndex('jobs_status_run_after')
        .on('jobs')
        .columns(['status', 'run_after'])
        .execute();
      await db.schema.createIndex('jobs_key_status').on('jobs').columns(['key', 'status']).execute();
      // Search: one row per repository and tag in catalog_entries, indexed by SQLite FTS5 with
      // the trigram tokenizer (substring and fuzzy matching without table scans), kept in step
      // by triggers; secure-delete so removed names do not linger in the index's pages.
      // The PostgreSQL dialect will index the same table with pg_trgm.
      await withAutoId(db, 'catalog_entries')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ref_id', 'text', (c) => c.notNull().unique())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('connector_id', 'text', (c) => c.notNull().references('connectors.id').onDelete('cascade'))
        .addColumn('text', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('catalog_entries_owner_text')
        .on('catalog_entries')
        .columns(['owner_id', 'text'])
        .execute();
      await db.schema
        .createIndex('catalog_entries_connector')
        .on('catalog_entries')
        .column('connector_id')
        .execute();
      if (engineOf(db) === 'postgres') {
        // pg_trgm (a trusted extension: the database owner may create it) indexes the lower-cased
        // names for substring (LIKE) and fuzzy (word similarity) matching without table scans.
        await sql`create extension if not exists pg_trgm`.execute(db);
        await sql`create index catalog_entries_text_trgm on catalog_entries using gin (lower(text) gin_trgm_ops)`.execute(
          db,
        );
        return;
      }
      await sql`create virtual table catalog_search using fts5(text, content = 'catalog_entries', content_rowid = 'id', tokenize = 'trigram')`.execute(
        db,
      );
      await sql`insert into catalog_search(catalog_search, rank) values ('secure-delete', 1)`.execute(db);
      await sql`create trigger catalog_entries_ai after insert on catalog_entries begin
        insert into catalog_search(rowid, text) values (new.id, new.text); end`.execute(db);
      await sql`create trigger catalog_entries_ad after delete on catalog_entries begin
        insert into catalog_search(catalog_search, rowid, text) values ('delete', old.id, old.text); end`.execute(
        db,
      );
    },
  },
  '0004_profiles': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('layer_results')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('analyzer_version', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('profiles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('manifest_digest', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('progress', 'text')
        .addColumn('error', 'text')
        .addColumn('profile', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('profile_grants')
        .addColumn('profile_id', 'text', (c) => c.notNull().references('profiles.id').onDelete('cascade'))
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('connector_key', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('profile_grants_pk', ['profile_id', 'owner_id', 'connector_key'])
        .execute();
      await db.schema
        .createIndex('profile_grants_owner')
        .on('profile_grants')
        .columns(['owner_id', 'connector_key'])
        .execute();
    },
  },
  '0005_diffs': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('diffs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pair_key', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('progress', 'text')
        .addColumn('error', 'text')
        .addColumn('diff', 'text')
        .addColumn('sides', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('diff_grants')
        .addColumn('diff_id', 'text', (c) => c.notNull().references('diffs.id').onDelete('cascade'))
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('connector_key', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('diff_grants_pk', ['diff_id', 'owner_id', 'connector_key'])
        .execute();
    },
  },
  '0006_catalog_tag_names': {
    // Sync speed (issue 5): tags leave the search index. Search keeps one entry per repository
    // and one per distinct tag name of a connector (kind `tag_name`, ref_id `connector id:name`),
    // and reaches a name's tags through the new (connector_id, name) index; `tags_hash` (a hash
    // of a repository's complete tag listing) lets a sync skip unchanged repositories.
    async up(db: AnyDb) {
      const sqlite = engineOf(db) === 'sqlite';
      await db.schema.alterTable('repositories').addColumn('tags_hash', 'text').execute();
      await db.schema
        .createIndex('tags_connector_name')
        .on('tags')
        .columns(['connector_id', 'name'])
        .execute();
      await db.schema.dropIndex('tags_connector').execute();
      // SQLite-specific (FTS5): the old tag rows leave the index by a rebuild below, which drops
      // every old index page at once (zeroed by secure_delete), not one secure delete per row.
      if (sqlite) await sql`drop trigger catalog_entries_ad`.execute(db);
      await db.deleteFrom('catalog_entries').where('kind', '=', 'tag').execute();
      await sql`insert into catalog_entries (kind, ref_id, owner_id, connector_id, text)
        select distinct 'tag_name', t.connector_id || ':' || t.name, c.owner_id, t.connector_id, t.name
        from tags t join connectors c on c.id = t.connector_id`.execute(db);
      if (sqlite) {
        await sql`create trigger catalog_entries_ad after delete on catalog_entries begin
          insert into catalog_search(catalog_search, rowid, text) values ('delete', old.id, old.text); end`.execute(
          db,
        );
        await sql`insert into catalog_search(catalog_search) values ('rebuild')`.execute(db);
      }
    },
  },
  '0007_catalog_tag_indexes': {
    // Sync speed (issue 5): two indexes on tags instead of three, each cheap to extend — the
    // natural-order one becomes the unique one (a name determines its sort key, so it is unique
    // exactly when (repository_id, name) is), and the connector index is on connector_id alone
    // (new rows append to it). Search reaches a tag name through the connector's repositories.
    async up(db: AnyDb) {
      await db.schema.dropIndex('tags_connector_name').execute();
      await db.schema.dropIndex('tags_repository_name').execute();
      await db.schema.dropIndex('tags_repository_sort').execute();
      await db.schema
        .createIndex('tags_repository_sort')
        .on('tags')
        .columns(['repository_id', 'sort_key', 'name'])
        .unique()
        .execute();
      await db.schema.createIndex('tags_connector').on('tags').column('connector_id').execute();
    },
  },
  '0008_connector_rate_limit': {
    // The quota a platform last reported (issue 4), JSON: {limit?, remaining?, windowSeconds?,
    // resetAt?, observedAt}; null when the platform reports none.
    async up(db: AnyDb) {
      await db.schema.alterTable('connectors').addColumn('rate_limit', 'text').execute();
    },
  },
  '0009_catalog_segments': {
    // Search speed (issue 5): names with a path segment starting with the query (`zeta/api` for
    // "api") become an index range on a side table — one row per `/` in a repository name, with
    // the lower-cased rest of the name — instead of a trigram match ("/api") that evaluated every
    // name containing the phrase, slow when a word is common. Rows go with their catalog entry
    // (foreign key, cascade); existing repositories get theirs here, new ones from the store.
    async up(db: AnyDb) {
      await db.schema
        .createTable('catalog_segments')
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('segment', 'text', (c) => c.notNull())
        .addColumn('ref_id', 'text', (c) =>
          c.notNull().references('catalog_entries.ref_id').onDelete('cascade'),
        )
        .execute();
      // Covering: a search reads the range and the entries' ref_ids from the index alone.
      await db.schema
        .createIndex('catalog_segments_owner_segment')
        .on('catalog_segments')
        .columns(['owner_id', 'segment', 'ref_id'])
        .execute();
      // For the cascade: deleting an entry finds its rows without a scan.
      await db.schema.createIndex('catalog_segments_ref').on('catalog_segments').column('ref_id').execute();
      const position = engineOf(db) === 'postgres' ? sql.raw('strpos') : sql.raw('instr');
      await sql`with recursive s (owner_id, ref_id, rest) as (
          select owner_id, ref_id, substr(lower(text), ${position}(lower(text), '/') + 1) from catalog_entries
          where kind = 'repository' and ${position}(text, '/') > 0
          union all
          select owner_id, ref_id, substr(rest, ${position}(rest, '/') + 1) from s where ${position}(rest, '/') > 0
        )
        insert into catalog_segments (owner_id, segment, ref_id) select owner_id, rest, ref_id from s`.execute(
        db,
      );
    },
  },
  '0010_tags_clustered': {
    // Sync speed (issue 5): a tag row lives in one B-tree keyed by (repository, sort key, name)
    // — the natural-order index every read already uses — instead of a table plus three indexes
    // (its random-looking id, the natural order, the connector). A sync's insert extends one tree
    // instead of four, and the database holds each tag about half as big. Tags lose their id
    // (nothing outside the store used it; a repository and a name identify a tag) and their
    // connector column (reached through the repository). Existing rows are copied.
    async up(db: AnyDb) {
      const postgres = engineOf(db) === 'postgres';
      await sql`create table tags_clustered (
          repository_id text not null references repositories (id) on delete cascade,
          sort_key text not null,
          name text not null,
          digest text,
          media_type text,
          size ${sql.raw(bigInteger(db))},
          pushed_at text,
          platforms text,
          primary key (repository_id, sort_key, name)
        )${sql.raw(postgres ? '' : ' without rowid')}`.execute(db);
      await sql`insert into tags_clustered (repository_id, sort_key, name, digest, media_type, size, pushed_at, platforms)
        select repository_id, sort_key, name, digest, media_type, size, pushed_at, platforms from tags`.execute(
        db,
      );
      await db.schema.dropTable('tags').execute();
      await db.schema.alterTable('tags_clustered').renameTo('tags').execute();
      if (postgres) await sql`alter index tags_clustered_pkey rename to tags_pkey`.execute(db);
    },
  },
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) };

/**
 * Brings the schema up to date. Refuses, with one line, a database that a newer Berth has
 * migrated further than this code knows (running old code on it could corrupt it).
 */
export async function migrateToLatest(db: AnyDb): Promise<{ applied: string[] }> {
  const known = new Set(Object.keys(MIGRATIONS));
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (tables.some((t) => t.name === 'kysely_migration')) {
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const unknown = rows.rows.map((r) => r.name).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new AppError(
        500,
        'database_too_new',
        `the database was written by a newer Berth (migration ${unknown.join(', ')}); upgrade Berth to use it`,
      );
    }
  }
  const result = await new Migrator({ db, provider }).migrateToLatest();
  if (result.error)
    throw result.error instanceof Error
      ? result.error
      : new Error('database migration failed', { cause: result.error });
  if (engineOf(db) === 'postgres') await useByteOrderCollation(db);
  return {
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}

/**
 * Keyset pages, natural-sort keys and prefix ranges compare text byte by byte, as SQLite does.
 * A PostgreSQL database created with a linguistic collation (en_US.UTF-8…) would order them
 * differently, so every text column of Berth's tables is given the "C" collation.
 */
async function useByteOrderCollation(db: AnyDb): Promise<void> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name from information_schema.columns c
    join pg_database d on d.datname = current_database()
    where c.table_schema = current_schema() and c.data_type = 'text' and c.collation_name is null
      and c.table_name not like 'kysely_%'
      and (d.datlocprovider = 'i' or d.datcollate not in ('C', 'POSIX'))`.execute(db);
  for (const { table_name, column_name } of rows) {
    await sql`alter table ${sql.id(table_name)} alter column ${sql.id(column_name)} type text collate "C"`.execute(
      db,
    );
  }
}

/** True when every known migration has been applied (for `/readyz`). */
export async function isMigrated(db: AnyDb): Promise<boolean> {
  const migrations = await new Migrator({ db, provider }).getMigrations();
  return migrations.every((m) => m.executedAt !== undefined);
}

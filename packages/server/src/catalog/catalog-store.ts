import type { PlatformRef, RepositoryInfo, TagInfo } from '@berth/connectors';
import { createHash } from 'node:crypto';
import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import type SQLite from 'better-sqlite3';
import { sqliteHandleOf } from '../db/sqlite-handle.js';
import type { CatalogEntriesTable, RepositoriesTable, Schema, TagsTable } from '../db/schema.js';
import { catalogId } from './catalog-ids.js';
import { naturalSortKey } from './natural-sort.js';

export interface RepositoryItem {
  readonly name: string;
  readonly tagCount: number;
  readonly lastPushedAt: string | null;
  readonly description?: string;
}

export interface TagItem {
  readonly name: string;
  readonly digest: string | null;
  readonly mediaType: string | null;
  readonly size: number | null;
  readonly pushedAt: string | null;
  readonly platforms: readonly PlatformRef[];
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface SyncChanges {
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
}

/** Keyset cursor: the (sort key, name) of the last item, opaque to clients. */
function encodeCursor(sortKey: string, name: string): string {
  return Buffer.from(JSON.stringify([sortKey, name])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): [string, string] | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string'))
      return value as [string, string];
  } catch {
    /* fall through */
  }
  return undefined;
}

/** Cuts a `limit + 1` query result to one page and the cursor after its last row. */
function keysetPage<R extends { sort_key: string; name: string }>(
  rows: readonly R[],
  limit: number,
): { items: R[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.sort_key, last.name) : null };
}

/** Rows per multi-row insert (well under SQLite's 32,766 bound variables). */
const INSERT_BATCH = 200;
/** Values per `in (...)` list. */
const IN_BATCH = 500;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

type TagValues = Pick<TagsTable, 'digest' | 'media_type' | 'size' | 'pushed_at' | 'platforms'>;

const tagValues = (tag: TagInfo): TagValues => ({
  digest: tag.digest ?? null,
  media_type: tag.mediaType ?? null,
  size: tag.size ?? null,
  pushed_at: tag.pushedAt ?? null,
  platforms: tag.platforms ? JSON.stringify(tag.platforms) : null,
});

const sameTag = (row: TagValues, values: TagValues): boolean =>
  row.digest === values.digest &&
  row.media_type === values.media_type &&
  (row.size === null ? null : Number(row.size)) === values.size &&
  row.pushed_at === values.pushed_at &&
  row.platforms === values.platforms;

/** A repository's complete tag listing, hashed: equal hashes mean nothing to write. */
function hashTags(tags: readonly TagInfo[]): string {
  // One string and one digest per repository (a hash object per tag costs more than the insert).
  const parts: (string | number | null)[] = [];
  for (const tag of tags)
    parts.push(
      tag.name,
      tag.digest ?? null,
      tag.mediaType ?? null,
      tag.size ?? null,
      tag.pushedAt ?? null,
      tag.platforms ? JSON.stringify(tag.platforms) : null,
    );
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

/** The search entry of a tag name a connector has (one per distinct name, not per tag). */
const tagNameRef = (connectorId: string, name: string) => `${connectorId}:${name}`;

/**
 * A new tag row as the bulk insert reads it, in the table's column order: `[repository_id,
 * sort_key, name, digest, media_type, size, pushed_at, platforms]`.
 */
type NewTagRow = [string, string, string, ...TagValueList];
type TagValueList = [string | null, string | null, number | null, string | null, string | null];

interface BatchWrites {
  repositories: RepositoriesTable[];
  entries: Insertable<CatalogEntriesTable>[];
  tags: NewTagRow[];
  names: Set<string>;
  goneNames: Set<string>;
}

/** Tag names repeat across repositories (`latest`, `v1.2.3`): their sort keys are remembered. */
const sortKeys = new Map<string, string>();
const SORT_KEYS_KEPT = 100_000;

function tagSortKey(name: string): string {
  let key = sortKeys.get(name);
  if (key === undefined) {
    if (sortKeys.size >= SORT_KEYS_KEPT) sortKeys.clear();
    key = naturalSortKey(name, { latestFirst: true });
    sortKeys.set(name, key);
  }
  return key;
}

const newTag = (repositoryId: string, tag: TagInfo): NewTagRow => [
  repositoryId,
  tagSortKey(tag.name),
  tag.name,
  tag.digest ?? null,
  tag.mediaType ?? null,
  tag.size ?? null,
  tag.pushedAt ?? null,
  tag.platforms ? JSON.stringify(tag.platforms) : null,
];

/**
 * The catalog_segments rows of a repository name: for each `/`, the lower-cased rest of the name
 * after it (`team/zeta/api` → `zeta/api`, `api`), as search compares case-insensitively.
 */
function pathSegments(name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let at = lower.indexOf('/'); at >= 0; at = lower.indexOf('/', at + 1)) out.push(lower.slice(at + 1));
  return out;
}

/** Rows per bulk tag insert on PostgreSQL (one JSON parameter each). */
const TAG_INSERT_BATCH = 5000;

/** SQLite's tag insert, prepared once per connection. */
const sqliteTagInserts = new WeakMap<SQLite.Database, SQLite.Statement>();

/**
 * Inserts new tag rows. On SQLite, one statement prepared once per connection and run per row
 * on the connection under `tx` (nothing to compile or parse per row: several times cheaper
 * than one multi-row statement). On PostgreSQL, where each statement is a round trip, one
 * statement per few thousand rows, the rows travelling as one JSON parameter that the
 * database unpacks itself.
 */
async function insertTags(
  tx: Transaction<Schema>,
  sqlite: SQLite.Database | undefined,
  rows: readonly NewTagRow[],
) {
  if (rows.length === 0) return;
  if (sqlite) {
    let insert = sqliteTagInserts.get(sqlite);
    if (!insert) {
      insert = sqlite.prepare(
        'insert into tags (repository_id, sort_key, name, digest, media_type, size, pushed_at, platforms) values (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      sqliteTagInserts.set(sqlite, insert);
    }
    for (const row of rows) insert.run(row);
    return;
  }
  for (const batch of chunks(rows, TAG_INSERT_BATCH))
    await sql`insert into tags (repository_id, sort_key, name, digest, media_type, size, pushed_at, platforms)
      select r ->> 0, r ->> 1, r ->> 2, r ->> 3, r ->> 4, (r ->> 5)::bigint, r ->> 6, r ->> 7
      from json_array_elements(${JSON.stringify(batch)}::json) as r`.execute(tx);
}

/** Brings one stored repository's tags in line with a complete listing, inside `tx`. */
async function diffTags(
  tx: Transaction<Schema>,
  repositoryId: string,
  tags: readonly TagInfo[],
  writes: BatchWrites,
): Promise<SyncChanges> {
  const existing = new Map(
    (
      await tx
        .selectFrom('tags')
        .select(['name', 'sort_key', 'digest', 'media_type', 'size', 'pushed_at', 'platforms'])
        .where('repository_id', '=', repositoryId)
        .execute()
    ).map((t) => [t.name, t]),
  );
  let updated = 0;
  let added = 0;
  for (const tag of tags) {
    const values = tagValues(tag);
    const row = existing.get(tag.name);
    existing.delete(tag.name);
    if (!row) {
      writes.tags.push(newTag(repositoryId, tag));
      writes.names.add(tag.name);
      added++;
    } else if (!sameTag(row, values)) {
      await tx
        .updateTable('tags')
        .set(values)
        .where('repository_id', '=', repositoryId)
        .where('sort_key', '=', row.sort_key)
        .where('name', '=', row.name)
        .execute();
      updated++;
    }
  }
  const gone = [...existing.values()];
  for (const batch of chunks(gone, IN_BATCH))
    await tx
      .deleteFrom('tags')
      .where('repository_id', '=', repositoryId)
      .where(
        'name',
        'in',
        batch.map((t) => t.name),
      )
      .execute();
  for (const t of gone) writes.goneNames.add(t.name);
  return { added, updated, removed: gone.length };
}

/**
 * Removes the search entries of tag names the connector no longer has in any repository, so a
 * vanished name leaves the database (FTS5 secure-delete wipes it from the index pages too).
 */
async function dropUnusedTagNames(
  tx: Transaction<Schema>,
  connectorId: string,
  names: Iterable<string>,
): Promise<void> {
  for (const batch of chunks([...names], IN_BATCH)) {
    // The connector's repositories, each probed on its (sort key, name) keys for the batch
    // (a name determines its sort key, so the sort keys only narrow the probes).
    const used = new Set(
      (
        await tx
          .selectFrom('tags')
          .innerJoin('repositories', 'repositories.id', 'tags.repository_id')
          .select('tags.name')
          .distinct()
          .where('repositories.connector_id', '=', connectorId)
          .where('tags.sort_key', 'in', [...new Set(batch.map(tagSortKey))])
          .where('tags.name', 'in', batch)
          .execute()
      ).map((t) => t.name),
    );
    const unused = batch.filter((name) => !used.has(name));
    if (unused.length > 0)
      await tx
        .deleteFrom('catalog_entries')
        .where('kind', '=', 'tag_name')
        .where(
          'ref_id',
          'in',
          unused.map((name) => tagNameRef(connectorId, name)),
        )
        .execute();
  }
}

/**
 * Writes a group of complete repository listings inside `tx`: new repositories and tags in
 * multi-row statements, repositories whose listing hash is unchanged skipped without reading
 * their tags, changed ones diffed (unchanged tag rows are never rewritten).
 */
async function writeRepositories(
  tx: Transaction<Schema>,
  sqlite: SQLite.Database | undefined,
  ownerId: string,
  connectorId: string,
  batch: readonly { readonly repository: RepositoryInfo; readonly tags: readonly TagInfo[] }[],
): Promise<SyncChanges> {
  const stored = new Map<
    string,
    Pick<RepositoriesTable, 'id' | 'description' | 'last_pushed_at' | 'tag_count' | 'tags_hash'>
  >();
  for (const names of chunks(
    batch.map((b) => b.repository.name),
    IN_BATCH,
  ))
    for (const row of await tx
      .selectFrom('repositories')
      .select(['id', 'name', 'description', 'last_pushed_at', 'tag_count', 'tags_hash'])
      .where('connector_id', '=', connectorId)
      .where('name', 'in', names)
      .execute())
      stored.set(row.name, row);
  const writes: BatchWrites = {
    repositories: [],
    entries: [],
    tags: [],
    names: new Set(),
    goneNames: new Set(),
  };
  const total = { added: 0, updated: 0, removed: 0 };
  for (const { repository, tags } of batch) {
    const lastPushedAt =
      repository.lastPushedAt ??
      tags.reduce<string | null>(
        (max, t) => (t.pushedAt && (!max || t.pushedAt > max) ? t.pushedAt : max),
        null,
      );
    const fields = {
      description: repository.description ?? null,
      last_pushed_at: lastPushedAt,
      tag_count: tags.length,
      tags_hash: hashTags(tags),
    };
    const repo = stored.get(repository.name);
    if (!repo) {
      const id = catalogId();
      writes.repositories.push({
        id,
        connector_id: connectorId,
        name: repository.name,
        sort_key: naturalSortKey(repository.name),
        ...fields,
      });
      writes.entries.push({
        kind: 'repository',
        ref_id: id,
        owner_id: ownerId,
        connector_id: connectorId,
        text: repository.name,
      });
      for (const tag of tags) {
        writes.tags.push(newTag(id, tag));
        writes.names.add(tag.name);
      }
      total.added += 1 + tags.length;
      continue;
    }
    if (repo.tags_hash !== fields.tags_hash) {
      const c = await diffTags(tx, repo.id, tags, writes);
      total.added += c.added;
      total.updated += c.updated;
      total.removed += c.removed;
    }
    if (
      repo.description !== fields.description ||
      repo.last_pushed_at !== fields.last_pushed_at ||
      Number(repo.tag_count) !== fields.tag_count ||
      repo.tags_hash !== fields.tags_hash
    )
      await tx.updateTable('repositories').set(fields).where('id', '=', repo.id).execute();
  }
  // New rows in multi-row statements: one round through the database per batch, not per row.
  for (const rows of chunks(writes.repositories, INSERT_BATCH))
    await tx.insertInto('repositories').values(rows).execute();
  for (const rows of chunks(writes.entries, INSERT_BATCH))
    await tx.insertInto('catalog_entries').values(rows).execute();
  const segments = writes.entries.flatMap((e) =>
    (e.kind === 'repository' ? pathSegments(e.text) : []).map((segment) => ({
      owner_id: ownerId,
      segment,
      ref_id: e.ref_id,
    })),
  );
  for (const rows of chunks(segments, INSERT_BATCH))
    await tx.insertInto('catalog_segments').values(rows).execute();
  await insertTags(tx, sqlite, writes.tags);
  for (const names of chunks([...writes.names], INSERT_BATCH))
    await tx
      .insertInto('catalog_entries')
      .values(
        names.map((name) => ({
          kind: 'tag_name' as const,
          ref_id: tagNameRef(connectorId, name),
          owner_id: ownerId,
          connector_id: connectorId,
          text: name,
        })),
      )
      .onConflict((oc) => oc.column('ref_id').doNothing())
      .execute();
  await dropUnusedTagNames(tx, connectorId, writes.goneNames);
  return total;
}

/**
 * The synced catalog of a user's registries: repositories and tags per connector, kept in
 * natural order for keyset pagination (stable while a sync writes), and the search entries.
 * Every read is scoped by owner; writes come from the sync of a connector the caller owns.
 */
export function createCatalogStore(db: Kysely<Schema>) {
  const sqlite = sqliteHandleOf(db);
  async function connectorOwned(
    tx: Kysely<Schema> | Transaction<Schema>,
    ownerId: string,
    connectorId: string,
  ): Promise<boolean> {
    return (
      (await tx
        .selectFrom('connectors')
        .select('id')
        .where('id', '=', connectorId)
        .where('owner_id', '=', ownerId)
        .executeTakeFirst()) !== undefined
    );
  }

  return {
    /**
     * Replaces one repository's tag list with a complete listing, in one transaction: new
     * tags added, changed ones updated, vanished ones removed, unchanged rows not rewritten.
     */
    async replaceRepository(
      ownerId: string,
      connectorId: string,
      repository: RepositoryInfo,
      tags: readonly TagInfo[],
    ): Promise<SyncChanges> {
      return this.replaceRepositories(ownerId, connectorId, [{ repository, tags }]);
    },

    /**
     * {@link replaceRepository} for several complete repositories in one transaction: the
     * commit is the expensive part of a SQLite write, so a sync groups repositories.
     */
    async replaceRepositories(
      ownerId: string,
      connectorId: string,
      batch: readonly { readonly repository: RepositoryInfo; readonly tags: readonly TagInfo[] }[],
    ): Promise<SyncChanges> {
      return db.transaction().execute(async (tx) => {
        if (!(await connectorOwned(tx, ownerId, connectorId))) return { added: 0, updated: 0, removed: 0 };
        return writeRepositories(tx, sqlite, ownerId, connectorId, batch);
      });
    },
    /** After a complete listing: removes the repositories the registry no longer has. */
    async removeRepositoriesExcept(
      ownerId: string,
      connectorId: string,
      keep: ReadonlySet<string>,
    ): Promise<number> {
      return db.transaction().execute(async (tx) => {
        if (!(await connectorOwned(tx, ownerId, connectorId))) return 0;
        const rows = await tx
          .selectFrom('repositories')
          .select(['id', 'name'])
          .where('connector_id', '=', connectorId)
          .execute();
        const gone = rows.filter((r) => !keep.has(r.name)).map((r) => r.id);
        for (let i = 0; i < gone.length; i += 500) {
          const batch = gone.slice(i, i + 500);
          const names = await tx
            .selectFrom('tags')
            .select('name')
            .distinct()
            .where('repository_id', 'in', batch)
            .execute();
          await tx.deleteFrom('catalog_entries').where('ref_id', 'in', batch).execute();
          await tx.deleteFrom('tags').where('repository_id', 'in', batch).execute();
          await tx.deleteFrom('repositories').where('id', 'in', batch).execute();
          await dropUnusedTagNames(
            tx,
            connectorId,
            names.map((n) => n.name),
          );
        }
        const { n } = await tx
          .selectFrom('repositories')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('connector_id', '=', connectorId)
          .executeTakeFirstOrThrow();
        await tx
          .updateTable('connectors')
          .set({ repository_count: Number(n) })
          .where('id', '=', connectorId)
          .execute();
        return gone.length;
      });
    },

    async listRepositories(
      ownerId: string,
      connectorId: string,
      options: { cursor?: string; limit: number; q?: string },
    ): Promise<Page<RepositoryItem> | undefined> {
      if (!(await connectorOwned(db, ownerId, connectorId))) return undefined;
      const after = decodeCursor(options.cursor);
      let query = db.selectFrom('repositories').selectAll().where('connector_id', '=', connectorId);
      if (options.q)
        query = query.where('name', 'like', `%${options.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      if (after)
        query = query.where((eb) =>
          eb.or([
            eb('sort_key', '>', after[0]),
            eb.and([eb('sort_key', '=', after[0]), eb('name', '>', after[1])]),
          ]),
        );
      const rows = await query
        .orderBy('sort_key')
        .orderBy('name')
        .limit(options.limit + 1)
        .execute();
      const { items, nextCursor } = keysetPage(rows, options.limit);
      return {
        items: items.map((r) => ({
          name: r.name,
          tagCount: Number(r.tag_count),
          lastPushedAt: r.last_pushed_at,
          ...(r.description ? { description: r.description } : {}),
        })),
        nextCursor,
      };
    },

    async listTags(
      ownerId: string,
      connectorId: string,
      repository: string,
      options: { cursor?: string; limit: number; reference?: string },
    ): Promise<Page<TagItem> | undefined> {
      if (!(await connectorOwned(db, ownerId, connectorId))) return undefined;
      const repo = await db
        .selectFrom('repositories')
        .select('id')
        .where('connector_id', '=', connectorId)
        .where('name', '=', repository)
        .executeTakeFirst();
      if (!repo) return undefined;
      const after = decodeCursor(options.cursor);
      let query = db.selectFrom('tags').selectAll().where('repository_id', '=', repo.id);
      // One version by tag or digest (the portal's image page), instead of paging for it.
      if (options.reference !== undefined) {
        const reference = options.reference;
        query = query.where((eb) =>
          reference.startsWith('sha256:') ? eb('digest', '=', reference) : eb('name', '=', reference),
        );
      }
      if (after)
        query = query.where((eb) =>
          eb.or([
            eb('sort_key', '>', after[0]),
            eb.and([eb('sort_key', '=', after[0]), eb('name', '>', after[1])]),
          ]),
        );
      const rows = await query
        .orderBy('sort_key')
        .orderBy('name')
        .limit(options.limit + 1)
        .execute();
      const { items, nextCursor } = keysetPage(rows, options.limit);
      return {
        items: items.map((t) => ({
          name: t.name,
          digest: t.digest,
          mediaType: t.media_type,
          size: t.size === null ? null : Number(t.size),
          pushedAt: t.pushed_at,
          platforms: t.platforms ? (JSON.parse(t.platforms) as PlatformRef[]) : [],
        })),
        nextCursor,
      };
    },

    /** `GET /tree`: the owner's connectors grouped by platform. */
    async tree(ownerId: string) {
      const rows = await db
        .selectFrom('connectors')
        .select(['id', 'name', 'platform', 'repository_count', 'status', 'last_sync_at', 'last_error'])
        .where('owner_id', '=', ownerId)
        .orderBy('platform')
        .orderBy('name')
        .execute();
      const groups = new Map<
        string,
        {
          platform: string;
          connectors: {
            id: string;
            name: string;
            repositoryCount: number;
            status: string;
            lastSyncAt: string | null;
            lastError: string | null;
          }[];
        }
      >();
      for (const r of rows) {
        const group = groups.get(r.platform) ?? { platform: r.platform, connectors: [] };
        group.connectors.push({
          id: r.id,
          name: r.name,
          repositoryCount: Number(r.repository_count),
          status: r.status,
          lastSyncAt: r.last_sync_at,
          lastError: r.last_error,
        });
        groups.set(r.platform, group);
      }
      return [...groups.values()];
    },
  };
}

export type CatalogStore = ReturnType<typeof createCatalogStore>;

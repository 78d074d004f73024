import type { PlatformRef, RepositoryInfo, TagInfo } from '@berth/connectors';
import type { Kysely, Transaction } from 'kysely';
import { newId } from '../crypto/tokens.js';
import type { Schema, TagsTable } from '../db/schema.js';
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

const sameTag = (row: TagsTable, tag: TagInfo): boolean =>
  row.digest === (tag.digest ?? null) &&
  row.media_type === (tag.mediaType ?? null) &&
  (row.size === null ? null : Number(row.size)) === (tag.size ?? null) &&
  row.pushed_at === (tag.pushedAt ?? null) &&
  row.platforms === (tag.platforms ? JSON.stringify(tag.platforms) : null);

/**
 * The synced catalog of a user's registries: repositories and tags per connector, kept in
 * natural order for keyset pagination (stable while a sync writes), and the search entries.
 * Every read is scoped by owner; writes come from the sync of a connector the caller owns.
 */
/** Brings one repository and its tags in line with a complete listing, inside `tx`. */
async function replaceOne(
  tx: Transaction<Schema>,
  ownerId: string,
  connectorId: string,
  repository: RepositoryInfo,
  tags: readonly TagInfo[],
): Promise<SyncChanges> {
  let changes = { added: 0, updated: 0, removed: 0 };
  let repo = await tx
    .selectFrom('repositories')
    .selectAll()
    .where('connector_id', '=', connectorId)
    .where('name', '=', repository.name)
    .executeTakeFirst();
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
  };
  if (!repo) {
    repo = {
      id: newId(),
      connector_id: connectorId,
      name: repository.name,
      sort_key: naturalSortKey(repository.name),
      ...fields,
    };
    await tx.insertInto('repositories').values(repo).execute();
    await tx
      .insertInto('catalog_entries')
      .values({
        kind: 'repository',
        ref_id: repo.id,
        owner_id: ownerId,
        connector_id: connectorId,
        text: repository.name,
      })
      .execute();
    changes = { ...changes, added: changes.added + 1 };
  } else if (
    repo.description !== fields.description ||
    repo.last_pushed_at !== fields.last_pushed_at ||
    Number(repo.tag_count) !== fields.tag_count
  ) {
    await tx.updateTable('repositories').set(fields).where('id', '=', repo.id).execute();
  }
  const repositoryId = repo.id;
  const existing = new Map(
    (await tx.selectFrom('tags').selectAll().where('repository_id', '=', repositoryId).execute()).map((t) => [
      t.name,
      t,
    ]),
  );
  const fresh: TagsTable[] = [];
  for (const tag of tags) {
    const values = {
      digest: tag.digest ?? null,
      media_type: tag.mediaType ?? null,
      size: tag.size ?? null,
      pushed_at: tag.pushedAt ?? null,
      platforms: tag.platforms ? JSON.stringify(tag.platforms) : null,
    };
    const row = existing.get(tag.name);
    existing.delete(tag.name);
    if (!row) {
      fresh.push({
        id: newId(),
        repository_id: repositoryId,
        connector_id: connectorId,
        name: tag.name,
        sort_key: naturalSortKey(tag.name, { latestFirst: true }),
        ...values,
      });
    } else if (!sameTag(row, tag)) {
      await tx.updateTable('tags').set(values).where('id', '=', row.id).execute();
      changes = { ...changes, updated: changes.updated + 1 };
    }
  }
  // New tags in multi-row statements: one round through SQLite per batch, not per tag.
  for (let i = 0; i < fresh.length; i += INSERT_BATCH) {
    const batch = fresh.slice(i, i + INSERT_BATCH);
    await tx.insertInto('tags').values(batch).execute();
    await tx
      .insertInto('catalog_entries')
      .values(
        batch.map((t) => ({
          kind: 'tag' as const,
          ref_id: t.id,
          owner_id: ownerId,
          connector_id: connectorId,
          text: `${repository.name}:${t.name}`,
        })),
      )
      .execute();
  }
  changes = { ...changes, added: changes.added + fresh.length };
  const gone = [...existing.values()].map((t) => t.id);
  if (gone.length > 0) {
    await tx.deleteFrom('catalog_entries').where('ref_id', 'in', gone).execute();
    await tx.deleteFrom('tags').where('id', 'in', gone).execute();
    changes = { ...changes, removed: changes.removed + gone.length };
  }
  return changes;
}

export function createCatalogStore(db: Kysely<Schema>) {
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
        let total = { added: 0, updated: 0, removed: 0 };
        for (const { repository, tags } of batch) {
          const c = await replaceOne(tx, ownerId, connectorId, repository, tags);
          total = {
            added: total.added + c.added,
            updated: total.updated + c.updated,
            removed: total.removed + c.removed,
          };
        }
        return total;
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
          const tagIds = tx.selectFrom('tags').select('id').where('repository_id', 'in', batch);
          await tx.deleteFrom('catalog_entries').where('ref_id', 'in', tagIds).execute();
          await tx.deleteFrom('catalog_entries').where('ref_id', 'in', batch).execute();
          await tx.deleteFrom('tags').where('repository_id', 'in', batch).execute();
          await tx.deleteFrom('repositories').where('id', 'in', batch).execute();
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

import type { ContainerProfile, LayerCache, LayerResult } from '@berth/analysis';
import type { Kysely } from 'kysely';
import { newId } from '../crypto/tokens.js';
import type { ProfilesTable, Schema } from '../db/schema.js';
import type { Clock } from '../stores/clock.js';

export interface ProfileProgress {
  readonly layersDone: number;
  readonly layersTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface ProfileRecord {
  readonly id: string;
  readonly manifestDigest: string;
  readonly status: ProfilesTable['status'];
  readonly progress: ProfileProgress | null;
  readonly error: string | null;
  readonly profile: ContainerProfile | null;
}

function toRecord(row: ProfilesTable): ProfileRecord {
  return {
    id: row.id,
    manifestDigest: row.manifest_digest,
    status: row.status,
    progress: row.progress ? (JSON.parse(row.progress) as ProfileProgress) : null,
    error: row.error,
    profile: row.profile ? (JSON.parse(row.profile) as ContainerProfile) : null,
  };
}

/** `connector_key` of a grant: the connector's id, or '' for a public image. */
export const PUBLIC_GRANT = '';

/**
 * Profiles are content: one per manifest digest, analysed once for everyone. Reading one
 * requires a grant — the user reached that image through their own connector or as a public
 * image — and every read here is scoped by it.
 */
export function createProfileStore(db: Kysely<Schema>, clock: Clock) {
  return {
    /** The profile for a manifest (created queued if new), granted to the owner. */
    async obtain(
      manifestDigest: string,
      ownerId: string,
      connectorKey: string,
    ): Promise<{ record: ProfileRecord; created: boolean }> {
      return db.transaction().execute(async (tx) => {
        let row = await tx
          .selectFrom('profiles')
          .selectAll()
          .where('manifest_digest', '=', manifestDigest)
          .executeTakeFirst();
        let created = false;
        if (!row) {
          const now = clock.now().toISOString();
          row = {
            id: newId(),
            manifest_digest: manifestDigest,
            status: 'queued',
            progress: null,
            error: null,
            profile: null,
            created_at: now,
            updated_at: now,
          };
          // Another process may create it at the same moment (PostgreSQL): then use theirs.
          const inserted = await tx
            .insertInto('profiles')
            .values(row)
            .onConflict((oc) => oc.column('manifest_digest').doNothing())
            .executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) created = true;
          else
            row = await tx
              .selectFrom('profiles')
              .selectAll()
              .where('manifest_digest', '=', manifestDigest)
              .executeTakeFirstOrThrow();
        }
        await tx
          .insertInto('profile_grants')
          .values({ profile_id: row.id, owner_id: ownerId, connector_key: connectorKey })
          .onConflict((oc) => oc.doNothing())
          .execute();
        return { record: toRecord(row), created };
      });
    },

    /** A profile the owner may read. */
    async get(ownerId: string, id: string): Promise<ProfileRecord | undefined> {
      const row = await db
        .selectFrom('profiles')
        .selectAll('profiles')
        .where('profiles.id', '=', id)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('profile_grants')
              .select('profile_id')
              .where('profile_grants.profile_id', '=', id)
              .where('profile_grants.owner_id', '=', ownerId),
          ),
        )
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async getById(id: string): Promise<ProfileRecord | undefined> {
      const row = await db.selectFrom('profiles').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    async update(
      id: string,
      changes: {
        status?: ProfilesTable['status'];
        progress?: ProfileProgress;
        error?: string | null;
        profile?: ContainerProfile;
      },
    ): Promise<void> {
      await db
        .updateTable('profiles')
        .set({
          updated_at: clock.now().toISOString(),
          ...(changes.status ? { status: changes.status } : {}),
          ...(changes.progress ? { progress: JSON.stringify(changes.progress) } : {}),
          ...(changes.error !== undefined ? { error: changes.error } : {}),
          ...(changes.profile ? { profile: JSON.stringify(changes.profile) } : {}),
        })
        .where('id', '=', id)
        .execute();
    },
  };
}

export type ProfileStore = ReturnType<typeof createProfileStore>;

/** Layer results in the database, so every process and every restart reuses every analysis. */
export function databaseLayerCache(db: Kysely<Schema>, clock: Clock): LayerCache {
  return {
    async get(digest) {
      const row = await db
        .selectFrom('layer_results')
        .select(['result'])
        .where('digest', '=', digest)
        .executeTakeFirst();
      return row ? (JSON.parse(row.result) as LayerResult) : undefined;
    },
    async put(result) {
      await db
        .insertInto('layer_results')
        .values({
          digest: result.digest,
          analyzer_version: result.analyzerVersion,
          result: JSON.stringify(result),
          created_at: clock.now().toISOString(),
        })
        .onConflict((oc) =>
          oc
            .column('digest')
            .doUpdateSet({ analyzer_version: result.analyzerVersion, result: JSON.stringify(result) }),
        )
        .execute();
    },
  };
}

import type { ImageDiff } from '@berth/analysis';
import type { Kysely } from 'kysely';
import { newId } from '../crypto/tokens.js';
import type { DiffsTable, Schema } from '../db/schema.js';
import type { Clock } from '../stores/clock.js';

export interface DiffRecord {
  readonly id: string;
  readonly status: DiffsTable['status'];
  readonly progress: Record<string, number> | null;
  readonly error: string | null;
  readonly diff: ImageDiff | null;
  readonly sides: unknown;
}

function toRecord(row: DiffsTable): DiffRecord {
  return {
    id: row.id,
    status: row.status,
    progress: row.progress ? (JSON.parse(row.progress) as Record<string, number>) : null,
    error: row.error,
    diff: row.diff ? (JSON.parse(row.diff) as ImageDiff) : null,
    sides: JSON.parse(row.sides) as unknown,
  };
}

/** Diffs are content like profiles: one per pair of manifests, readable through grants. */
export function createDiffStore(db: Kysely<Schema>, clock: Clock) {
  return {
    async obtain(
      pairKey: string,
      sides: unknown,
      ownerId: string,
      connectorKeys: readonly string[],
    ): Promise<{ record: DiffRecord; created: boolean }> {
      return db.transaction().execute(async (tx) => {
        let row = await tx.selectFrom('diffs').selectAll().where('pair_key', '=', pairKey).executeTakeFirst();
        let created = false;
        if (!row) {
          const now = clock.now().toISOString();
          row = {
            id: newId(),
            pair_key: pairKey,
            status: 'queued',
            progress: null,
            error: null,
            diff: null,
            sides: JSON.stringify(sides),
            created_at: now,
            updated_at: now,
          };
          // Another process may create it at the same moment (PostgreSQL): then use theirs.
          const inserted = await tx
            .insertInto('diffs')
            .values(row)
            .onConflict((oc) => oc.column('pair_key').doNothing())
            .executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) created = true;
          else
            row = await tx
              .selectFrom('diffs')
              .selectAll()
              .where('pair_key', '=', pairKey)
              .executeTakeFirstOrThrow();
        }
        for (const key of new Set(connectorKeys)) {
          await tx
            .insertInto('diff_grants')
            .values({ diff_id: row.id, owner_id: ownerId, connector_key: key })
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        return { record: toRecord(row), created };
      });
    },

    async get(ownerId: string, id: string): Promise<DiffRecord | undefined> {
      const row = await db
        .selectFrom('diffs')
        .selectAll('diffs')
        .where('diffs.id', '=', id)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('diff_grants')
              .select('diff_id')
              .where('diff_grants.diff_id', '=', id)
              .where('diff_grants.owner_id', '=', ownerId),
          ),
        )
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async update(
      id: string,
      changes: {
        status?: DiffsTable['status'];
        progress?: Record<string, number>;
        error?: string | null;
        diff?: ImageDiff;
        sides?: unknown;
      },
    ): Promise<void> {
      await db
        .updateTable('diffs')
        .set({
          updated_at: clock.now().toISOString(),
          ...(changes.status ? { status: changes.status } : {}),
          ...(changes.progress ? { progress: JSON.stringify(changes.progress) } : {}),
          ...(changes.error !== undefined ? { error: changes.error } : {}),
          ...(changes.diff ? { diff: JSON.stringify(changes.diff) } : {}),
          ...(changes.sides ? { sides: JSON.stringify(changes.sides) } : {}),
        })
        .where('id', '=', id)
        .execute();
    },
  };
}

export type DiffStore = ReturnType<typeof createDiffStore>;

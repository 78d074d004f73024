import type { Kysely } from 'kysely';
import type { ConnectorsTable, Schema } from '../db/schema.js';
import { newId } from '../crypto/tokens.js';
import type { Clock } from './clock.js';

/** A connector as the API shows it: never the secret, only a hint. */
export interface ConnectorRecord {
  readonly id: string;
  readonly platform: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly credentialHint: string | null;
  readonly status: ConnectorsTable['status'];
  readonly lastSyncAt: string | null;
  readonly lastError: string | null;
  readonly repositoryCount: number;
  /** The quota the platform reported during the last sync; null when it reports none. */
  readonly rateLimit: ConnectorRateLimit | null;
  readonly createdAt: string;
  /** Internal: where the sealed credentials are. */
  readonly secretId: string | null;
}

export interface ConnectorRateLimit {
  readonly limit?: number;
  readonly remaining?: number;
  readonly windowSeconds?: number;
  readonly resetAt?: string;
  readonly observedAt: string;
}

export interface NewConnector {
  readonly platform: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly secretId: string | null;
  readonly credentialHint: string | null;
}

export interface ConnectorStore {
  create(ownerId: string, input: NewConnector): Promise<ConnectorRecord | 'name_taken'>;
  list(ownerId: string): Promise<ConnectorRecord[]>;
  get(ownerId: string, id: string): Promise<ConnectorRecord | undefined>;
  update(
    ownerId: string,
    id: string,
    changes: Partial<Pick<NewConnector, 'name' | 'config' | 'secretId' | 'credentialHint'>>,
  ): Promise<ConnectorRecord | 'name_taken' | undefined>;
  setStatus(
    ownerId: string,
    id: string,
    status: Partial<
      Pick<ConnectorsTable, 'status' | 'last_error' | 'last_sync_at' | 'repository_count' | 'rate_limit'>
    >,
  ): Promise<void>;
  /**
   * Deletes the connector and everything derived through it (repositories, tags — by
   * cascade — and its sealed credentials) in one transaction. False when there is none.
   */
  delete(ownerId: string, id: string): Promise<boolean>;
}

export function toConnectorRecord(row: ConnectorsTable): ConnectorRecord {
  return {
    id: row.id,
    platform: row.platform,
    name: row.name,
    config: JSON.parse(row.config) as Record<string, unknown>,
    credentialHint: row.credential_hint,
    status: row.status,
    lastSyncAt: row.last_sync_at,
    lastError: row.last_error,
    repositoryCount: Number(row.repository_count),
    rateLimit: row.rate_limit === null ? null : (JSON.parse(row.rate_limit) as ConnectorRateLimit),
    createdAt: row.created_at,
    secretId: row.secret_id,
  };
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e.code === '23505' ||
    /UNIQUE constraint failed/.test(e.message ?? '')
  );
}

export function createConnectorStore(db: Kysely<Schema>, clock: Clock): ConnectorStore {
  const get = async (ownerId: string, id: string) => {
    const row = await db
      .selectFrom('connectors')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
    return row && toConnectorRecord(row);
  };
  return {
    async create(ownerId, input) {
      const now = clock.now().toISOString();
      const row: ConnectorsTable = {
        id: newId(),
        owner_id: ownerId,
        platform: input.platform,
        name: input.name,
        config: JSON.stringify(input.config),
        secret_id: input.secretId,
        credential_hint: input.credentialHint,
        status: 'pending',
        last_sync_at: null,
        last_error: null,
        repository_count: 0,
        rate_limit: null,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('connectors').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) return 'name_taken';
        throw error;
      }
      return toConnectorRecord(row);
    },
    async list(ownerId) {
      const rows = await db
        .selectFrom('connectors')
        .selectAll()
        .where('owner_id', '=', ownerId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toConnectorRecord);
    },
    get,
    async update(ownerId, id, changes) {
      const set: Partial<ConnectorsTable> = { updated_at: clock.now().toISOString() };
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.config !== undefined) set.config = JSON.stringify(changes.config);
      if (changes.secretId !== undefined) set.secret_id = changes.secretId;
      if (changes.credentialHint !== undefined) set.credential_hint = changes.credentialHint;
      try {
        const result = await db
          .updateTable('connectors')
          .set(set)
          .where('id', '=', id)
          .where('owner_id', '=', ownerId)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return undefined;
      } catch (error) {
        if (isUniqueViolation(error)) return 'name_taken';
        throw error;
      }
      return get(ownerId, id);
    },
    async setStatus(ownerId, id, status) {
      await db
        .updateTable('connectors')
        .set({ ...status, updated_at: clock.now().toISOString() })
        .where('id', '=', id)
        .where('owner_id', '=', ownerId)
        .execute();
    },
    async delete(ownerId, id) {
      return db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom('connectors')
          .select(['id', 'secret_id'])
          .where('id', '=', id)
          .where('owner_id', '=', ownerId)
          .executeTakeFirst();
        if (!row) return false;
        await tx.deleteFrom('catalog_entries').where('connector_id', '=', id).execute();
        // Diffs computed through this connector go with it (conservatively, for every user).
        await tx
          .deleteFrom('diffs')
          .where(
            'id',
            'in',
            tx
              .selectFrom('diff_grants')
              .select('diff_grants.diff_id')
              .where('diff_grants.connector_key', '=', id),
          )
          .execute();
        // Profiles reached only through this connector go with it; shared ones stay.
        await tx.deleteFrom('profile_grants').where('connector_key', '=', id).execute();
        await tx
          .deleteFrom('profiles')
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('profile_grants')
                  .select('profile_grants.profile_id')
                  .whereRef('profile_grants.profile_id', '=', 'profiles.id'),
              ),
            ),
          )
          .execute();
        await tx.deleteFrom('jobs').where('connector_id', '=', id).execute();
        await tx
          .deleteFrom('tags')
          .where('repository_id', 'in', (eb) =>
            eb.selectFrom('repositories').select('id').where('connector_id', '=', id),
          )
          .execute();
        await tx.deleteFrom('repositories').where('connector_id', '=', id).execute();
        await tx.deleteFrom('connectors').where('id', '=', id).execute();
        if (row.secret_id)
          await tx
            .deleteFrom('secrets')
            .where('id', '=', row.secret_id)
            .where('owner_id', '=', ownerId)
            .execute();
        return true;
      });
    },
  };
}

import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { hashToken, newApiToken, newId } from '../crypto/tokens.js';
import type { Clock } from './clock.js';
import { toUser, type User } from './user-store.js';

export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export interface ApiTokenStore {
  /** Returns the token value once; only its hash is kept. */
  create(ownerId: string, name: string): Promise<ApiToken & { token: string }>;
  list(ownerId: string): Promise<ApiToken[]>;
  /** False when the owner has no such live token. */
  revoke(ownerId: string, id: string): Promise<boolean>;
  /** The user a live token belongs to (and records its use). */
  authenticate(token: string): Promise<{ user: User; tokenId: string } | undefined>;
}

/** Last-used times are written at most this often per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function createApiTokenStore(db: Kysely<Schema>, clock: Clock): ApiTokenStore {
  return {
    async create(ownerId, name) {
      const token = newApiToken();
      const row = {
        id: newId(),
        user_id: ownerId,
        name,
        token_hash: hashToken(token),
        prefix: token.slice(0, 14),
        created_at: clock.now().toISOString(),
        last_used_at: null,
        revoked_at: null,
      };
      await db.insertInto('api_tokens').values(row).execute();
      return { id: row.id, name, prefix: row.prefix, createdAt: row.created_at, lastUsedAt: null, token };
    },
    async list(ownerId) {
      const rows = await db
        .selectFrom('api_tokens')
        .select(['id', 'name', 'prefix', 'created_at', 'last_used_at'])
        .where('user_id', '=', ownerId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
      }));
    },
    async revoke(ownerId, id) {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: clock.now().toISOString() })
        .where('id', '=', id)
        .where('user_id', '=', ownerId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async authenticate(token) {
      const row = await db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .selectAll('users')
        .select(['api_tokens.id as token_id', 'api_tokens.last_used_at'])
        .where('api_tokens.token_hash', '=', hashToken(token))
        .where('api_tokens.revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      const now = clock.now();
      if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > LAST_USED_RESOLUTION_MS) {
        await db
          .updateTable('api_tokens')
          .set({ last_used_at: now.toISOString() })
          .where('id', '=', row.token_id)
          .execute();
      }
      return { user: toUser(row), tokenId: row.token_id };
    },
  };
}

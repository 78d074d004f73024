import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { csrfTokenFor, hashToken, newSessionToken } from '../crypto/tokens.js';
import type { Clock } from './clock.js';
import { toUser, type User } from './user-store.js';

export interface NewSession {
  /** The cookie value; only its hash is stored. */
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

export interface SessionStore {
  create(userId: string): Promise<NewSession>;
  /** The session's user and CSRF token, or undefined when unknown or expired. */
  find(token: string): Promise<{ user: User; csrfToken: string } | undefined>;
  delete(token: string): Promise<void>;
}

/** Server-side sessions: the cookie holds a random token, the table its sha256. */
export function createSessionStore(db: Kysely<Schema>, clock: Clock, ttlHours: number): SessionStore {
  return {
    async create(userId) {
      const now = clock.now();
      const token = newSessionToken();
      const csrfToken = csrfTokenFor(token);
      const expiresAt = new Date(now.getTime() + ttlHours * 3_600_000);
      await db
        .insertInto('sessions')
        .values({
          id: hashToken(token),
          user_id: userId,
          created_at: now.toISOString(),
          expires_at: expiresAt.toISOString(),
          last_seen_at: now.toISOString(),
        })
        .execute();
      // Opportunistic clean-up of expired sessions keeps the table small without a job.
      await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).execute();
      return { token, csrfToken, expiresAt };
    },
    async find(token) {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .select(['sessions.expires_at'])
        .where('sessions.id', '=', hashToken(token))
        .executeTakeFirst();
      if (!row || row.expires_at <= clock.now().toISOString()) return undefined;
      return { user: toUser(row), csrfToken: csrfTokenFor(token) };
    },
    async delete(token) {
      await db.deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
    },
  };
}

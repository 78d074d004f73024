import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { Clock } from './clock.js';

export interface LoginThrottle {
  /** Seconds to wait before another attempt is allowed for any of the keys, or 0. */
  retryAfterSeconds(keys: readonly string[]): Promise<number>;
  recordFailure(keys: readonly string[]): Promise<void>;
  clear(key: string): Promise<void>;
}

export interface ThrottlePolicy {
  readonly maxFailures: number;
  readonly windowMs: number;
}

/** OWASP: lock out after a handful of failures per account and per client address. */
export const DEFAULT_THROTTLE: ThrottlePolicy = Object.freeze({ maxFailures: 5, windowMs: 15 * 60_000 });

/**
 * Failed logins counted in the database (shared by every server process), per e-mail and per
 * client address; once `maxFailures` fall within the window, attempts wait until the oldest
 * of them leaves it.
 */
export function createLoginThrottle(
  db: Kysely<Schema>,
  clock: Clock,
  policy: ThrottlePolicy = DEFAULT_THROTTLE,
): LoginThrottle {
  return {
    async retryAfterSeconds(keys) {
      const now = clock.now().getTime();
      const since = new Date(now - policy.windowMs).toISOString();
      let wait = 0;
      for (const key of keys) {
        const rows = await db
          .selectFrom('login_failures')
          .select('at')
          .where('key', '=', key)
          .where('at', '>', since)
          .orderBy('at', 'desc')
          .limit(policy.maxFailures)
          .execute();
        if (rows.length >= policy.maxFailures) {
          const oldest = Date.parse(rows[rows.length - 1]?.at ?? '');
          wait = Math.max(wait, Math.ceil((oldest + policy.windowMs - now) / 1000));
        }
      }
      return wait;
    },
    async recordFailure(keys) {
      const at = clock.now().toISOString();
      await db
        .insertInto('login_failures')
        .values(keys.map((key) => ({ key, at })))
        .execute();
      await db
        .deleteFrom('login_failures')
        .where('at', '<', new Date(clock.now().getTime() - policy.windowMs).toISOString())
        .execute();
    },
    async clear(key) {
      await db.deleteFrom('login_failures').where('key', '=', key).execute();
    },
  };
}

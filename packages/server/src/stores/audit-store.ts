import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { newId } from '../crypto/tokens.js';
import type { Clock } from './clock.js';

export type AuditAction =
  | 'user.signup'
  | 'user.login'
  | 'user.login_failed'
  | 'user.logout'
  | 'token.create'
  | 'token.revoke'
  | 'keys.rotate'
  | 'connector.create'
  | 'connector.update'
  | 'connector.delete';

export interface AuditEvent {
  readonly actorId: string | null;
  readonly action: AuditAction;
  readonly target?: string;
  readonly ip?: string;
  /** Never a secret: ids, names, reasons. */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly action: string;
  readonly target: string | null;
  readonly ip: string | null;
  readonly detail: Record<string, unknown> | null;
}

export interface AuditStore {
  record(event: AuditEvent): Promise<void>;
  /** The owner's own events, newest first. */
  list(ownerId: string, limit: number): Promise<AuditEntry[]>;
}

export function createAuditStore(db: Kysely<Schema>, clock: Clock): AuditStore {
  return {
    async record(event) {
      await db
        .insertInto('audit_log')
        .values({
          id: newId(),
          at: clock.now().toISOString(),
          actor_id: event.actorId,
          action: event.action,
          target: event.target ?? null,
          ip: event.ip ?? null,
          detail: event.detail ? JSON.stringify(event.detail) : null,
        })
        .execute();
    },
    async list(ownerId, limit) {
      const rows = await db
        .selectFrom('audit_log')
        .select(['id', 'at', 'action', 'target', 'ip', 'detail'])
        .where('actor_id', '=', ownerId)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        ...r,
        detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
      }));
    },
  };
}

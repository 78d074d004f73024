import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Clock } from '../stores/clock.js';
import { SYNC_JOB } from './sync-connector.js';

/** ±10 % per connector, fixed by its id, so connectors added together do not sync together. */
function jitter(id: string): number {
  return 0.9 + (createHash('sha256').update(id).digest()[0] ?? 0) / 255 / 5;
}

export async function enqueueSync(queue: JobQueue, ownerId: string, connectorId: string) {
  return queue.enqueue({ kind: SYNC_JOB, key: `sync:${connectorId}`, ownerId, connectorId, maxAttempts: 6 });
}

/**
 * Every minute, queues a sync for each connector whose last sync is older than the interval
 * (with jitter). Returns a function that stops it.
 */
export function startSyncScheduler(
  db: Kysely<Schema>,
  queue: JobQueue,
  clock: Clock,
  intervalMs: number,
  checkEveryMs = 60_000,
): () => void {
  if (intervalMs <= 0) return () => undefined;
  const tick = async () => {
    const rows = await db
      .selectFrom('connectors')
      .select(['id', 'owner_id', 'last_sync_at', 'status'])
      .where('status', '!=', 'syncing')
      .execute();
    const now = clock.now().getTime();
    for (const row of rows) {
      const last = row.last_sync_at ? Date.parse(row.last_sync_at) : 0;
      if (now - last >= intervalMs * jitter(row.id)) await enqueueSync(queue, row.owner_id, row.id);
    }
  };
  const timer = setInterval(() => void tick().catch(() => undefined), checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}

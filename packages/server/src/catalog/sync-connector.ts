import { linkedSignal, type Connector, type RepositoryInfo, type TagInfo } from '@berth/connectors';
import type { ConnectorService } from '../connectors/connector-service.js';
import { RetryLaterError, type JobHandler } from '../jobs/job-queue.js';
import type { Clock } from '../stores/clock.js';
import { ownedBy, type Stores } from '../stores/stores.js';
import type { CatalogStore } from './catalog-store.js';

export const SYNC_JOB = 'catalog.sync';

/** Repositories (or tags) written per transaction during a sync. */
const WRITE_GROUP_REPOSITORIES = 50;
const WRITE_GROUP_TAGS = 5000;

export interface SyncDeps {
  readonly stores: Stores;
  readonly catalog: CatalogStore;
  readonly connectors: ConnectorService;
  readonly clock: Clock;
  /** Repositories whose tags are listed at once. */
  readonly concurrency?: number;
}

async function all<T>(
  list: (cursor: string | undefined) => Promise<{ items: readonly T[]; next?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

/**
 * The catalog sync of one connector, as a job. Repositories are listed first (so progress has
 * a total), then each repository's complete tag list replaces the stored one in a single
 * transaction; repositories that vanished are removed only after the whole listing succeeded.
 * A sync that fails half-way leaves every stored repository as it was or fully refreshed —
 * never partial — and the connector keeps showing its last good data with the error.
 */
export function createSyncHandler(deps: SyncDeps): JobHandler {
  return async (job, context) => {
    const { connectorId, ownerId } = job;
    if (!connectorId || !ownerId) return;
    const owned = ownedBy(deps.stores, ownerId);
    const record = await owned.connectors.get(connectorId);
    if (!record) return; // deleted meanwhile
    await owned.connectors.setStatus(connectorId, { status: 'syncing' });
    let connector: Connector | undefined;
    const concurrency = Math.max(1, deps.concurrency ?? 4);
    // The sync's own signal: each repository worker has at most a listing request and a
    // metadata fan-out (itself on a linked signal) in flight, so the caller's signal gets one
    // abort listener instead of one per request.
    const linked = linkedSignal(context.signal, concurrency * 2 + 2);
    const signal = linked.signal;
    try {
      connector = deps.connectors.open(owned, record);
      const live = connector;
      const repositories: RepositoryInfo[] = await all((cursor) => live.listRepositories(cursor, signal));
      const progress = { repositoriesDone: 0, repositoriesTotal: repositories.length, tagsDone: 0 };
      await context.reportProgress(progress);
      const present = new Set<string>();
      // Complete repositories are written in groups (one transaction each), in order, while the
      // listing goes on: a listing worker waits for the writes only when two groups are already
      // queued (bounded memory), so on PostgreSQL the listing and the writes overlap.
      let pending: { repository: RepositoryInfo; tags: TagInfo[] }[] = [];
      let pendingTags = 0;
      let queued = 0;
      let writing: Promise<void> = Promise.resolve();
      // The first failure, of the listing or of a write: the workers stop taking repositories.
      // Groups already listed are still written after a listing failure (complete, and a
      // retry then skips them as unchanged), not after a failed write.
      let failure: { error: unknown; write?: true } | undefined;
      const flush = (): Promise<void> => {
        const batch = pending;
        pending = [];
        pendingTags = 0;
        if (batch.length === 0) return writing;
        queued++;
        writing = writing
          .then(async () => {
            if (failure?.write) return;
            await deps.catalog.replaceRepositories(ownerId, connectorId, batch);
            progress.repositoriesDone += batch.length;
            progress.tagsDone += batch.reduce((n, b) => n + b.tags.length, 0);
            await context.reportProgress(progress);
          })
          .catch((error: unknown) => void (failure ??= { error, write: true }))
          .finally(() => void queued--);
        return writing;
      };
      let next = 0;
      const worker = async () => {
        while (next < repositories.length && !failure) {
          const repository = repositories[next++] as RepositoryInfo;
          let tags: TagInfo[];
          try {
            tags = await all((cursor) => live.listTags(repository.name, cursor, signal));
          } catch (error) {
            // Deleted between the two listings: leave it out; it is removed below.
            if ((error as { code?: string }).code === 'not_found') continue;
            failure ??= { error };
            return;
          }
          if (failure) return;
          present.add(repository.name);
          pending.push({ repository, tags });
          pendingTags += tags.length;
          if (pending.length >= WRITE_GROUP_REPOSITORIES || pendingTags >= WRITE_GROUP_TAGS) {
            const written = flush();
            if (queued > 1) await written;
          }
        }
      };
      // Every worker has stopped and every group handed over is written (or failed) before the
      // job's outcome is recorded: nothing of this sync is written after it.
      await Promise.all(Array.from({ length: Math.min(concurrency, repositories.length) }, worker));
      await flush();
      if (failure) throw failure.error;
      await deps.catalog.removeRepositoriesExcept(ownerId, connectorId, present);
      await owned.connectors.setStatus(connectorId, {
        status: 'ok',
        last_error: null,
        last_sync_at: deps.clock.now().toISOString(),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await owned.connectors.setStatus(connectorId, { status: 'error', last_error: message });
      const e = error as { retryable?: boolean; retryAfterMs?: number };
      if (e.retryable) throw new RetryLaterError(message, e.retryAfterMs ?? 30_000, { cause: error });
      throw error;
    } finally {
      linked.release();
      const quota = connector?.rateLimit();
      if (quota) await owned.connectors.setStatus(connectorId, { rate_limit: JSON.stringify(quota) });
      await connector?.close();
    }
  };
}

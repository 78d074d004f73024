import { setMaxListeners } from 'node:events';
import { sql, type Kysely, type Transaction } from 'kysely';
import { engineOf } from '../db/engine.js';
import type { JobsTable, Schema } from '../db/schema.js';
import { newId } from '../crypto/tokens.js';
import type { Clock } from '../stores/clock.js';
import { RetryLaterError, type JobHandler, type JobQueue, type JobRecord, type NewJob } from './job-queue.js';
import { listenForJobs, notifyJobs, type JobListener } from './job-notifications.js';

export interface EmbeddedJobQueueOptions {
  readonly concurrency?: number;
  /** How long a claimed job stays ours without a heartbeat; after that another worker retries it. */
  readonly leaseMs?: number;
  /** How often workers look for due jobs (default 500 ms; 5 s when notifications wake them). */
  readonly pollMs?: number;
  /**
   * PostgreSQL: the database URL on which the workers LISTEN for new and freed jobs (one extra
   * connection per process that runs workers), so they start at once instead of at the next poll.
   */
  readonly notifyUrl?: string;
  /** Backoff for failed attempts (before RetryLaterError's own delay). */
  readonly retryDelayMs?: (attempt: number) => number;
  readonly onError?: (error: unknown, job: JobRecord) => void;
}

function toRecord(row: JobsTable): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    key: row.key,
    ownerId: row.owner_id,
    connectorId: row.connector_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    status: row.status,
    attempts: Number(row.attempts),
    progress: row.progress ? (JSON.parse(row.progress) as Record<string, number>) : null,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Advisory-lock id under which PostgreSQL workers claim jobs one at a time ('berthjob'). */
const CLAIM_LOCK = 0x6265727468n;

/**
 * On PostgreSQL several processes share the table: claims are serialised by a transaction-level
 * advisory lock (so two workers never pick the same job, nor two jobs with the same key), and
 * enqueues of one key by a lock on the key (so identical requests on different processes join
 * one job). SQLite has one writer at a time already.
 */
async function lockFor(tx: Transaction<Schema>, what: 'claim' | { key: string }): Promise<void> {
  if (engineOf(tx) !== 'postgres') return;
  if (what === 'claim') await sql`select pg_advisory_xact_lock(${CLAIM_LOCK.toString()}::bigint)`.execute(tx);
  else await sql`select pg_advisory_xact_lock(hashtext(${what.key}))`.execute(tx);
}

/**
 * The job queue: a table in the database and workers inside this process. On SQLite that is
 * the embedded deployment; on PostgreSQL any number of processes (`berth serve`, `berth worker`)
 * share the table. A job survives a restart or a killed worker: one that was running when its
 * process died is claimed again (by any process) once its lease runs out, and its handler
 * starts over; results become visible only when the handler marks them done. Jobs with the
 * same key never run concurrently.
 */
export function createEmbeddedJobQueue(
  db: Kysely<Schema>,
  clock: Clock,
  options: EmbeddedJobQueueOptions = {},
): JobQueue {
  const concurrency = options.concurrency ?? 2;
  const leaseMs = options.leaseMs ?? 60_000;
  const notifyUrl = engineOf(db) === 'postgres' ? options.notifyUrl : undefined;
  // With notifications the poll is only the safety net: retries whose delay ran out, expired
  // leases, notifications lost while the listener reconnected.
  const pollMs = options.pollMs ?? (notifyUrl ? 5_000 : 500);
  const retryDelay =
    options.retryDelayMs ?? ((attempt: number) => Math.min(60_000 * 2 ** (attempt - 1), 30 * 60_000));
  let handlers: Readonly<Record<string, JobHandler>> = {};
  let running = false;
  let wake: (() => void) | undefined;
  // Set by every nudge; a nudge that comes while the loop is claiming (not sleeping) makes it
  // look again at once instead of sleeping through the job it announced.
  let nudged = false;
  const nudge = () => {
    nudged = true;
    wake?.();
  };
  let listener: JobListener | undefined;
  const active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let loop: Promise<void> | undefined;
  const idleWaiters: (() => void)[] = [];

  const iso = (offsetMs = 0) => new Date(clock.now().getTime() + offsetMs).toISOString();

  async function claim(): Promise<JobRecord | undefined> {
    return db.transaction().execute(async (tx) => {
      await lockFor(tx, 'claim');
      const now = iso();
      const busyKeys = tx
        .selectFrom('jobs')
        .select('key')
        .where('status', '=', 'running')
        .where('locked_until', '>', now);
      const row = await tx
        .selectFrom('jobs')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', now)]),
            // A running job whose lease ran out: its worker died (or the process restarted).
            eb.and([eb('status', '=', 'running'), eb('locked_until', '<=', now)]),
          ]),
        )
        .where('key', 'not in', busyKeys)
        .where('id', 'not in', [...active.keys(), ''])
        .orderBy('run_after')
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst();
      if (!row) return undefined;
      const claimed = {
        status: 'running' as const,
        attempts: Number(row.attempts) + 1,
        locked_until: iso(leaseMs),
        started_at: row.started_at ?? now,
      };
      await tx.updateTable('jobs').set(claimed).where('id', '=', row.id).execute();
      return toRecord({ ...row, ...claimed });
    });
  }

  async function finish(
    job: JobRecord,
    outcome:
      | { status: 'done' }
      | { status: 'failed'; error: string }
      | { status: 'queued'; error: string; delayMs: number },
  ) {
    await db
      .updateTable('jobs')
      .set({
        status: outcome.status,
        locked_until: null,
        error: outcome.status === 'done' ? null : outcome.error,
        ...(outcome.status === 'queued' ? { run_after: iso(outcome.delayMs) } : { finished_at: iso() }),
      })
      .where('id', '=', job.id)
      .execute();
    // Its key is free now (or it is queued again): other processes' workers may take the next one.
    await notifyJobs(db);
  }

  async function run(job: JobRecord, controller: AbortController): Promise<void> {
    // One job's signal goes to many concurrent requests (a sync lists 4 repositories at once,
    // each with several HEADs); each adds an abort listener, which is expected here.
    setMaxListeners(256, controller.signal);
    const heartbeat = setInterval(
      () => {
        void db
          .updateTable('jobs')
          .set({ locked_until: iso(leaseMs) })
          .where('id', '=', job.id)
          .where('status', '=', 'running')
          .execute()
          // The database may be briefly away (a PostgreSQL restart): the next beat renews it.
          .catch(() => undefined);
      },
      Math.max(1000, leaseMs / 3),
    );
    try {
      const handler = handlers[job.kind];
      if (!handler) throw new Error(`no handler for jobs of kind "${job.kind}"`);
      await handler(job, {
        signal: controller.signal,
        reportProgress: async (progress) => {
          await db
            .updateTable('jobs')
            .set({ progress: JSON.stringify(progress) })
            .where('id', '=', job.id)
            .execute();
        },
      });
      await finish(job, { status: 'done' });
    } catch (error) {
      options.onError?.(error, job);
      const message = error instanceof Error ? error.message : String(error);
      const maxAttempts = Number(
        (await db.selectFrom('jobs').select('max_attempts').where('id', '=', job.id).executeTakeFirst())
          ?.max_attempts ?? 1,
      );
      if (controller.signal.aborted) {
        // Shutting down: hand the job back for the next worker.
        await db
          .updateTable('jobs')
          .set({ status: 'queued', locked_until: null })
          .where('id', '=', job.id)
          .execute();
        await notifyJobs(db);
      } else if (
        job.attempts < maxAttempts &&
        (error instanceof RetryLaterError || (error as { retryable?: boolean }).retryable === true)
      ) {
        const delayMs = error instanceof RetryLaterError ? error.delayMs : retryDelay(job.attempts);
        await finish(job, { status: 'queued', error: message, delayMs });
      } else {
        await finish(job, { status: 'failed', error: message });
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function pending(): Promise<number> {
    const { n } = await db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['queued', 'running'])
      .where('run_after', '<=', iso())
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  async function workLoop(): Promise<void> {
    while (running) {
      nudged = false;
      let claimed = false;
      while (running && active.size < concurrency) {
        const job = await claim().catch(() => undefined);
        if (!job) break;
        claimed = true;
        // A job whose outcome could not be recorded (the database went away) keeps its
        // "running" row: its lease runs out and a worker retries it.
        // stop() aborts this controller when the deadline passes: the handler's signal.
        const controller = new AbortController();
        const done = run(job, controller)
          .catch((error: unknown) => options.onError?.(error, job))
          .finally(() => {
            active.delete(job.id);
            nudge();
          });
        active.set(job.id, { controller, done });
      }
      if (
        !claimed &&
        active.size === 0 &&
        idleWaiters.length > 0 &&
        (await pending().catch(() => Number.NaN)) === 0
      ) {
        for (const resolve of idleWaiters.splice(0)) resolve();
      }
      if (nudged) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  return {
    async enqueue(job: NewJob) {
      const record = await db.transaction().execute(async (tx) => {
        await lockFor(tx, { key: job.key });
        const existing = await tx
          .selectFrom('jobs')
          .selectAll()
          .where('key', '=', job.key)
          .where('status', '=', 'queued')
          .executeTakeFirst();
        if (existing) return toRecord(existing);
        const row: JobsTable = {
          id: newId(),
          kind: job.kind,
          key: job.key,
          owner_id: job.ownerId ?? null,
          connector_id: job.connectorId ?? null,
          payload: JSON.stringify(job.payload ?? {}),
          status: 'queued',
          attempts: 0,
          max_attempts: job.maxAttempts ?? 5,
          progress: null,
          error: null,
          run_after: iso(),
          locked_until: null,
          created_at: iso(),
          started_at: null,
          finished_at: null,
        };
        await tx.insertInto('jobs').values(row).execute();
        // Sent when the transaction commits.
        await notifyJobs(tx);
        return toRecord(row);
      });
      nudge();
      return record;
    },
    async expedite(key) {
      const now = iso();
      const result = await db
        .updateTable('jobs')
        .set({ run_after: now })
        .where('key', '=', key)
        .where('status', '=', 'queued')
        .where('run_after', '>', now)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await notifyJobs(db);
      nudge();
      return true;
    },
    async get(id) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },
    start(h) {
      if (running) return;
      handlers = h;
      running = true;
      if (notifyUrl) listener = listenForJobs(notifyUrl, nudge);
      loop = workLoop();
    },
    async stop(deadlineMs = 10_000) {
      running = false;
      wake?.();
      await loop;
      await listener?.close();
      listener = undefined;
      const all = [...active.values()];
      const timer = setTimeout(() => all.forEach((a) => a.controller.abort()), deadlineMs);
      await Promise.allSettled(all.map((a) => a.done));
      clearTimeout(timer);
    },
    idle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        nudge();
      });
    },
  };
}

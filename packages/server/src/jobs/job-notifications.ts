import { sql, type Kysely, type Transaction } from 'kysely';
import pg from 'pg';
import { engineOf } from '../db/engine.js';
import type { Schema } from '../db/schema.js';

/** The PostgreSQL channel on which processes say "there may be a job for you". */
export const JOBS_CHANNEL = 'berth_jobs';

/**
 * Tells the workers of every process that a job became claimable (queued, finished — which
 * frees its key — or handed back). PostgreSQL only; inside a transaction the notification is
 * sent when it commits. A notification that cannot be sent is not an error: the workers'
 * polling finds the job a little later.
 */
export async function notifyJobs(db: Kysely<Schema> | Transaction<Schema>): Promise<void> {
  if (engineOf(db) !== 'postgres') return;
  await sql`select pg_notify(${JOBS_CHANNEL}, '')`.execute(db).catch(() => undefined);
}

export interface JobListener {
  close(): Promise<void>;
}

/**
 * A dedicated connection (outside the pool) that LISTENs on the jobs channel and calls `onNotify`
 * for every notification, and once after every (re)connection: whatever was queued while it
 * was away is due now. When the connection drops (a PostgreSQL restart) it reconnects after
 * 1 s, backing off to 30 s; its errors never escape (polling still finds the jobs meanwhile).
 */
export function listenForJobs(url: string, onNotify: () => void): JobListener {
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delayMs = 1000;

  function retry(failed: pg.Client): void {
    if (closed || client !== failed) return;
    client = undefined;
    failed.end().catch(() => undefined);
    timer = setTimeout(() => void connect(), delayMs);
    delayMs = Math.min(delayMs * 2, 30_000);
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client({ connectionString: url, application_name: 'berth-jobs' });
    client = c;
    c.on('error', () => retry(c));
    c.on('end', () => retry(c));
    c.on('notification', () => onNotify());
    try {
      await c.connect();
      await c.query(`listen ${JOBS_CHANNEL}`);
    } catch {
      retry(c);
      return;
    }
    if (client !== c) {
      // Closed while connecting.
      await c.end().catch(() => undefined);
      return;
    }
    delayMs = 1000;
    onNotify();
  }

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRuntime, type JobRecord, type Runtime } from '@berth/server';
import { createEmbeddedJobQueue } from '../src/jobs/embedded-job-queue.js';
import type { JobQueue } from '../src/jobs/job-queue.js';
import { TEST_ENGINE, testDatabaseEnv } from './harness.js';

// Workers wake for new and freed jobs without waiting for their poll: the poll interval here is
// far longer than the test's timeout, so only a wake-up can make these jobs run. On PostgreSQL
// the job is queued on another "process" (a runtime with its own pool, as `berth serve
// --no-worker` is) and the wake-up is a NOTIFY; on SQLite, the embedded deployment, one process
// queues and runs.

const NEVER_MS = 10 * 60_000;
const dataDir = mkdtempSync(join(tmpdir(), 'berth-jobs-notify-'));
const opened: Runtime[] = [];
const queues: JobQueue[] = [];

async function process_(): Promise<Runtime> {
  if (TEST_ENGINE === 'sqlite' && opened[0]) return opened[0];
  const runtime = await openRuntime({
    env: { BERTH_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)) },
  });
  opened.push(runtime);
  return runtime;
}

function queueOf(runtime: Runtime): JobQueue {
  const queue = createEmbeddedJobQueue(runtime.db, runtime.clock, {
    pollMs: NEVER_MS,
    ...(runtime.config.databaseUrl ? { notifyUrl: runtime.config.databaseUrl } : {}),
  });
  queues.push(queue);
  return queue;
}

afterAll(async () => {
  await Promise.all(queues.map((q) => q.stop(100)));
  await Promise.all(opened.map((r) => r.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`job queue wake-ups (${TEST_ENGINE})`, () => {
  it('a worker takes a job queued elsewhere at once, and the next job of its key when the first one finishes', async () => {
    const worker = queueOf(await process_());
    const api = TEST_ENGINE === 'postgres' ? queueOf(await process_()) : worker;
    const ran: string[] = [];
    let release: () => void = () => undefined;
    const holding = new Promise<void>((r) => (release = r));
    worker.start({
      'test.notify': async (job: JobRecord) => {
        ran.push(job.payload.name as string);
        if (job.payload.name === 'first') await holding;
      },
    });
    // Let the worker's first look at the table pass: from now on only a wake-up can start a job.
    await new Promise((r) => setTimeout(r, 300));

    const first = await api.enqueue({ kind: 'test.notify', key: 'k', payload: { name: 'first' } });
    await expect.poll(() => ran, { timeout: 20_000 }).toEqual(['first']);
    // Same key: it waits while the first one runs, and starts when that one finishes.
    const second = await api.enqueue({ kind: 'test.notify', key: 'k', payload: { name: 'second' } });
    release();
    await expect.poll(async () => (await api.get(second.id))?.status, { timeout: 20_000 }).toBe('done');
    expect(ran).toEqual(['first', 'second']);
    expect((await api.get(first.id))?.status).toBe('done');
  });
});

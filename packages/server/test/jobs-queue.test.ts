import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openRuntime, RetryLaterError, type JobRecord, type Runtime } from '@berth/server';
import { createEmbeddedJobQueue } from '../src/jobs/embedded-job-queue.js';
import type { JobQueue } from '../src/jobs/job-queue.js';
import { TEST_ENGINE, testDatabaseEnv } from './harness.js';

// The job queue on the engine under test, with several workers sharing one database. On
// PostgreSQL each "process" is a runtime with its own pool, as `berth serve` and `berth worker`
// are; SQLite is the embedded, single-process deployment, so its workers share one runtime
// (another process only takes over after the first one died).

const dataDir = mkdtempSync(join(tmpdir(), 'berth-jobs-'));
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

function queueOf(runtime: Runtime, leaseMs = 60_000): JobQueue {
  const queue = createEmbeddedJobQueue(runtime.db, runtime.clock, { pollMs: 10, leaseMs, concurrency: 3 });
  queues.push(queue);
  return queue;
}

afterAll(async () => {
  await Promise.all(queues.map((q) => q.stop(100)));
  await Promise.all(opened.map((r) => r.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`job queue with several workers on one database (${TEST_ENGINE})`, () => {
  it('runs on the engine under test', async () => {
    expect((await process_()).engine).toBe(TEST_ENGINE);
  });

  it('joins identical requests made on different processes into one job', async () => {
    const [a, b] = [await process_(), await process_()];
    const [qa, qb] = [queueOf(a), queueOf(b)];
    const jobs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? qa : qb).enqueue({ kind: 'test.once', key: 'profile:sha256:same', payload: { i } }),
      ),
    );
    expect(new Set(jobs.map((j) => j.id)).size).toBe(1);
    const rows = await a.db
      .selectFrom('jobs')
      .select('id')
      .where('key', '=', 'profile:sha256:same')
      .execute();
    expect(rows).toHaveLength(1);
    await a.db.deleteFrom('jobs').where('kind', '=', 'test.once').execute();
  });

  it('runs each job exactly once across workers, and never two jobs of one key at once', async () => {
    const [a, b] = [await process_(), await process_()];
    const [qa, qb] = [queueOf(a), queueOf(b)];
    const runs = new Map<string, number>();
    const runningKeys = new Set<string>();
    let overlap = 0;
    const handler = async (job: JobRecord) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      if (runningKeys.has(job.key)) overlap++;
      runningKeys.add(job.key);
      await new Promise((r) => setTimeout(r, 15));
      runningKeys.delete(job.key);
    };
    qa.start({ 'test.count': handler });
    qb.start({ 'test.count': handler });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      // Some of these join a queued job of their key, others queue behind a running one.
      const job = await (i % 2 ? qa : qb).enqueue({ kind: 'test.count', key: `k${i % 5}`, payload: { i } });
      ids.push(job.id);
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await qa.idle();
    await qb.idle();
    const unique = [...new Set(ids)];
    for (const id of unique) expect(runs.get(id)).toBe(1);
    expect(overlap).toBe(0);
    const states = await a.db.selectFrom('jobs').select('status').where('kind', '=', 'test.count').execute();
    expect(states.every((s) => s.status === 'done')).toBe(true);
    await Promise.all([qa.stop(), qb.stop()]);
  });

  it('brings a job waiting out a retry delay forward when the same work is asked for again', async () => {
    const a = await process_();
    const qa = queueOf(a);
    const attempts: number[] = [];
    let failedOnce!: () => void;
    const firstAttempt = new Promise<void>((resolve) => (failedOnce = resolve));
    qa.start({
      'test.retry': (job) => {
        attempts.push(job.attempts);
        if (attempts.length > 1) return Promise.resolve();
        setTimeout(failedOnce, 50);
        // As an unreachable registry does: an hour before the next try.
        return Promise.reject(new RetryLaterError('registry unreachable', 3_600_000));
      },
    });
    // Nothing waits under this key: nothing is brought forward, and no job is made.
    expect(await qa.expedite('profile:sha256:none')).toBe(false);
    const job = await qa.enqueue({ kind: 'test.retry', key: 'profile:sha256:retry' });
    await firstAttempt;
    const waiting = await qa.get(job.id);
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1, error: 'registry unreachable' });
    expect(await qa.expedite('profile:sha256:retry')).toBe(true);
    await qa.idle();
    expect(await qa.get(job.id)).toMatchObject({ status: 'done', attempts: 2 });
    expect(attempts).toHaveLength(2);
    // Done jobs are not run again by it.
    expect(await qa.expedite('profile:sha256:retry')).toBe(false);
    const none = await a.db
      .selectFrom('jobs')
      .select('id')
      .where('key', '=', 'profile:sha256:none')
      .execute();
    expect(none).toEqual([]);
    await qa.stop();
  });

  it('retries on another worker the job of a worker killed mid-job; its partial work is not complete', async () => {
    const a = await process_();
    const qa = queueOf(a);
    // Queued before the worker starts: on SQLite, only one process writes at a time.
    const job = await qa.enqueue({ kind: 'test.hang', key: 'analysis:killed' });
    const env = {
      ...process.env,
      BERTH_DATA_DIR: dataDir,
      ...(await testDatabaseEnv(dataDir)),
      TEST_LEASE_MS: '800',
    };
    const child = spawn(
      process.execPath,
      [
        '--conditions=berth-source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/queue-worker.ts', import.meta.url)),
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const claimed = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const id = /claimed (\S+)/.exec(out)?.[1];
        if (id) resolve(id);
      });
      child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${err}`)));
    });
    const id = await claimed;
    expect(id).toBe(job.id);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // Killed mid-job: the job is still "running" under the dead worker's lease, not done.
    expect(await qa.get(job.id)).toMatchObject({
      status: 'running',
      progress: { step: 1 },
      finishedAt: null,
    });
    let attempts = 0;
    qa.start({
      'test.hang': async (record) => {
        attempts = record.attempts;
        await Promise.resolve();
      },
    });
    await qa.idle();
    const done = await qa.get(job.id);
    expect(done).toMatchObject({ status: 'done', attempts: 2 });
    expect(attempts).toBe(2);
    await qa.stop();
  });

  it('hands a running job back when stopping past the deadline, and another worker completes it', async () => {
    const [a, b] = [await process_(), await process_()];
    const stopping = queueOf(a);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    stopping.start({
      'test.long': (_job, context) =>
        new Promise<void>((_resolve, reject) => {
          started();
          context.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    const job = await stopping.enqueue({ kind: 'test.long', key: 'analysis:handed-back' });
    await running;
    await stopping.stop(50);
    expect(await stopping.get(job.id)).toMatchObject({ status: 'queued', finishedAt: null });
    const other = queueOf(b);
    other.start({ 'test.long': () => Promise.resolve() });
    await other.idle();
    expect(await other.get(job.id)).toMatchObject({ status: 'done', attempts: 2 });
    await other.stop();
  });
});

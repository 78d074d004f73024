import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startPostgres,
  startRegistry,
  type OciLayout,
  type RunningPostgres,
  type RunningRegistry,
} from '@berth/testkit';
import { spawn, type ChildProcess } from 'node:child_process';
import { berthCommandLine, runBerth } from './run-berth.js';
import { until } from './berth-process.js';

// Scale-out with real processes: one `berth serve --no-worker` (API only) and two
// `berth worker`s sharing a throw-away PostgreSQL database.

let postgres: RunningPostgres;
let registry: RunningRegistry;
let layout: OciLayout;
let env: Record<string, string>;
let db: pg.Pool;
const dirs: string[] = [];
const running: Live[] = [];

/** A long-running `berth` process whose output and exit can be watched while it runs. */
interface Live {
  readonly child: ChildProcess;
  stderr(): string;
  exitCode(): number | null;
  kill(signal?: NodeJS.Signals): void;
}

async function startBerth(
  args: readonly string[],
  extra: Record<string, string>,
  ready: RegExp,
): Promise<Live> {
  const child = spawn('sh', ['-c', `exec ${berthCommandLine(args)}`], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extra },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let code: number | null = null;
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('exit', (c, signal) => (code = c ?? (signal ? 128 : 1)));
  const live: Live = {
    child,
    stderr: () => stderr,
    exitCode: () => code,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
  };
  running.push(live);
  await until(
    `berth ${args.join(' ')}`,
    () => {
      if (code !== null) throw new Error(`berth ${args.join(' ')} exited with ${code}: ${stderr}`);
      return ready.test(stderr) ? true : undefined;
    },
    90_000,
  );
  return live;
}

const IMAGES = ['one', 'two', 'three', 'four'];
let base = '';
let session = '';
let connectorId = '';

beforeAll(async () => {
  [postgres, registry, layout] = await Promise.all([
    startPostgres(),
    startRegistry({ auth: 'none' }),
    createLayout(),
  ]);
  for (const [i, name] of IMAGES.entries()) {
    await layout.addImage(name, {
      layers: [
        {
          createdBy: `ADD ${name}`,
          entries: [{ type: 'file', path: `srv/${name}.txt`, content: `${name} ${i}\n` }],
        },
      ],
    });
    await pushImage(layout, name, registry, `team/${name}:1`);
  }
  const url = await postgres.createDatabase('cli_worker');
  db = new pg.Pool({ connectionString: url, max: 2 });
  // The cluster shuts down after the tests: an idle client of this pool hears it (57P01); queries still fail loudly.
  db.on('error', () => {});
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-worker-'));
  dirs.push(dataDir);
  env = {
    BERTH_DATABASE_URL: url,
    BERTH_MASTER_KEY: randomBytes(32).toString('base64'),
    BERTH_DATA_DIR: dataDir,
    BERTH_LOG_LEVEL: 'silent',
  };
});

afterAll(async () => {
  for (const run of running) if (run.exitCode() === null) run.kill('SIGKILL');
  await db?.end();
  await Promise.all([postgres?.stop(), registry?.stop(), layout?.remove()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function call<T>(base: string, method: string, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(cookie
        ? { cookie: cookie.split(';')[0] ?? '', 'x-csrf-token': cookie.split(';csrf=')[1] ?? '' }
        : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T, setCookie: res.headers.get('set-cookie') };
}

describe('berth worker', () => {
  it('refuses to start without BERTH_DATABASE_URL, in one line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-worker-'));
    dirs.push(dataDir);
    const run = await runBerth(['worker'], { BERTH_DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^berth: berth worker needs BERTH_DATABASE_URL \(PostgreSQL\)/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a bad --grace as a usage error', async () => {
    const run = await runBerth(['worker', '--grace', 'soon'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--grace must be a whole number of seconds from 0 to 3600, got "soon"');
  });

  it('runs the jobs an API-only server queues; identical analyses run once; SIGTERM stops it cleanly', async () => {
    const api = await startBerth(['serve', '--no-worker'], { ...env, BERTH_PORT: '0' }, /listening on/);
    expect(api.stderr()).toContain('(API only, no jobs)');
    base = /listening on (\S+)/.exec(api.stderr())?.[1] ?? '';
    const signup = await call<{ csrfToken: string }>(base, 'POST', '/auth/signup', {
      email: 'ops@example.com',
      password: 'ops password 1',
    });
    expect(signup.status).toBe(201);
    session = `${signup.setCookie ?? ''};csrf=${signup.body.csrfToken}`;
    const created = await call<{ id: string }>(
      base,
      'POST',
      '/connectors',
      { platform: 'generic', name: 'Local', config: { endpoint: registry.url } },
      session,
    );
    expect(created.status).toBe(201);
    connectorId = created.body.id;
    // No worker yet: the sync stays queued.
    await new Promise((r) => setTimeout(r, 500));
    expect(
      (await db.query<{ status: string }>("select status from jobs where kind = 'catalog.sync'")).rows,
    ).toEqual([{ status: 'queued' }]);

    const workers = await Promise.all(
      [1, 2].map(() => startBerth(['worker', '--grace', '5'], env, /worker running/)),
    );
    expect(workers[0]?.stderr()).toContain('berth worker running (jobs only, postgres)');
    await until('the sync', async () => {
      const c = await call<{ status: string; repositoryCount: number }>(
        base,
        'GET',
        `/connectors/${created.body.id}`,
        undefined,
        session,
      );
      return c.body.status === 'ok' ? c.body : undefined;
    });

    // 21 concurrent profile requests for 3 distinct images, through the one API.
    const requests = Array.from({ length: 21 }, (_, i) => IMAGES[i % 3] as string);
    const answers = await Promise.all(
      requests.map((name) =>
        call<{ id: string }>(
          base,
          'POST',
          '/profiles',
          { image: { connectorId: created.body.id, repository: `team/${name}`, reference: '1' } },
          session,
        ),
      ),
    );
    expect(answers.every((a) => a.status === 200 || a.status === 202)).toBe(true);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(3);
    for (const id of new Set(answers.map((a) => a.body.id)))
      await until(`profile ${id}`, async () => {
        const state = await call<{ status: string }>(base, 'GET', `/profiles/${id}`, undefined, session);
        if (state.body.status === 'failed') throw new Error(JSON.stringify(state.body));
        return state.body.status === 'done' ? state.body : undefined;
      });
    const jobs = await db.query<{ key: string; status: string; attempts: number }>(
      "select key, status, attempts from jobs where kind = 'profile.analyze' order by key",
    );
    expect(jobs.rows).toHaveLength(3);
    expect(jobs.rows.every((j) => j.status === 'done' && j.attempts === 1)).toBe(true);

    // SIGTERM: each worker stops taking jobs, closes its pool and exits 0.
    for (const worker of workers) worker.kill();
    const exits = await until('the workers to exit', () =>
      workers.every((w) => w.exitCode() !== null) ? workers.map((w) => w.exitCode()) : undefined,
    );
    expect(exits).toEqual([0, 0]);
    expect(workers[0]?.stderr()).toContain('SIGTERM: stopping');
  });

  it('finishes on another worker the analysis of a worker killed with SIGKILL; nothing partial shows as done', async () => {
    // Hold the layer-results table so the analysis stops right in the middle, deterministically:
    // the worker has marked the profile running and analysed the layer, but cannot store it.
    const holder = await db.connect();
    await holder.query('begin');
    await holder.query('lock table layer_results in exclusive mode');
    const doomed = await startBerth(['worker', '--lease', '2'], env, /worker running/);
    const requested = await call<{ id: string }>(
      base,
      'POST',
      '/profiles',
      { image: { connectorId, repository: 'team/four', reference: '1' } },
      session,
    );
    expect(requested.status).toBe(202);
    await until('the worker to be stuck mid-analysis', async () => {
      const waiting = await db.query(
        "select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%layer_results%'",
      );
      return waiting.rowCount ? true : undefined;
    });
    doomed.kill('SIGKILL');
    await until('the worker to die', () => (doomed.exitCode() !== null ? true : undefined));
    await holder.query('rollback');
    holder.release();
    const midway = await call<{ status: string; profile?: unknown }>(
      base,
      'GET',
      `/profiles/${requested.body.id}`,
      undefined,
      session,
    );
    expect(midway.body.status).toBe('running');
    expect(midway.body.profile).toBeUndefined();

    // Another worker takes the job over once the dead one's lease has run out, and completes it.
    const rescuer = await startBerth(['worker'], env, /worker running/);
    const done = await until('the profile', async () => {
      const state = await call<{ status: string; profile?: { layers: unknown[] } }>(
        base,
        'GET',
        `/profiles/${requested.body.id}`,
        undefined,
        session,
      );
      if (state.body.status === 'failed') throw new Error(JSON.stringify(state.body));
      return state.body.status === 'done' ? state.body : undefined;
    });
    expect(done.profile?.layers).toHaveLength(1);
    const job = await db.query<{ status: string; attempts: number }>(
      "select status, attempts from jobs where kind = 'profile.analyze' and key like '%' || $1",
      [
        (
          await db.query<{ manifest_digest: string }>('select manifest_digest from profiles where id = $1', [
            requested.body.id,
          ])
        ).rows[0]?.manifest_digest,
      ],
    );
    expect(job.rows).toEqual([{ status: 'done', attempts: 2 }]);
    rescuer.kill();
    await until('the rescuer to exit', () => (rescuer.exitCode() !== null ? true : undefined));
    expect(rescuer.exitCode()).toBe(0);
  });
});

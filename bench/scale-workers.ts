// `npm run bench` (scale-out, workers): 10 distinct small images in the testkit's real registry;
// 20 concurrent `POST /api/v1/profiles` (each image twice, once by each of two users, each with
// their own connector to the registry) against
//   - PostgreSQL: one `berth serve --no-worker` and two `berth worker` processes;
//   - the baseline: one SQLite `berth serve` (its embedded worker), in the same run;
// real processes from the compiled CLI. Measured: the time from the first request until every
// profile is `done`. Proof of exactly-once: the jobs table, which the queue really writes —
// one `profile.analyze` row per manifest digest (its key) and `attempts`, which every claim of
// the job increments (a handler never runs without a claim). Each image must have exactly one
// row with attempts = 1; otherwise the benchmark fails loudly. The configurations alternate,
// BENCH_SCALE_WORKER_RUNS times (default 3), each on a fresh database; medians are reported.
// Results: bench/results/scale-workers.json. BENCH_SKIP_BUILD=1 reuses the compiled CLI.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRuntime } from '@berth/server';
import {
  createLayout,
  pushImage,
  startPostgres,
  startRegistry,
  type BuiltImage,
  type RunningPostgres,
  until,
} from '@berth/testkit';
import {
  buildCli,
  loadAverage,
  machine,
  postgresCpuSeconds,
  root,
  startBerth,
  type BerthProcess,
} from './scale-processes.js';
import { median } from './stats.js';

const RUNS = Number(process.env.BENCH_SCALE_WORKER_RUNS ?? 3);
const IMAGES = 10;
const USERS = 2;

interface Analyses {
  readonly image: string;
  readonly digest: string;
  /** Rows of the jobs table for this manifest digest (kind profile.analyze). */
  readonly jobs: number;
  /** Claims of those jobs: each claim runs the handler (the analysis) once. */
  readonly attempts: number;
  readonly status: string;
}

interface RunResult {
  readonly config: 'sqlite' | 'postgres';
  readonly totalMs: number;
  readonly distinctProfiles: number;
  readonly analyses: Analyses[];
  readonly cpuSeconds: Record<string, number>;
}

async function api<T>(
  base: string,
  method: string,
  path: string,
  auth: { token?: string; cookie?: string; csrf?: string },
  body?: unknown,
): Promise<{ status: number; body: T; setCookie: string | null }> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
      ...(auth.cookie ? { cookie: auth.cookie, 'x-csrf-token': auth.csrf ?? '' } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    setCookie: res.headers.get('set-cookie'),
  };
}

/** Waits of the benchmark: generous, and polled often (a poll's delay is part of a measured time). */
const WAIT_MS = 120_000;

/** A user with an API token and a connector to the registry, synced. */
async function user(base: string, n: number, registryUrl: string) {
  const signup = await api<{ csrfToken: string }>(
    base,
    'POST',
    '/auth/signup',
    {},
    {
      email: `user${n}@example.com`,
      password: `bench password ${n}`,
    },
  );
  const cookie = (signup.setCookie ?? '').split(';')[0] ?? '';
  const { body: created } = await api<{ token: string }>(
    base,
    'POST',
    '/tokens',
    { cookie, csrf: signup.body.csrfToken },
    { name: 'bench' },
  );
  const token = created.token;
  const { body: connector } = await api<{ id: string }>(
    base,
    'POST',
    '/connectors',
    { token },
    {
      platform: 'generic',
      name: 'Local',
      config: { endpoint: registryUrl },
      credentials: {},
    },
  );
  // Creating a connector queues its first sync: let it finish before the measured part.
  await until(
    'the first sync',
    async () => {
      const { body } = await api<{ lastSyncAt: string | null; status: string }>(
        base,
        'GET',
        `/connectors/${connector.id}`,
        { token },
      );
      if (body.status === 'error') throw new Error(`sync failed: ${JSON.stringify(body)}`);
      return body.lastSyncAt ? true : undefined;
    },
    WAIT_MS,
    20,
  );
  return { token, connectorId: connector.id };
}

async function runConfig(
  config: 'sqlite' | 'postgres',
  postgres: RunningPostgres,
  registryUrl: string,
  images: BuiltImage[],
): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-scale-workers-'));
  const env: Record<string, string> = {
    BERTH_DATA_DIR: dataDir,
    BERTH_MASTER_KEY: randomBytes(32).toString('base64'),
    BERTH_SYNC_INTERVAL: '0',
    BERTH_LOG_LEVEL: 'warn',
    ...(config === 'postgres' ? { BERTH_DATABASE_URL: await postgres.createDatabase('scale_workers') } : {}),
  };
  const processes: Record<string, BerthProcess> = {};
  try {
    if (config === 'sqlite') {
      processes.serve = await startBerth(['serve'], { ...env, BERTH_PORT: '0' });
    } else {
      processes['serve --no-worker'] = await startBerth(['serve', '--no-worker'], {
        ...env,
        BERTH_PORT: '0',
      });
      const [a, b] = await Promise.all([startBerth(['worker'], env), startBerth(['worker'], env)]);
      processes['worker 1'] = a;
      processes['worker 2'] = b;
    }
    const base = Object.values(processes)[0]?.url ?? '';
    const users: { token: string; connectorId: string }[] = [];
    for (let n = 0; n < USERS; n++) users.push(await user(base, n, registryUrl));
    const cpuBefore = Object.fromEntries(Object.entries(processes).map(([k, p]) => [k, p.cpuSeconds()]));
    const pgBefore = config === 'postgres' ? postgresCpuSeconds(postgres.dataDir) : 0;

    const started = performance.now();
    const requests = Array.from({ length: IMAGES * USERS }, (_, i) => ({
      image: Math.floor(i / USERS),
      user: users[i % USERS] as { token: string; connectorId: string },
    }));
    const answers = await Promise.all(
      requests.map(async (r) => {
        const { body } = await api<{ id: string; status: string }>(
          base,
          'POST',
          '/profiles',
          { token: r.user.token },
          { image: { connectorId: r.user.connectorId, repository: `bench/app-${r.image}`, reference: '1' } },
        );
        return { ...r, id: body.id };
      }),
    );
    // Each distinct profile is polled every 100 ms (polling all 20 answers flat out would load
    // the API process more than the analyses do).
    const distinct = [...new Map(answers.map((a) => [a.id, a])).values()];
    await Promise.all(
      distinct.map((a) =>
        until(
          `profile of app-${a.image}`,
          async () => {
            const { body } = await api<{ status: string; error?: string }>(base, 'GET', `/profiles/${a.id}`, {
              token: a.user.token,
            });
            if (body.status === 'failed') throw new Error(`profile of app-${a.image} failed: ${body.error}`);
            return body.status === 'done' ? true : undefined;
          },
          WAIT_MS,
          100,
        ),
      ),
    );
    const totalMs = performance.now() - started;
    const cpuSeconds = Object.fromEntries(
      Object.entries(processes).map(([k, p]) => [
        k,
        Number((p.cpuSeconds() - (cpuBefore[k] ?? 0)).toFixed(2)),
      ]),
    );
    if (config === 'postgres')
      cpuSeconds.postgresql = Number((postgresCpuSeconds(postgres.dataDir) - pgBefore).toFixed(2));
    for (const p of Object.values(processes)) await p.stop();

    // What the queue recorded, read with Berth's own database layer (either engine).
    const runtime = await openRuntime({ env });
    let rows;
    try {
      rows = await runtime.db
        .selectFrom('jobs')
        .select((eb) => [
          'key',
          eb.fn.countAll<number>().as('jobs'),
          eb.fn.sum<number>('attempts').as('attempts'),
          eb.fn.min('status').as('status'),
        ])
        .where('kind', '=', 'profile.analyze')
        .groupBy('key')
        .execute();
    } finally {
      await runtime.close();
    }
    const analyses = images.map((image, i): Analyses => {
      const row = rows.find((r) => r.key === `profile:${image.manifestDigest}`);
      return {
        image: `bench/app-${i}:1`,
        digest: image.manifestDigest,
        jobs: Number(row?.jobs ?? 0),
        attempts: Number(row?.attempts ?? 0),
        status: String(row?.status ?? 'none'),
      };
    });
    return {
      config,
      totalMs,
      distinctProfiles: new Set(answers.map((a) => a.id)).size,
      analyses,
      cpuSeconds,
    };
  } finally {
    await Promise.all(Object.values(processes).map((p) => p.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  buildCli();
  const [registry, layout, postgres] = await Promise.all([
    startRegistry({ auth: 'none' }),
    createLayout(),
    startPostgres(),
  ]);
  try {
    // Ten distinct small images: a layer of 200 text files and one of a 2 MiB binary each.
    const images: BuiltImage[] = [];
    for (let i = 0; i < IMAGES; i++) {
      const image = await layout.addImage(`app-${i}`, {
        layers: [
          {
            createdBy: `COPY docs /usr/share/doc/app-${i}`,
            entries: Array.from({ length: 200 }, (_, f) => ({
              type: 'file' as const,
              path: `usr/share/doc/app-${i}/file${f}.txt`,
              content: `app ${i}, file ${f}: some documentation text\n`.repeat(40),
            })),
          },
          {
            createdBy: `COPY app-${i} /usr/local/bin/`,
            entries: [
              { type: 'file' as const, path: `usr/local/bin/app-${i}`, content: randomBytes(2 << 20) },
            ],
          },
        ],
        config: { entrypoint: [`/usr/local/bin/app-${i}`] },
      });
      await pushImage(layout, `app-${i}`, registry, `bench/app-${i}:1`);
      images.push(image);
    }
    // The registry itself, not the recording proxy that lives in this process.
    const registryUrl = `http://${registry.pushHost}`;
    console.log(
      `scale-workers: ${IMAGES} images pushed; ${IMAGES * USERS} concurrent profile requests per run`,
    );

    const loadBefore = loadAverage();
    const results: RunResult[] = [];
    for (let run = 0; run < RUNS; run++) {
      for (const config of ['sqlite', 'postgres'] as const) {
        const result = await runConfig(config, postgres, registryUrl, images);
        results.push(result);
        const wrong = result.analyses.filter((a) => a.jobs !== 1 || a.attempts !== 1 || a.status !== 'done');
        console.log(
          `  run ${run + 1} ${config.padEnd(8)} ${Math.round(result.totalMs)} ms; analyses per image ${result.analyses.map((a) => a.attempts).join(' ')}; CPU s ${JSON.stringify(result.cpuSeconds)}`,
        );
        if (wrong.length > 0 || result.distinctProfiles !== IMAGES)
          throw new Error(
            `NOT exactly once (${config}, run ${run + 1}): ${result.distinctProfiles} distinct profiles for ${IMAGES} images; ${JSON.stringify(wrong)}`,
          );
      }
    }
    const loadAfter = loadAverage();
    const ms = (config: string) => results.filter((r) => r.config === config).map((r) => r.totalMs);
    const sqliteMs = median(ms('sqlite'));
    const postgresMs = median(ms('postgres'));
    const last = results.at(-1) as RunResult;
    console.log(
      `\n${IMAGES * USERS} concurrent profile requests for ${IMAGES} distinct images, median of ${RUNS} runs`,
    );
    console.log(`  SQLite, 1 berth serve (embedded worker):              ${Math.round(sqliteMs)} ms`);
    console.log(`  PostgreSQL, 1 serve --no-worker + 2 berth worker:     ${Math.round(postgresMs)} ms`);
    console.log(`  PostgreSQL / SQLite: ${(postgresMs / sqliteMs).toFixed(2)}×`);
    console.log('  analyses per image (jobs rows × claims), last PostgreSQL run:');
    for (const a of last.analyses)
      console.log(`    ${a.image.padEnd(16)} ${a.digest.slice(0, 19)}…  ${a.attempts}`);
    console.log(
      `  exactly once in every run and configuration ✓ (2 cores shared with other work; load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')})`,
    );

    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(
      join(root, 'bench/results/scale-workers.json'),
      `${JSON.stringify(
        {
          benchmark: `${IMAGES * USERS} concurrent POST /profiles (${IMAGES} distinct images, each asked by ${USERS} users) until every profile is done; real processes from the compiled CLI`,
          machine: machine(),
          loadAverage: { before: loadBefore, after: loadAfter },
          runs: RUNS,
          images: {
            count: IMAGES,
            layers: 2,
            compressedBytes: images.map((i) => i.layers.reduce((n, l) => n + l.size, 0)),
          },
          exactlyOnceProof:
            'jobs table: one profile.analyze row per manifest digest with attempts = 1 (every claim, hence every analysis, increments attempts), in every run of both configurations',
          sqlite: {
            processes: 'berth serve (embedded worker, 2 jobs at a time)',
            medianMs: Math.round(sqliteMs),
            samplesMs: ms('sqlite').map(Math.round),
          },
          postgres: {
            processes: 'berth serve --no-worker + 2 × berth worker (2 jobs at a time each)',
            medianMs: Math.round(postgresMs),
            samplesMs: ms('postgres').map(Math.round),
          },
          ratioPostgresToSqlite: Number((postgresMs / sqliteMs).toFixed(2)),
          runsDetail: results.map((r) => ({
            config: r.config,
            totalMs: Math.round(r.totalMs),
            distinctProfiles: r.distinctProfiles,
            cpuSeconds: r.cpuSeconds,
            analyses: r.analyses,
          })),
          date: new Date().toISOString(),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await Promise.all([registry.stop(), layout.remove(), postgres.stop()]);
  }
}

await main();

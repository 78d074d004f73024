// `npm run bench` (scale-out, API load): a 100,000-tag catalog (2,000 repositories × 50 tags,
// synced through the Hub-style fake of bench/catalog-fixture.ts) served by real `berth serve`
// processes (the compiled CLI), loaded by autocannon from a separate process on loopback:
//   GET /api/v1/tree, GET /api/v1/connectors/:id/tags (several repositories, first pages, cursor
//   pages, a reference filter), GET /api/v1/search?q= (varied words), with an API token.
// Configurations: SQLite with one `berth serve`; PostgreSQL with one `berth serve --no-worker`;
// PostgreSQL with two (one autocannon instance whose connections are spread evenly over the two
// ports: autocannon's multi-URL mode). The configurations alternate within each run; each figure
// is the median of BENCH_SCALE_RUNS runs. Results: bench/results/scale-api.json.
// BENCH_SKIP_BUILD=1 reuses the compiled CLI; BENCH_SCALE_DURATION (s), BENCH_SCALE_CONNECTIONS.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyncHandler, ownedBy, startServer } from '@berth/server';
import { startPostgres, type RunningPostgres } from '@berth/testkit';
import { hubApi, registryApi, SEARCH_WORDS, syncJob } from './catalog-fixture.js';
import {
  buildCli,
  loadAverage,
  machine,
  postgresCpuSeconds,
  processCpuSeconds,
  root,
  startBerth,
  type BerthProcess,
} from './scale-processes.js';
import { median } from './stats.js';

const REPOS = 2000;
const TAGS = 50;
const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 3);
const DURATION = Number(process.env.BENCH_SCALE_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_SCALE_CONNECTIONS ?? 16);
const WARMUP = 2;

/** What the load process is asked to do, and what it answers (autocannon's summary). */
interface LoadRequest {
  readonly urls: string[];
  readonly paths: string[];
  readonly token: string;
  readonly duration: number;
  readonly connections: number;
}
interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}
interface Sample extends LoadResult {
  readonly cpuMsPerRequest: { berth: number; postgres: number; loadGenerator: number };
}

// ---------------------------------------------------------------------------------------------
// The load process: `scale-api.ts --load`, forked with an IPC channel; runs autocannon per message.

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

function loadProcess(): void {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  process.on('message', (message: LoadRequest) => {
    void (async () => {
      const result = await autocannon({
        url: message.urls,
        connections: message.connections,
        duration: message.duration,
        headers: { authorization: `Bearer ${message.token}` },
        // Every connection walks the list of paths, round and round.
        requests: message.paths.map((path) => ({ method: 'GET', path })),
      });
      const answer: LoadResult = {
        requests: result['2xx'],
        seconds: result.duration,
        rps: result['2xx'] / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      };
      process.send?.(answer);
    })();
  });
  process.send?.('ready');
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

interface Seeded {
  readonly token: string;
  readonly endpoints: Record<'tree' | 'tags' | 'search', string[]>;
}

/**
 * Syncs the 100,000-tag catalog into a fresh database (in this process, the way
 * bench/catalog.ts does) and makes the request paths: an API token, the tree, tag pages of
 * many repositories (first pages of 100 and of 20, the following pages by cursor, a tag by
 * name) and searches for varied words.
 */
async function seed(env: Record<string, string>, hubUrl: string, registryUrl: string): Promise<Seeded> {
  const server = await startServer({ env: { ...env, BERTH_PORT: '0' }, worker: false });
  try {
    const runtime = server.runtime;
    const user = await runtime.stores.users.create('bench@example.com', 'bench password 1');
    if (user === 'email_taken') throw new Error('fresh database expected');
    const owned = ownedBy(runtime.stores, user.id);
    const credentials = { username: 'bench', token: 'dckr_pat_bench' };
    const created = await owned.connectors.create({
      platform: 'dockerhub',
      name: 'Hub',
      config: { endpoint: hubUrl, registryEndpoint: registryUrl },
      secretId: await owned.secrets.put(JSON.stringify(credentials)),
      credentialHint: null,
    });
    if (created === 'name_taken') throw new Error('unexpected');
    const sync = createSyncHandler({
      stores: runtime.stores,
      catalog: runtime.catalog,
      connectors: runtime.connectors,
      clock: runtime.clock,
    });
    const started = performance.now();
    await sync(syncJob(user.id, created.id), {
      signal: new AbortController().signal,
      reportProgress: () => Promise.resolve(),
    });
    const { n } = await runtime.db
      .selectFrom('tags')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) !== REPOS * TAGS) throw new Error(`expected ${REPOS * TAGS} tags, found ${n}`);
    console.log(
      `  ${runtime.engine}: synced ${Number(n)} tags in ${Math.round(performance.now() - started)} ms`,
    );
    const { token } = await owned.tokens.create('bench');
    const get = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const repos: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get<{ items: { name: string }[]; nextCursor: string | null }>(
        `/api/v1/connectors/${created.id}/repositories?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      repos.push(...page.items.map((r) => r.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const tagsPath = (repo: string, query: string) =>
      `/api/v1/connectors/${created.id}/tags?repository=${encodeURIComponent(repo)}&${query}`;
    const tags: string[] = [];
    for (let i = 0; i < 16; i++) tags.push(tagsPath(repos[(i * 127) % repos.length] as string, 'limit=100'));
    for (let i = 0; i < 6; i++) {
      const repo = repos[(i * 331 + 50) % repos.length] as string;
      let next: string | null = null;
      do {
        const path = tagsPath(repo, `limit=20${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
        tags.push(path);
        next = (await get<{ nextCursor: string | null }>(path)).nextCursor;
      } while (next);
    }
    for (let i = 0; i < 4; i++)
      tags.push(tagsPath(repos[(i * 499 + 7) % repos.length] as string, 'limit=100&reference=v1.7.0'));
    const words = [...SEARCH_WORDS, 'team-33/service-1273'];
    const search = words.map((q) => `/api/v1/search?q=${encodeURIComponent(q)}&limit=20`);
    for (const path of [...tags, ...search, '/api/v1/tree']) await get(path);
    return { token, endpoints: { tree: ['/api/v1/tree'], tags, search } };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  buildCli();
  const [hub, registry] = await Promise.all([hubApi(REPOS, TAGS), registryApi(REPOS, TAGS)]);
  let postgres: RunningPostgres | undefined;
  const dirs: string[] = [];
  const processes: BerthProcess[] = [];
  const load = fork(new URL(import.meta.url).pathname, ['--load'], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      load.once('message', () => resolve());
      load.once('exit', (code) => reject(new Error(`the load process exited with ${code}`)));
    });
    const masterKey = randomBytes(32).toString('base64');
    const common = {
      BERTH_MASTER_KEY: masterKey,
      BERTH_SYNC_INTERVAL: '0',
      // Request logs off (the bench process would otherwise read every line of them).
      BERTH_LOG_LEVEL: 'warn',
    };

    console.log('scale-api: building the 100,000-tag catalog in SQLite and in PostgreSQL…');
    const sqliteDir = mkdtempSync(join(tmpdir(), 'berth-scale-api-'));
    dirs.push(sqliteDir);
    const sqliteEnv = { ...common, BERTH_DATA_DIR: sqliteDir };
    const sqlite = await seed(sqliteEnv, hub.url, registry.url);
    postgres = await startPostgres();
    const pgDir = mkdtempSync(join(tmpdir(), 'berth-scale-api-pg-'));
    dirs.push(pgDir);
    const pgEnv = {
      ...common,
      BERTH_DATA_DIR: pgDir,
      BERTH_DATABASE_URL: await postgres.createDatabase('scale_api'),
    };
    const pg = await seed(pgEnv, hub.url, registry.url);
    // All three servers run through the whole benchmark; an idle one costs next to nothing.
    const sqliteServer = await startBerth(['serve'], { ...sqliteEnv, BERTH_PORT: '0' });
    processes.push(sqliteServer);
    const pgA = await startBerth(['serve', '--no-worker'], { ...pgEnv, BERTH_PORT: '0' });
    processes.push(pgA);
    const pgB = await startBerth(['serve', '--no-worker'], { ...pgEnv, BERTH_PORT: '0' });
    processes.push(pgB);

    const configs = [
      { name: 'sqlite-1', label: 'SQLite, 1 API process', servers: [sqliteServer], seeded: sqlite },
      { name: 'postgres-1', label: 'PostgreSQL, 1 API process', servers: [pgA], seeded: pg },
      { name: 'postgres-2', label: 'PostgreSQL, 2 API processes', servers: [pgA, pgB], seeded: pg },
    ] as const;
    const pgDataDir = postgres.dataDir;
    // CPU used while the load ran: the configuration's Berth processes, PostgreSQL's processes
    // (none for SQLite) and the load generator. Per request, steadier than requests/s on a
    // shared machine, and what sizing needs (requests/s one core can serve).
    const cpu = (config: (typeof configs)[number]) => ({
      berth: config.servers.reduce((n, p) => n + p.cpuSeconds(), 0),
      postgres: config.seeded === pg ? postgresCpuSeconds(pgDataDir) : 0,
      load: load.pid === undefined ? 0 : processCpuSeconds(load.pid),
    });
    const endpoints = ['tree', 'tags', 'search'] as const;

    const send = (request: LoadRequest) =>
      new Promise<LoadResult>((resolve) => {
        load.once('message', (result: LoadResult) => resolve(result));
        load.send(request);
      });

    const samples: Record<string, Record<string, Sample[]>> = {};
    const loadBefore = loadAverage();
    for (const config of configs)
      for (const endpoint of endpoints)
        await send({
          urls: config.servers.map((p) => p.url),
          paths: config.seeded.endpoints[endpoint],
          token: config.seeded.token,
          duration: WARMUP,
          connections: CONNECTIONS,
        });
    for (let run = 0; run < RUNS; run++) {
      for (const endpoint of endpoints) {
        for (const config of configs) {
          const before = cpu(config);
          const measured = await send({
            urls: config.servers.map((p) => p.url),
            paths: config.seeded.endpoints[endpoint],
            token: config.seeded.token,
            duration: DURATION,
            connections: CONNECTIONS,
          });
          const after = cpu(config);
          const perRequest = (key: 'berth' | 'postgres' | 'load') =>
            Number((((after[key] - before[key]) * 1000) / measured.requests).toFixed(3));
          const result: Sample = {
            ...measured,
            cpuMsPerRequest: {
              berth: perRequest('berth'),
              postgres: perRequest('postgres'),
              loadGenerator: perRequest('load'),
            },
          };
          if (result.non2xx > 0 || result.errors > 0)
            throw new Error(
              `${config.label}, ${endpoint}: ${result.non2xx} non-2xx answers and ${result.errors} errors`,
            );
          ((samples[config.name] ??= {})[endpoint] ??= []).push(result);
          console.log(
            `  run ${run + 1} ${endpoint.padEnd(6)} ${config.label.padEnd(28)} ${Math.round(result.rps)} req/s, p99 ${result.p99Ms} ms; CPU ms/request Berth ${result.cpuMsPerRequest.berth}, PostgreSQL ${result.cpuMsPerRequest.postgres}, autocannon ${result.cpuMsPerRequest.loadGenerator}`,
          );
        }
      }
    }
    const loadAfter = loadAverage();

    const summary: Record<
      string,
      Record<
        string,
        { rps: number; p99Ms: number; p50Ms: number; cpuMsPerRequest: Sample['cpuMsPerRequest'] }
      >
    > = {};
    for (const config of configs)
      for (const endpoint of endpoints) {
        const s = samples[config.name]?.[endpoint] ?? [];
        (summary[config.name] ??= {})[endpoint] = {
          rps: Math.round(median(s.map((r) => r.rps))),
          p99Ms: median(s.map((r) => r.p99Ms)),
          p50Ms: median(s.map((r) => r.p50Ms)),
          cpuMsPerRequest: {
            berth: median(s.map((r) => r.cpuMsPerRequest.berth)),
            postgres: median(s.map((r) => r.cpuMsPerRequest.postgres)),
            loadGenerator: median(s.map((r) => r.cpuMsPerRequest.loadGenerator)),
          },
        };
      }
    const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
    const ratios: Record<string, Record<string, number>> = {};
    for (const endpoint of endpoints) {
      const s = (name: string) => summary[name]?.[endpoint] as { rps: number; p99Ms: number };
      ratios[endpoint] = {
        rpsPostgres2To1: ratio(s('postgres-2').rps, s('postgres-1').rps),
        rpsPostgres1ToSqlite: ratio(s('postgres-1').rps, s('sqlite-1').rps),
        rpsPostgres2ToSqlite: ratio(s('postgres-2').rps, s('sqlite-1').rps),
      };
    }

    console.log(
      `\nAPI load, ${CONNECTIONS} connections, ${DURATION} s per run, median of ${RUNS} runs (2 cores: the load generator shares them with the servers and PostgreSQL; load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')})`,
    );
    console.log(
      `${'endpoint'.padEnd(8)} ${configs.map((c) => c.label.padEnd(30)).join('')}2 vs 1 (PG)  PG vs SQLite`,
    );
    for (const endpoint of endpoints)
      console.log(
        `${endpoint.padEnd(8)} ${configs
          .map((c) => {
            const s = summary[c.name]?.[endpoint];
            return `${s?.rps} req/s, p99 ${s?.p99Ms} ms`.padEnd(30);
          })
          .join(
            '',
          )}${`${ratios[endpoint]?.rpsPostgres2To1}×`.padEnd(13)}${ratios[endpoint]?.rpsPostgres1ToSqlite}×`,
      );

    console.log('CPU ms per request (Berth processes + PostgreSQL), median:');
    for (const endpoint of endpoints)
      console.log(
        `${endpoint.padEnd(8)} ${configs
          .map((c) => {
            const s = summary[c.name]?.[endpoint]?.cpuMsPerRequest;
            return `${s?.berth} + ${s?.postgres}`.padEnd(30);
          })
          .join('')}`,
      );

    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(
      join(root, 'bench/results/scale-api.json'),
      `${JSON.stringify(
        {
          benchmark:
            'API load on a 100,000-tag catalog (2,000 repositories × 50 tags): real berth serve processes (compiled CLI), autocannon in a separate process',
          machine: machine(),
          loadAverage: { before: loadBefore, after: loadAfter },
          connections: CONNECTIONS,
          durationSeconds: DURATION,
          runs: RUNS,
          spread:
            'PostgreSQL with 2 processes: one autocannon instance, its connections split evenly over the two ports',
          logLevel: 'warn (no request logs)',
          paths: { tree: 1, tags: pg.endpoints.tags.length, search: pg.endpoints.search.length },
          median: summary,
          ratios,
          samples,
          date: new Date().toISOString(),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    load.kill();
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all([hub.stop(), registry.stop()]);
    await postgres?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load') loadProcess();
else await main();

// `npm run bench` (catalog part): sync of a 2,000-repository × 50-tag registry through a
// Hub-style metadata API and through `_catalog` + HEAD, each against the same connector's
// bare listing walk (what the registry's paging alone costs: the baseline); then search
// latency over the resulting 100,000 tags and the tree's first level, through the HTTP API.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPlatform } from '@berth/connectors';
import { createSyncHandler, ownedBy, startServer, type RunningServer } from '@berth/server';
import { hubApi, registryApi, SEARCH_WORDS, syncJob, walk } from './catalog-fixture.js';
import { median } from './stats.js';

const REPOS = Number(process.env.BENCH_REPOS ?? 2000);
const TAGS = Number(process.env.BENCH_TAGS ?? 50);
const RUNS = Number(process.env.BENCH_CATALOG_RUNS ?? 3);
/** Per-answer delay of the networked variant of the Hub-style API. */
const NETWORK_LATENCY_MS = Number(process.env.BENCH_CATALOG_LATENCY_MS ?? 20);
// Iterating on the sync: `BENCH_CATALOG_ONLY=hub-api` (or `catalog+head`) runs that sync alone,
// without the search and tree part.
const ONLY = process.env.BENCH_CATALOG_ONLY;
const root = new URL('..', import.meta.url).pathname;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-catalog-'));
  const [hub, nearHub, registry] = await Promise.all([
    hubApi(REPOS, TAGS),
    hubApi(REPOS, TAGS, NETWORK_LATENCY_MS),
    registryApi(REPOS, TAGS),
  ]);
  let server: RunningServer | undefined;
  try {
    server = await startServer({
      env: { BERTH_PORT: '0', BERTH_DATA_DIR: dataDir, BERTH_LOG_LEVEL: 'silent', BERTH_SYNC_INTERVAL: '0' },
      worker: false,
    });
    const runtime = server.runtime;
    const user = await runtime.stores.users.create('bench@example.com', 'x');
    if (user === 'email_taken') throw new Error('fresh database expected');
    const owned = ownedBy(runtime.stores, user.id);
    const sync = createSyncHandler({
      stores: runtime.stores,
      catalog: runtime.catalog,
      connectors: runtime.connectors,
      clock: runtime.clock,
    });
    const context = { signal: new AbortController().signal, reportProgress: () => Promise.resolve() };
    const results: Record<string, unknown> = {};

    for (const [label, platform, config, credentials] of [
      [
        'hub-api',
        'dockerhub',
        { endpoint: hub.url, registryEndpoint: registry.url },
        { username: 'bench', token: 'dckr_pat_bench' },
      ],
      ['catalog+head', 'generic', { endpoint: registry.url }, {}],
      // The same Hub-style API answering each page after NETWORK_LATENCY_MS, as a registry in
      // the same region does (Docker Hub's own API is further away): what a user's sync costs.
      [
        `hub-api+${NETWORK_LATENCY_MS}ms`,
        'dockerhub',
        { endpoint: nearHub.url, registryEndpoint: registry.url },
        { username: 'bench', token: 'dckr_pat_bench' },
      ],
    ] as const) {
      if (ONLY && ONLY !== label) continue;
      const walkMs: number[] = [];
      const syncMs: number[] = [];
      // CPU time too (this process: Berth and the in-process fake): steadier than wall-clock
      // time on a machine shared with other work.
      const walkCpuMs: number[] = [];
      const syncCpuMs: number[] = [];
      const cpuMs = (since: NodeJS.CpuUsage) => {
        const used = process.cpuUsage(since);
        return (used.user + used.system) / 1000;
      };
      let tagCount = 0;
      // The machine's 1-minute load average around the runs: wall-clock numbers taken on a busy
      // machine say more about its other work than about the sync.
      const loadBefore = loadavg()[0] as number;
      for (let run = 0; run < RUNS; run++) {
        // Each run's connector owns its sealed credentials (deleting it deletes them).
        const secretId = Object.keys(credentials).length
          ? await owned.secrets.put(JSON.stringify(credentials))
          : null;
        const created = await owned.connectors.create({
          platform,
          name: `${label} ${run}`,
          config: { ...config },
          secretId,
          credentialHint: null,
        });
        if (created === 'name_taken') throw new Error('unexpected');
        const connector = getPlatform(platform).create(
          { ...config },
          () => Promise.resolve({ ...credentials }),
          { endpointPolicy: 'default' },
        );
        let started = performance.now();
        let cpu = process.cpuUsage();
        tagCount = await walk(connector);
        walkMs.push(performance.now() - started);
        walkCpuMs.push(cpuMs(cpu));
        await connector.close();
        started = performance.now();
        cpu = process.cpuUsage();
        await sync(syncJob(user.id, created.id), context);
        syncMs.push(performance.now() - started);
        syncCpuMs.push(cpuMs(cpu));
        if (run < RUNS - 1) await owned.connectors.delete(created.id);
      }
      const load = [loadBefore, loadavg()[0] as number].map((l) => Number(l.toFixed(2)));
      const overhead = (median(syncMs) - median(walkMs)) / median(syncMs);
      const cpuOverhead = (median(syncCpuMs) - median(walkCpuMs)) / median(syncCpuMs);
      results[label] = {
        repositories: REPOS,
        tags: tagCount,
        walkMedianMs: Math.round(median(walkMs)),
        syncMedianMs: Math.round(median(syncMs)),
        berthOverhead: Number(overhead.toFixed(3)),
        walkCpuMedianMs: Math.round(median(walkCpuMs)),
        syncCpuMedianMs: Math.round(median(syncCpuMs)),
        berthCpuOverhead: Number(cpuOverhead.toFixed(3)),
        loadAverage1m: load,
        goal: "Berth's own overhead < 20% of the sync time",
      };
      console.log(
        `sync ${label}: ${tagCount} tags; listing alone ${Math.round(median(walkMs))} ms, full sync ${Math.round(median(syncMs))} ms → overhead ${(overhead * 100).toFixed(1)}% (CPU ${Math.round(median(walkCpuMs))} vs ${Math.round(median(syncCpuMs))} ms → ${(cpuOverhead * 100).toFixed(1)}%; load ${load.join(' → ')})`,
      );
    }

    if (ONLY) return;
    // Search and tree latency through the HTTP API, on the catalog just synced (two copies: ~200k entries).
    const token = await owned.tokens.create('bench');
    const headers = { authorization: `Bearer ${token.token}` };
    const words = SEARCH_WORDS;
    const searchMs: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const q = words[i % words.length] as string;
      const started = performance.now();
      const res = await fetch(`${server.url}/api/v1/search?q=${encodeURIComponent(q)}&limit=20`, { headers });
      await res.arrayBuffer();
      searchMs.push(performance.now() - started);
    }
    const treeMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await (await fetch(`${server.url}/api/v1/tree`, { headers })).arrayBuffer();
      treeMs.push(performance.now() - started);
    }
    const { n } = await runtime.db
      .selectFrom('tags')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    results.search = {
      catalogTags: Number(n),
      queries: 1000,
      p50Ms: Number(percentile(searchMs, 50).toFixed(2)),
      p95Ms: Number(percentile(searchMs, 95).toFixed(2)),
      goal: 'p95 < 20 ms',
    };
    results.tree = {
      requests: 200,
      p50Ms: Number(percentile(treeMs, 50).toFixed(2)),
      p95Ms: Number(percentile(treeMs, 95).toFixed(2)),
      goal: 'first level < 50 ms',
    };
    console.log(
      `search over ${Number(n)} tags: p50 ${percentile(searchMs, 50).toFixed(1)} ms, p95 ${percentile(searchMs, 95).toFixed(1)} ms (goal p95 < 20 ms)`,
    );
    console.log(
      `tree first level: p50 ${percentile(treeMs, 50).toFixed(1)} ms, p95 ${percentile(treeMs, 95).toFixed(1)} ms (goal < 50 ms)`,
    );

    mkdirSync(join(root, 'bench/results'), { recursive: true });
    const file = join(root, 'bench/results/latest.json');
    const previous = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
      : {};
    writeFileSync(
      file,
      `${JSON.stringify({ ...previous, catalog: { ...results, date: new Date().toISOString() } }, null, 2)}\n`,
    );
  } finally {
    await server?.close();
    await Promise.all([hub.stop(), nearHub.stop(), registry.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

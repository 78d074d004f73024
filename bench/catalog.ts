// `npm run bench` (catalog part): sync of a 2,000-repository × 50-tag registry through a
// Hub-style metadata API and through `_catalog` + HEAD, each against the same connector's
// bare listing walk (what the registry's paging alone costs: the baseline); then search
// latency over the resulting 100,000 tags and the tree's first level, through the HTTP API.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPlatform, type Connector } from '@berth/connectors';
import { createSyncHandler, ownedBy, startServer, type RunningServer } from '@berth/server';
import { startScriptedServer, type ScriptedServer } from '@berth/testkit';
import { median } from './stats.js';

const REPOS = Number(process.env.BENCH_REPOS ?? 2000);
const TAGS = Number(process.env.BENCH_TAGS ?? 50);
const RUNS = Number(process.env.BENCH_CATALOG_RUNS ?? 3);
// Iterating on the sync: `BENCH_CATALOG_ONLY=hub-api` (or `catalog+head`) runs that sync alone,
// without the search and tree part.
const ONLY = process.env.BENCH_CATALOG_ONLY;
const root = new URL('..', import.meta.url).pathname;

const repoName = (i: number) =>
  `team-${i % 40}/service-${i}-${['api', 'worker', 'python', 'node', 'web'][i % 5]}`;
const tagName = (j: number) => (j === 0 ? 'latest' : `v1.${j}.${j % 7}`);
const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** A Hub-style API: token exchange, namespace repositories and tags with metadata, page_size ≤ 100. */
function hubApi(): Promise<ScriptedServer> {
  return startScriptedServer((req, res, { url }) => {
    const u = new URL(req.url ?? '/', url);
    const json = (body: unknown) =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'POST' && u.pathname === '/v2/auth/token') {
      const payload = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString(
        'base64url',
      );
      return json({ access_token: `x.${payload}.y` });
    }
    const page = Number(u.searchParams.get('page') ?? 1);
    const size = Math.min(100, Number(u.searchParams.get('page_size') ?? 100));
    const tagsMatch = /^\/v2\/namespaces\/bench\/repositories\/([^/]+)\/tags$/.exec(u.pathname);
    if (tagsMatch) {
      const repo = decodeURIComponent(tagsMatch[1] ?? '');
      const all = Array.from({ length: TAGS }, (_, j) => tagName(j));
      const slice = all.slice((page - 1) * size, page * size);
      return json({
        count: all.length,
        next: page * size < all.length ? `${url}${u.pathname}?page=${page + 1}&page_size=${size}` : null,
        results: slice.map((t) => ({
          name: t,
          digest: digestOf(`${repo}:${t}`),
          media_type: OCI,
          full_size: 1000 + t.length,
          tag_last_pushed: '2026-01-01T00:00:00Z',
          images: [],
        })),
      });
    }
    if (u.pathname === '/v2/namespaces/bench/repositories') {
      const slice = Array.from({ length: REPOS }, (_, i) => repoName(i).replace('/', '.')).slice(
        (page - 1) * size,
        page * size,
      );
      return json({
        count: REPOS,
        next: page * size < REPOS ? `${url}${u.pathname}?page=${page + 1}&page_size=${size}` : null,
        results: slice.map((name) => ({ name, namespace: 'bench', last_updated: '2026-01-01T00:00:00Z' })),
      });
    }
    res.writeHead(404).end();
  });
}

/** A bare OCI registry API: `_catalog` (n ≤ 1000, Link), tags/list, HEAD manifests. */
function registryApi(): Promise<ScriptedServer> {
  const names = Array.from({ length: REPOS }, (_, i) => repoName(i)).sort();
  return startScriptedServer((req, res, { url }) => {
    const u = new URL(req.url ?? '/', url);
    if (u.pathname === '/v2/') return void res.writeHead(200).end('{}');
    if (u.pathname === '/v2/_catalog') {
      const n = Math.min(1000, Number(u.searchParams.get('n') ?? 1000));
      const last = u.searchParams.get('last');
      const start = last ? names.indexOf(last) + 1 : 0;
      const slice = names.slice(start, start + n);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (start + n < names.length)
        headers.link = `</v2/_catalog?n=${n}&last=${encodeURIComponent(slice.at(-1) ?? '')}>; rel="next"`;
      return void res.writeHead(200, headers).end(JSON.stringify({ repositories: slice }));
    }
    const tags = /^\/v2\/(.+)\/tags\/list$/.exec(u.pathname);
    if (tags)
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ name: tags[1], tags: Array.from({ length: TAGS }, (_, j) => tagName(j)) }));
    const manifest = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(u.pathname);
    if (manifest && req.method === 'HEAD') {
      return void res
        .writeHead(200, {
          'docker-content-digest': digestOf(`${manifest[1]}:${manifest[2]}`),
          'content-type': OCI,
          'content-length': '1234',
        })
        .end();
    }
    res.writeHead(404).end();
  });
}

async function walk(connector: Connector): Promise<number> {
  let tags = 0;
  let cursor: string | undefined;
  const repos: string[] = [];
  do {
    const page = await connector.listRepositories(cursor);
    repos.push(...page.items.map((r) => r.name));
    cursor = page.next;
  } while (cursor);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < repos.length) {
        const repo = repos[next++] as string;
        let c: string | undefined;
        do {
          const page = await connector.listTags(repo, c);
          tags += page.items.length;
          c = page.next;
        } while (c);
      }
    }),
  );
  return tags;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-catalog-'));
  const [hub, registry] = await Promise.all([hubApi(), registryApi()]);
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
        await sync(
          {
            id: 'bench',
            kind: 'catalog.sync',
            key: 'k',
            ownerId: user.id,
            connectorId: created.id,
            payload: {},
            status: 'running',
            attempts: 1,
            progress: null,
            error: null,
            createdAt: '',
            startedAt: null,
            finishedAt: null,
          },
          context,
        );
        syncMs.push(performance.now() - started);
        syncCpuMs.push(cpuMs(cpu));
        if (run < RUNS - 1) await owned.connectors.delete(created.id);
      }
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
        goal: "Berth's own overhead < 20% of the sync time",
      };
      console.log(
        `sync ${label}: ${tagCount} tags; listing alone ${Math.round(median(walkMs))} ms, full sync ${Math.round(median(syncMs))} ms → overhead ${(overhead * 100).toFixed(1)}% (CPU ${Math.round(median(walkCpuMs))} vs ${Math.round(median(syncCpuMs))} ms → ${(cpuOverhead * 100).toFixed(1)}%)`,
      );
    }

    if (ONLY) return;
    // Search and tree latency through the HTTP API, on the catalog just synced (two copies: ~200k entries).
    const token = await owned.tokens.create('bench');
    const headers = { authorization: `Bearer ${token.token}` };
    const words = [
      'python',
      'worker',
      'service-12',
      'team-7',
      'v1.3',
      'latest',
      'servce-44-api',
      'node',
      'api',
      'web',
      'service-1999',
      'pyth',
      'v1.49.0',
    ];
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
    await Promise.all([hub.stop(), registry.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

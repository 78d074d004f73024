import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFaultProxy,
  startPostgres,
  startRegistry,
  type FaultProxy,
  type RunningPostgres,
  type RunningRegistry,
} from '@berth/testkit';
import { ApiSession, listeningUrl, startBerth, until, type LiveBerth } from './berth-process.js';

// Fault test with real processes on PostgreSQL: a `berth worker` killed with SIGKILL in the
// middle of a catalog sync. The sync stops at a known point (a proxy in front of the real
// registry holds the tag listings of the later repositories), after one group of repositories
// has been written. While it is stuck, every repository keeps its last good listing or has its
// complete new one, never a mix; another worker takes the job over when the lease runs out,
// and the stored catalog then equals a clean sync of the same registry into a fresh database.

const REPOSITORIES = 120;
/**
 * Tag listings of repositories from this index on are held: the sync stops after one write
 * group (WRITE_GROUP_REPOSITORIES, 50 repositories per transaction, must be below this).
 */
const HELD_FROM = 60;

const repoName = (i: number) => `fleet/app-${String(i).padStart(3, '0')}`;

let postgres: RunningPostgres;
let registry: RunningRegistry;
let proxy: FaultProxy;
let db: pg.Pool;
let cleanDb: pg.Pool;
let env: Record<string, string>;
let cleanEnv: Record<string, string>;
/** The API on the database under test, a clean server (with its own worker) on a fresh one. */
let apiProcess: LiveBerth;
let cleanProcess: LiveBerth;
/** The worker that is killed (with a short lease), and the one that takes over. */
let doomed: LiveBerth;
let rescuer: LiveBerth;
const dirs: string[] = [];
const running: LiveBerth[] = [];

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Pushes straight to the registry (no auth): one blob upload, monolithic. */
async function pushBlob(repository: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const base = `http://${registry.pushHost}/v2/${repository}/blobs/uploads/`;
  const started = await fetch(base, { method: 'POST' });
  await started.body?.cancel();
  const location = new URL(started.headers.get('location') ?? '', `http://${registry.pushHost}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: data,
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`blob upload to ${repository} answered ${put.status}`);
  return digest;
}

async function mountBlob(repository: string, digest: string, from: string): Promise<void> {
  const res = await fetch(
    `http://${registry.pushHost}/v2/${repository}/blobs/uploads/?mount=${digest}&from=${from}`,
    { method: 'POST' },
  );
  await res.body?.cancel();
  if (res.status !== 201) throw new Error(`mount into ${repository} answered ${res.status}`);
}

const config = Buffer.from(
  JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [sha256(Buffer.alloc(1024))] },
  }),
);
const layer = gzipSync(Buffer.alloc(1024));

/** An image manifest over the shared blobs; `variant` changes its digest only. */
function manifest(variant: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256(config),
      size: config.length,
    },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length },
    ],
    annotations: { 'org.example.variant': variant },
  });
}

async function tag(repository: string, name: string, variant: string): Promise<string> {
  const body = manifest(variant);
  const res = await fetch(`http://${registry.pushHost}/v2/${repository}/manifests/${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body,
  });
  await res.body?.cancel();
  if (res.status !== 201) throw new Error(`manifest ${repository}:${name} answered ${res.status}`);
  return sha256(body);
}

/** Runs `work` over `items`, `width` at a time. */
async function each<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function seedRepository(i: number): Promise<void> {
  const name = repoName(i);
  if (i > 0) {
    await mountBlob(name, sha256(config), repoName(0));
    await mountBlob(name, sha256(layer), repoName(0));
  }
}

/** The stored catalog of a connector, without ids: what a user can see of it. */
async function storedCatalog(pool: pg.Pool, connectorId: string) {
  const repositories = await pool.query(
    `select name, sort_key, description, last_pushed_at, tag_count, tags_hash
       from repositories where connector_id = $1 order by name`,
    [connectorId],
  );
  const tags = await pool.query(
    `select r.name as repository, t.name, t.sort_key, t.digest, t.media_type, t.size, t.pushed_at, t.platforms
       from tags t join repositories r on r.id = t.repository_id
      where r.connector_id = $1 order by r.name, t.name`,
    [connectorId],
  );
  const entries = await pool.query(
    `select kind, text from catalog_entries where connector_id = $1 order by kind, text`,
    [connectorId],
  );
  const connector = await pool.query(`select status, repository_count from connectors where id = $1`, [
    connectorId,
  ]);
  return {
    connector: connector.rows,
    repositories: repositories.rows,
    tags: tags.rows,
    entries: entries.rows,
  };
}

/** Every repository's tags as `name=digest`, sorted. */
async function tagsByRepository(connectorId: string): Promise<Map<string, string[]>> {
  const rows = await db.query<{ repository: string; tag: string; digest: string }>(
    `select r.name as repository, t.name as tag, t.digest
       from repositories r left join tags t on t.repository_id = r.id
      where r.connector_id = $1 order by r.name, t.name`,
    [connectorId],
  );
  const out = new Map<string, string[]>();
  for (const row of rows.rows) {
    const list = out.get(row.repository) ?? [];
    if (row.tag) list.push(`${row.tag}=${row.digest}`);
    out.set(row.repository, list);
  }
  return out;
}

beforeAll(async () => {
  [postgres, registry] = await Promise.all([startPostgres(), startRegistry({ auth: 'none' })]);
  proxy = await startFaultProxy(registry.pushHost);
  await pushBlob(repoName(0), config);
  await pushBlob(repoName(0), layer);
  await each(
    Array.from({ length: REPOSITORIES }, (_, i) => i),
    8,
    async (i) => {
      await seedRepository(i);
      await tag(repoName(i), '1', 'first');
    },
  );
  const [url, cleanUrl] = await Promise.all([
    postgres.createDatabase('sync_kill'),
    postgres.createDatabase('sync_clean'),
  ]);
  db = new pg.Pool({ connectionString: url, max: 2 });
  cleanDb = new pg.Pool({ connectionString: cleanUrl, max: 2 });
  // An idle client hearing the cluster shut down (57P01) is no test failure; queries still fail loudly.
  for (const pool of [db, cleanDb]) pool.on('error', () => {});
  const common = {
    BERTH_MASTER_KEY: randomBytes(32).toString('base64'),
    BERTH_LOG_LEVEL: 'silent',
    BERTH_PORT: '0',
  };
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-sync-kill-'));
    dirs.push(d);
    return d;
  };
  env = { ...common, BERTH_DATABASE_URL: url, BERTH_DATA_DIR: dataDir() };
  cleanEnv = { ...common, BERTH_DATABASE_URL: cleanUrl, BERTH_DATA_DIR: dataDir() };
  [apiProcess, cleanProcess, doomed, rescuer] = await Promise.all([
    startBerth(running, ['serve', '--no-worker'], env, /listening on/),
    startBerth(running, ['serve'], cleanEnv, /listening on/),
    startBerth(running, ['worker', '--lease', '2'], env, /worker running/),
    startBerth(running, ['worker'], env, /worker running/),
  ]);
  // The second worker stays frozen (there is no job yet) until the first one has been killed,
  // so that the first one is the one that runs the syncs.
  rescuer.kill('SIGSTOP');
});

afterAll(async () => {
  for (const run of running) if (run.exitCode() === null) run.kill('SIGKILL');
  await Promise.all(running.map((r) => r.exited()));
  await Promise.all([db?.end(), cleanDb?.end()]);
  await proxy?.stop();
  await Promise.all([postgres?.stop(), registry?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a worker killed with SIGKILL during a catalog sync', () => {
  it('loses nothing: the last good catalog stays whole, another worker completes the sync, the result equals a clean sync', async () => {
    const api = new ApiSession(listeningUrl(apiProcess));
    await api.signup('ops@example.com', 'ops password 1');
    const created = await api.call<{ id: string }>('POST', '/connectors', {
      platform: 'generic',
      name: 'Fleet',
      config: { endpoint: proxy.url },
    });
    expect(created.status).toBe(201);
    const connectorId = created.body.id;
    const jobOf = async () =>
      (
        await db.query<{ status: string; attempts: number; progress: string | null }>(
          "select status, attempts, progress from jobs where kind = 'catalog.sync' order by created_at desc limit 1",
        )
      ).rows[0];

    // A good sync first, by the worker that will be killed later.
    await until('the first sync', async () => ((await jobOf())?.status === 'done' ? true : undefined));
    const good = await tagsByRepository(connectorId);
    expect(good.size).toBe(REPOSITORIES);
    const first = good.get(repoName(0))?.[0];
    expect(first).toMatch(/^1=sha256:/);

    // The registry changes: every tag 1 moves to a new manifest, every repository gains a tag 2,
    // and a new repository appears.
    await each(
      Array.from({ length: REPOSITORIES + 1 }, (_, i) => i),
      8,
      async (i) => {
        if (i === REPOSITORIES) await seedRepository(i);
        await tag(repoName(i), '1', 'second');
        await tag(repoName(i), '2', 'second-2');
      },
    );
    const fresh = [`1=${sha256(manifest('second'))}`, `2=${sha256(manifest('second-2'))}`];

    // The next sync stops deterministically after its first write group.
    proxy.hold((r) => {
      const index = /\/v2\/fleet\/app-(\d+)\/tags\/list/.exec(r.path)?.[1];
      return index !== undefined && Number(index) >= HELD_FROM;
    });
    expect((await api.call('POST', `/connectors/${connectorId}/sync`)).status).toBe(202);
    const written = await until('the sync to stop after one write group', async () => {
      const job = await jobOf();
      const progress = job?.progress ? (JSON.parse(job.progress) as { repositoriesDone: number }) : undefined;
      return job?.status === 'running' && progress && progress.repositoriesDone > 0 && proxy.held().length > 0
        ? progress.repositoriesDone
        : undefined;
    });
    expect(written).toBeLessThan(HELD_FROM);
    // While it is stuck, the same registry is synced cleanly into the fresh database (straight,
    // not through the proxy), for the comparison at the end.
    const clean = new ApiSession(listeningUrl(cleanProcess));
    await clean.signup('ops@example.com', 'ops password 1');
    const cleanConnector = await clean.call<{ id: string }>('POST', '/connectors', {
      platform: 'generic',
      name: 'Fleet',
      config: { endpoint: registry.url },
    });
    expect(cleanConnector.status).toBe(201);
    await until('the clean sync', async () => {
      const c = await clean.call<{ status: string }>('GET', `/connectors/${cleanConnector.body.id}`);
      if (c.body.status === 'error') throw new Error(JSON.stringify(c.body));
      return c.body.status === 'ok' ? true : undefined;
    });
    expect(proxy.held().length).toBeGreaterThan(0);
    expect((await jobOf())?.status).toBe('running');
    doomed.kill('SIGKILL');
    expect(await doomed.exited()).toBe(128);

    // Mid-sync, with its worker dead: each repository is either as the good sync left it or
    // completely refreshed; none vanished, none is half-written, the new one is not there yet.
    const midway = await tagsByRepository(connectorId);
    expect([...midway.keys()]).toEqual([...good.keys()]);
    let refreshed = 0;
    for (const [name, tags] of midway) {
      if (JSON.stringify(tags) === JSON.stringify(fresh)) refreshed++;
      else expect(tags, name).toEqual(good.get(name));
    }
    expect(refreshed).toBe(written);
    const listed = await api.call<{ items: { name: string; tagCount: number }[] }>(
      'GET',
      `/connectors/${connectorId}/repositories?limit=200`,
    );
    expect(listed.body.items.map((r) => r.name)).toEqual([...good.keys()]);
    expect(
      (await db.query('select repository_count from connectors where id = $1', [connectorId])).rows,
    ).toEqual([{ repository_count: REPOSITORIES }]);

    // The second worker takes over once the dead worker's lease has run out, and completes the sync.
    proxy.release();
    rescuer.kill('SIGCONT');
    await until('the sync to complete on the rescuer', async () => {
      const job = await jobOf();
      if (job?.status === 'failed') throw new Error('the sync failed');
      return job?.status === 'done' ? job : undefined;
    });
    expect((await jobOf())?.attempts).toBe(2);
    const after = await tagsByRepository(connectorId);
    expect(after.size).toBe(REPOSITORIES + 1);
    for (const tags of after.values()) expect(tags).toEqual(fresh);

    const expected = await storedCatalog(cleanDb, cleanConnector.body.id);
    expect(expected.repositories).toHaveLength(REPOSITORIES + 1);
    expect(await storedCatalog(db, connectorId)).toEqual(expected);

    rescuer.kill();
    expect(await rescuer.exited()).toBe(0);
  });
});

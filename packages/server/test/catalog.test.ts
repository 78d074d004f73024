import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startRegistry,
  startScriptedServer,
  type OciLayout,
  type RunningRegistry,
  type ScriptedServer,
} from '@berth/testkit';
import { createSyncHandler, dockerHubPublicSearch, ownedBy, type JobRecord } from '@berth/server';
import { searchCatalog } from '../src/catalog/catalog-search.js';
import { Api, databaseContentTexts, recordTagWrites, startTestServer, type TestServer } from './harness.js';

let registry: RunningRegistry;
let layout: OciLayout;
let hub: ScriptedServer;
let server: TestServer;
let alice: Api;
let bob: Api;

async function waitForJob(api: Api, jobId: string): Promise<Record<string, unknown>> {
  for (;;) {
    const job = await api.call<{ status: string }>('GET', `/api/v1/jobs/${jobId}`);
    if (job.body.status === 'done' || job.body.status === 'failed') return job.body;
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function syncNow(api: Api, connectorId: string) {
  const res = await api.call<{ jobId: string }>('POST', `/api/v1/connectors/${connectorId}/sync`);
  expect(res.status).toBe(202);
  return waitForJob(api, res.body.jobId);
}

async function deleteTag(reg: RunningRegistry, repository: string, tag: string) {
  const head = await fetch(`http://${reg.pushHost}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const digest = head.headers.get('docker-content-digest') ?? '';
  const res = await fetch(`http://${reg.pushHost}/v2/${repository}/manifests/${digest}`, {
    method: 'DELETE',
  });
  expect(res.status).toBe(202);
}

beforeAll(async () => {
  [registry, layout] = await Promise.all([startRegistry({ auth: 'none' }), createLayout()]);
  await layout.addImage('a', { layers: [{ entries: [{ type: 'file', path: 'a', content: 'a' }] }] });
  await layout.addImage('b', { layers: [{ entries: [{ type: 'file', path: 'b', content: 'b' }] }] });
  for (const tag of ['v1.9', 'v1.10', 'v1.2', 'latest', 'edge'])
    await pushImage(layout, 'a', registry, `team/python-app:${tag}`);
  await pushImage(layout, 'b', registry, 'team/python-app:only-b');
  for (const repo of [
    'team/worker',
    'tools/pythonic-helper',
    'team/web10',
    'team/web9',
    'team/zeta-unique-name',
  ])
    await pushImage(layout, 'b', registry, `${repo}:1`);
  hub = await startScriptedServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        results: [{ repo_name: q, short_description: 'official' }, { repo_name: `someone/${q}-tools` }],
      }),
    );
  });
  server = await startTestServer({}, { publicSearch: dockerHubPublicSearch(hub.url) });
  alice = new Api(server.url);
  await alice.signup('alice@example.com', 'alice password 1');
  bob = new Api(server.url);
  await bob.signup('bob@example.com', 'bob password 12');
});
afterAll(async () => {
  await Promise.all([server?.stop(), registry?.stop(), layout?.remove(), hub?.stop()]);
});

let connectorId: string;

/** A fresh user with one generic connector named `name` (its email is derived from the name). */
async function userWithConnector(name: string, endpoint = 'https://registry.invalid') {
  const lower = name.toLowerCase();
  const user = await server.runtime.stores.users.create(`${lower}@example.com`, `${lower} password 1`);
  if (user === 'email_taken') throw new Error('fresh user expected');
  const created = await ownedBy(server.runtime.stores, user.id).connectors.create({
    platform: 'generic',
    name,
    config: { endpoint },
    secretId: null,
    credentialHint: null,
  });
  if (created === 'name_taken') throw new Error('unexpected');
  return { user, created };
}

describe('initial sync', () => {
  it('syncs on creation and shows the tree', async () => {
    const created = await alice.call<{ id: string }>('POST', '/api/v1/connectors', {
      platform: 'generic',
      name: 'Local',
      config: { endpoint: registry.url },
    });
    connectorId = created.body.id;
    await server.runtime.jobs.idle();
    const tree = await alice.call('GET', '/api/v1/tree');
    expect(tree.body).toEqual([
      {
        platform: 'generic',
        connectors: [
          expect.objectContaining({
            id: connectorId,
            name: 'Local',
            repositoryCount: 6,
            status: 'ok',
            lastSyncAt: expect.any(String) as string,
            lastError: null,
          }),
        ],
      },
    ]);
  });

  it('lists repositories in natural order, paging with a cursor', async () => {
    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: { name: string; tagCount: number }[]; nextCursor: string | null } } =
        await alice.call(
          'GET',
          `/api/v1/connectors/${connectorId}/repositories?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
      names.push(...res.body.items.map((i) => i.name));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(names).toEqual([
      'team/python-app',
      'team/web9',
      'team/web10',
      'team/worker',
      'team/zeta-unique-name',
      'tools/pythonic-helper',
    ]);
    const filtered = await alice.call<{ items: { name: string; tagCount: number }[] }>(
      'GET',
      `/api/v1/connectors/${connectorId}/repositories?q=web`,
    );
    expect(filtered.body.items.map((i) => i.name)).toEqual(['team/web9', 'team/web10']);
  });

  it('lists tags latest first, then in natural order, with digests', async () => {
    const res = await alice.call<{
      items: { name: string; digest: string; size: number; mediaType: string }[];
      nextCursor: string | null;
    }>('GET', `/api/v1/connectors/${connectorId}/tags?repository=team/python-app&limit=4`);
    expect(res.body.items.map((t) => t.name)).toEqual(['latest', 'edge', 'only-b', 'v1.2']);
    expect(res.body.items[0]).toMatchObject({
      digest: expect.stringMatching(/^sha256:/) as string,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: expect.any(Number) as number,
    });
    const rest = await alice.call<{ items: { name: string }[]; nextCursor: string | null }>(
      'GET',
      `/api/v1/connectors/${connectorId}/tags?repository=team/python-app&limit=4&cursor=${res.body.nextCursor}`,
    );
    expect(rest.body.items.map((t) => t.name)).toEqual(['v1.9', 'v1.10']);
    expect(rest.body.nextCursor).toBeNull();
    const one = await alice.call<{ items: { name: string; digest: string }[] }>(
      'GET',
      `/api/v1/connectors/${connectorId}/tags?repository=team/python-app&reference=v1.9`,
    );
    expect(one.body.items.map((t) => t.name)).toEqual(['v1.9']);
    const byDigest = await alice.call<{ items: { name: string }[] }>(
      'GET',
      `/api/v1/connectors/${connectorId}/tags?repository=team/python-app&reference=${one.body.items[0]?.digest ?? ''}`,
    );
    expect(byDigest.body.items.map((t) => t.name).sort()).toEqual([
      'edge',
      'latest',
      'v1.10',
      'v1.2',
      'v1.9',
    ]);
  });
});

describe('incremental sync', () => {
  it('adds, removes and updates what changed and rewrites nothing else', async () => {
    const tagWrites = await recordTagWrites(server.runtime.db);

    await pushImage(layout, 'a', registry, 'team/worker:2');
    await pushImage(layout, 'a', registry, 'team/python-app:edge'); // edge moves from a to a: unchanged
    await pushImage(layout, 'b', registry, 'team/python-app:v1.2'); // v1.2 moves from a to b
    await deleteTag(registry, 'team/web9', '1'); // the repository keeps existing with no tags
    expect((await syncNow(alice, connectorId)).status).toBe('done');

    const writes = (await tagWrites()).sort();
    expect(writes).toEqual(['insert', 'update']);
    const worker = await alice.call<{ items: { name: string }[] }>(
      'GET',
      `/api/v1/connectors/${connectorId}/tags?repository=team/worker`,
    );
    expect(worker.body.items.map((t) => t.name)).toEqual(['1', '2']);
    const web9 = await alice.call<{ items: unknown[] }>(
      'GET',
      `/api/v1/connectors/${connectorId}/tags?repository=team/web9`,
    );
    expect(web9.body.items).toEqual([]);
  });

  it('keeps the last good catalog when the registry fails, and records the error', async () => {
    const broken = await startScriptedServer((_req, res) => void res.writeHead(500).end());
    try {
      const created = await alice.call<{ id: string }>('POST', '/api/v1/connectors', {
        platform: 'generic',
        name: 'Flaky',
        config: { endpoint: registry.url },
      });
      await server.runtime.jobs.idle();
      const before = await alice.call<{ items: unknown[] }>(
        'GET',
        `/api/v1/connectors/${created.body.id}/repositories`,
      );
      expect(before.body.items).toHaveLength(6);
      // Repoint the stored config at a failing endpoint behind the API's back (PATCH would re-validate).
      await server.runtime.db
        .updateTable('connectors')
        .set({ config: JSON.stringify({ endpoint: broken.url }) })
        .where('id', '=', created.body.id)
        .execute();
      const job = await syncNow(alice, created.body.id);
      expect(job.status).toBe('failed');
      const after = await alice.call<{ items: unknown[] }>(
        'GET',
        `/api/v1/connectors/${created.body.id}/repositories`,
      );
      expect(after.body.items).toHaveLength(6);
      const tree = await alice.call<
        {
          connectors: { id: string; status: string; lastError: string | null; lastSyncAt: string | null }[];
        }[]
      >('GET', '/api/v1/tree');
      const flaky = tree.body.flatMap((g) => g.connectors).find((c) => c.id === created.body.id);
      expect(flaky).toMatchObject({
        status: 'error',
        lastError: expect.stringMatching(/500/) as string,
        lastSyncAt: expect.any(String) as string,
      });
      await alice.call('DELETE', `/api/v1/connectors/${created.body.id}`);
    } finally {
      await broken.stop();
    }
  });

  it('rides out a 429 storm', async () => {
    let refused = 0;
    const front = await startScriptedServer(async (req, res) => {
      if (req.url?.includes('/tags/list') && refused < 6) {
        refused++;
        res.writeHead(429, { 'retry-after': '0' }).end();
        return;
      }
      const upstream = await fetch(`${registry.url}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers: { accept: String(req.headers.accept ?? '*/*') },
      });
      const headers: Record<string, string> = {};
      upstream.headers.forEach((v, k) => (headers[k] = v));
      delete headers['content-encoding'];
      delete headers['transfer-encoding'];
      res.writeHead(upstream.status, headers).end(Buffer.from(await upstream.arrayBuffer()));
    });
    try {
      const created = await alice.call<{ id: string }>('POST', '/api/v1/connectors', {
        platform: 'generic',
        name: 'Rate limited',
        config: { endpoint: front.url },
      });
      expect(created.status).toBe(201);
      await server.runtime.jobs.idle();
      expect(refused).toBe(6);
      const connector = await alice.call<{ status: string; repositoryCount: number }>(
        'GET',
        `/api/v1/connectors/${created.body.id}`,
      );
      expect(connector.body).toMatchObject({ status: 'ok', repositoryCount: 6 });
      await alice.call('DELETE', `/api/v1/connectors/${created.body.id}`);
    } finally {
      await front.stop();
    }
  });
});

describe('search', () => {
  it('ranks exact, prefix, word, substring and fuzzy matches, connected before public', async () => {
    const res = await alice.call<{
      items: { source: string; repository: string; tag?: string; match: string; connectorName?: string }[];
    }>('GET', '/api/v1/search?q=python&limit=20');
    const connected = res.body.items.filter((i) => i.source === 'connected');
    const firstPublic = res.body.items.findIndex((i) => i.source === 'public');
    expect(firstPublic).toBeGreaterThan(0);
    expect(res.body.items.slice(firstPublic).every((i) => i.source === 'public')).toBe(true);
    expect(res.body.items.slice(firstPublic).map((i) => i.repository)).toEqual([
      'library/python',
      'someone/python-tools',
    ]);
    expect(connected[0]).toMatchObject({
      repository: 'team/python-app',
      match: 'prefix',
      connectorName: 'Local',
    });
    expect(connected.map((i) => i.repository)).toContain('tools/pythonic-helper');
    expect(connected.filter((i) => i.tag).length).toBeGreaterThan(0);

    const exact = await alice.call<{ items: { repository: string; match: string; source: string }[] }>(
      'GET',
      '/api/v1/search?q=worker',
    );
    expect(exact.body.items[0]).toMatchObject({
      repository: 'team/worker',
      match: 'exact',
      source: 'connected',
    });
    const fuzzy = await alice.call<{ items: { repository: string; match: string; source: string }[] }>(
      'GET',
      '/api/v1/search?q=zeta-unique-nmae',
    );
    expect(fuzzy.body.items.find((i) => i.source === 'connected')).toMatchObject({
      repository: 'team/zeta-unique-name',
      match: 'fuzzy',
    });
    // Public results keep their own budget below a full page of connected ones.
    const full = await alice.call<{ items: { source: string }[] }>(
      'GET',
      '/api/v1/search?q=python&limit=2&publicLimit=1',
    );
    expect(full.body.items.map((i) => i.source)).toEqual(['connected', 'connected', 'public']);
    const none = await alice.call<{ items: { source: string }[] }>(
      'GET',
      '/api/v1/search?q=python&publicLimit=0',
    );
    expect(none.body.items.every((i) => i.source === 'connected')).toBe(true);
    const short = await alice.call<{ items: { repository: string }[] }>('GET', '/api/v1/search?q=to');
    expect(short.body.items.map((i) => i.repository)).toContain('tools/pythonic-helper');
  });

  it('never shows one user the names of another', async () => {
    const res = await bob.call<{ items: { source: string }[] }>('GET', '/api/v1/search?q=python');
    expect(res.body.items.every((i) => i.source === 'public')).toBe(true);
    expect((await bob.call('GET', '/api/v1/tree')).body).toEqual([]);
    expect((await bob.call('GET', `/api/v1/connectors/${connectorId}/repositories`)).status).toBe(404);
    expect(
      (await bob.call('GET', `/api/v1/connectors/${connectorId}/tags?repository=team/worker`)).status,
    ).toBe(404);
    expect((await bob.call('POST', `/api/v1/connectors/${connectorId}/sync`)).status).toBe(404);
  });

  it('still answers when public search is unreachable', async () => {
    const offline = await startTestServer({}, { publicSearch: dockerHubPublicSearch('http://127.0.0.1:9') });
    try {
      const api = new Api(offline.url);
      await api.signup('carol@example.com', 'carol password 1');
      const res = await api.call<{ items: unknown[] }>('GET', '/api/v1/search?q=python');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    } finally {
      await offline.stop();
    }
  });
});

describe('search over many matching names', () => {
  it('lists a tag once when both its repository and its name match', async () => {
    const { user, created } = await userWithConnector('Once');
    await server.runtime.catalog.replaceRepositories(user.id, created.id, [
      { repository: { name: 'x/stable' }, tags: [{ name: 'stable' }, { name: '1.0' }] },
      { repository: { name: 'y/app' }, tags: [{ name: 'stable' }] },
    ]);
    const res = await searchCatalog(server.runtime.db, user.id, 'stable', 20);
    const names = res.map((i) => `${i.repository}${i.tag === undefined ? '' : `:${i.tag}`}`);
    expect(names).toEqual([...new Set(names)]);
    expect(names).toEqual(expect.arrayContaining(['x/stable', 'x/stable:stable', 'y/app:stable']));
  });

  it('never loses an exact or prefix match to the candidate cap, whatever the index order', async () => {
    const { user, created } = await userWithConnector('Many');
    // 600 names with "api" as a word, written before the two that start with it.
    const batch = Array.from({ length: 600 }, (_, i) => ({
      repository: { name: `team-${i % 7}/my-api-${i}` },
      tags: [{ name: 'latest' }],
    }));
    await server.runtime.catalog.replaceRepositories(user.id, created.id, batch);
    await server.runtime.catalog.replaceRepositories(user.id, created.id, [
      { repository: { name: 'zeta/api' }, tags: [{ name: 'latest' }] },
      { repository: { name: 'zeta/apiary' }, tags: [{ name: 'latest' }] },
    ]);
    const res = await searchCatalog(server.runtime.db, user.id, 'api', 5);
    expect(res.slice(0, 2).map((i) => [i.repository, i.tag ?? null, i.match])).toEqual([
      ['zeta/api', null, 'exact'],
      ['zeta/apiary', null, 'prefix'],
    ]);
  });

  it('finds a name whose middle path segment starts with the query, past the candidate cap', async () => {
    const { user, created } = await userWithConnector('Middle');
    // 600 names with "api" inside a segment, written before the ones with a segment starting
    // with it: the substring candidates (capped, in index order) hold none of the latter.
    const batch = Array.from({ length: 600 }, (_, i) => ({
      repository: { name: `team-${i % 7}/my-api-${i}` },
      tags: [{ name: 'latest' }],
    }));
    await server.runtime.catalog.replaceRepositories(user.id, created.id, batch);
    await server.runtime.catalog.replaceRepositories(user.id, created.id, [
      { repository: { name: 'x/api/y' }, tags: [{ name: 'latest' }] },
      { repository: { name: 'o/Apix/z' }, tags: [{ name: 'latest' }] },
      { repository: { name: 'o/p/apis' }, tags: [{ name: 'latest' }] },
    ]);
    const res = await searchCatalog(server.runtime.db, user.id, 'api', 20);
    const repositories = res.filter((i) => i.tag === undefined).map((i) => [i.repository, i.match]);
    expect(repositories.slice(0, 3)).toEqual([
      ['o/p/apis', 'prefix'],
      ['x/api/y', 'word'],
      ['o/Apix/z', 'word'],
    ]);
    // Once gone from the registry, a name no longer matches through its segments either.
    await server.runtime.catalog.removeRepositoriesExcept(
      user.id,
      created.id,
      new Set(batch.map((b) => b.repository.name)),
    );
    const after = await searchCatalog(server.runtime.db, user.id, 'api', 20);
    expect(after.map((i) => i.repository)).not.toContain('x/api/y');
    const { rows } = await sql<{ n: number }>`select count(*) as n from catalog_segments
      where owner_id = ${user.id} and segment like 'api%'`.execute(server.runtime.db);
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('lists tags that match exactly after as many exact repositories as asked for, and only then', async () => {
    const { user, created } = await userWithConnector('Exact');
    await server.runtime.catalog.replaceRepositories(
      user.id,
      created.id,
      ['x/stable', 'y/stable', 'zz/stable'].map((name) => ({
        repository: { name },
        tags: [{ name: 'stable' }],
      })),
    );
    const found = async (limit: number) =>
      (await searchCatalog(server.runtime.db, user.id, 'stable', limit)).map((i) => [
        i.repository,
        i.tag ?? null,
        i.match,
      ]);
    expect(await found(3)).toEqual([
      ['x/stable', null, 'exact'],
      ['y/stable', null, 'exact'],
      ['zz/stable', null, 'exact'],
    ]);
    expect(await found(4)).toEqual([
      ['x/stable', null, 'exact'],
      ['y/stable', null, 'exact'],
      ['zz/stable', null, 'exact'],
      ['x/stable', 'stable', 'exact'],
    ]);
  });

  it('reaches the tags of a name found in more repositories than the cap through the first ones in natural order', async () => {
    const { user, created } = await userWithConnector('Cap');
    // 450 repositories with the tag, written last first: storage order is not natural order.
    const names = Array.from({ length: 450 }, (_, i) => `app-${String(i).padStart(3, '0')}`);
    for (const name of [...names].reverse())
      await server.runtime.catalog.replaceRepositories(user.id, created.id, [
        { repository: { name }, tags: [{ name: 'release-candidate' }] },
      ]);
    const res = await searchCatalog(server.runtime.db, user.id, 'release-candidate', 5);
    expect(res.map((i) => [i.repository, i.tag, i.match])).toEqual(
      names.slice(0, 5).map((name) => [name, 'release-candidate', 'substring']),
    );
  });
});

describe('restart in the middle of a sync', () => {
  it('retries a job whose worker died, and completes it', async () => {
    const first = await startTestServer({}, { worker: false });
    const dataDir = first.dataDir;
    const api = new Api(first.url);
    await api.signup('dave@example.com', 'dave password 1');
    const created = await api.call<{ id: string }>('POST', '/api/v1/connectors', {
      platform: 'generic',
      name: 'Interrupted',
      config: { endpoint: registry.url },
    });
    // The process "dies" while running the sync: the job is left running with a lease.
    await first.runtime.db
      .updateTable('jobs')
      .set({ status: 'running', attempts: 1, locked_until: new Date(Date.now() + 200).toISOString() })
      .execute();
    await first.close();
    const second = await startTestServer({ BERTH_DATA_DIR: dataDir });
    try {
      await second.runtime.jobs.idle();
      const again = new Api(second.url);
      await again.login('dave@example.com', 'dave password 1');
      const connector = await again.call<{ status: string; repositoryCount: number }>(
        'GET',
        `/api/v1/connectors/${created.body.id}`,
      );
      expect(connector.body).toMatchObject({ status: 'ok', repositoryCount: 6 });
      const job = await second.runtime.db
        .selectFrom('jobs')
        .select(['status', 'attempts'])
        .executeTakeFirstOrThrow();
      expect(job).toEqual({ status: 'done', attempts: 2 });
    } finally {
      await second.stop();
    }
  });
});

describe('connector delete', () => {
  it('removes the names only that connector had from the database files', async () => {
    await pushImage(layout, 'a', registry, 'only-here/xq7-distinctive-repo:1');
    const api = new Api(server.url);
    await api.signup('erin@example.com', 'erin password 1');
    const created = await api.call<{ id: string }>('POST', '/api/v1/connectors', {
      platform: 'generic',
      name: 'Doomed',
      config: { endpoint: registry.url },
    });
    await server.runtime.jobs.idle();
    const files = () => databaseContentTexts(server);
    expect((await files()).some((t) => t.includes('xq7-distinctive-repo'))).toBe(true);
    // Alice's connector also has it (it is in the same registry): remove hers from the picture first.
    await alice.call('DELETE', `/api/v1/connectors/${connectorId}`);
    expect((await api.call('DELETE', `/api/v1/connectors/${created.body.id}`)).status).toBe(204);
    for (const text of await files()) expect(text.includes('xq7-distinctive-repo')).toBe(false);
  });
});

describe('the catalog store', () => {
  it('stores every tag field as listed, whatever the name, and lists it back in natural order', async () => {
    const { user, created } = await userWithConnector('Store');
    const platforms = [
      { os: 'linux', architecture: 'arm64', variant: 'v8', digest: `sha256:${'b'.repeat(64)}` },
    ];
    const tags = [
      {
        name: 'v1.10',
        digest: `sha256:${'a'.repeat(64)}`,
        size: 2 ** 40 + 3,
        pushedAt: '2026-01-02T03:04:05Z',
      },
      { name: `it's "quoted" \\ ünïcode ✓`, mediaType: 'application/vnd.oci.image.index.v1+json', platforms },
      { name: 'latest', size: 0 },
      { name: 'v1.9' },
    ];
    const catalog = server.runtime.catalog;
    const first = await catalog.replaceRepository(user.id, created.id, { name: 'x/y' }, tags);
    expect(first).toEqual({ added: 5, updated: 0, removed: 0 });
    const page = await catalog.listTags(user.id, created.id, 'x/y', { limit: 10 });
    expect(page?.items).toEqual([
      { name: 'latest', digest: null, mediaType: null, size: 0, pushedAt: null, platforms: [] },
      {
        name: `it's "quoted" \\ ünïcode ✓`,
        digest: null,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        size: null,
        pushedAt: null,
        platforms,
      },
      { name: 'v1.9', digest: null, mediaType: null, size: null, pushedAt: null, platforms: [] },
      {
        name: 'v1.10',
        digest: `sha256:${'a'.repeat(64)}`,
        mediaType: null,
        size: 2 ** 40 + 3,
        pushedAt: '2026-01-02T03:04:05Z',
        platforms: [],
      },
    ]);
    // The same listing again writes nothing; another user cannot write into this connector.
    expect(await catalog.replaceRepository(user.id, created.id, { name: 'x/y' }, tags)).toEqual({
      added: 0,
      updated: 0,
      removed: 0,
    });
    const other = await server.runtime.stores.users.create('intruder@example.com', 'intruder password 1');
    if (other === 'email_taken') throw new Error('fresh user expected');
    expect(await catalog.replaceRepository(other.id, created.id, { name: 'x/z' }, tags)).toEqual({
      added: 0,
      updated: 0,
      removed: 0,
    });
    expect(await catalog.listTags(user.id, created.id, 'x/z', { limit: 10 })).toBeUndefined();
  });
});

describe('a sync with many concurrent requests', () => {
  it("does not pile abort listeners onto the caller's signal (no MaxListenersExceededWarning)", async () => {
    const many = await startRegistry({ auth: 'none' });
    try {
      for (const repo of ['bulk/one', 'bulk/two', 'bulk/three'])
        for (let t = 0; t < 8; t++) await pushImage(layout, 'a', many, `${repo}:t${t}`);
      const { user, created } = await userWithConnector('Bulk', many.url);
      const sync = createSyncHandler({
        stores: server.runtime.stores,
        catalog: server.runtime.catalog,
        connectors: server.runtime.connectors,
        clock: server.runtime.clock,
      });
      const job: JobRecord = {
        id: 'direct',
        kind: 'catalog.sync',
        key: 'direct',
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
      };
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => void warnings.push(warning);
      const progress: unknown[] = [];
      process.on('warning', onWarning);
      try {
        // A plain signal, as any caller but the job queue would pass (the queue raises its limit).
        await sync(job, {
          signal: new AbortController().signal,
          reportProgress: (p) => {
            progress.push({ ...p });
            return Promise.resolve();
          },
        });
        await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
      expect(progress.at(-1)).toEqual({ repositoriesDone: 3, repositoriesTotal: 3, tagsDone: 24 });
      const page = await server.runtime.catalog.listRepositories(user.id, created.id, { limit: 10 });
      expect(page?.items.map((r) => [r.name, r.tagCount])).toEqual([
        ['bulk/one', 8],
        ['bulk/three', 8],
        ['bulk/two', 8],
      ]);
    } finally {
      await many.stop();
    }
  });
});

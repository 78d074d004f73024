import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pushImage,
  readRegistryContents,
  startDockerHubFake,
  startRegistry,
  type DockerHubFake,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { dockerHubPlatform, type Connector, type ConnectorContext } from '@berth/connectors';
import { buildImages, collect, CONTEXT, failure, pullManifest, source } from './vendor-fixture.js';

const TOKEN = 'dckr_pat_reader_ok_1234';
let layout: OciLayout;
let registry: RunningRegistry;
let hub: DockerHubFake;
const connectors: Connector[] = [];

beforeAll(async () => {
  layout = await buildImages();
  registry = await startRegistry({ auth: 'basic' });
  for (const name of [
    'reader/app0:v1',
    'reader/app1:v1',
    'reader/app2:v1',
    'reader/secret:v1',
    'acme/tool:v1',
    'other/x:v1',
  ])
    await pushImage(layout, 'one', registry, name);
  await pushImage(layout, 'multi', registry, 'reader/app0:multi', { all: true });
  hub = await startDockerHubFake({
    registry,
    maxPageSize: 2,
    privateRepositories: ['reader/secret'],
    users: [
      { username: 'reader', secret: TOKEN, namespaces: ['reader', 'acme'] },
      {
        username: 'public',
        secret: 'dckr_pat_public_only',
        namespaces: ['public', 'reader'],
        scope: 'repo:public_read',
      },
    ],
  });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await hub?.stop();
  await registry?.stop();
  await layout?.remove();
});

function connect(
  credentials = { username: 'reader', token: TOKEN },
  config: Record<string, string> = { organizations: 'acme' },
  context: ConnectorContext = CONTEXT,
): Connector {
  const c = dockerHubPlatform.create(
    { endpoint: hub.url, registryEndpoint: hub.url, ...config },
    source(credentials),
    context,
  );
  connectors.push(c);
  return c;
}

describe('Docker Hub connector', () => {
  it('validates a Repo Read-only token', async () => {
    const result = await connect().validate();
    expect(result.detail).toMatch(/reader, acme/);
  });

  it('names a wrong token precisely, without echoing it', async () => {
    const e = await failure(connect({ username: 'reader', token: 'dckr_pat_wrong_9999' }).validate());
    expect(e).toMatchObject({ code: 'invalid_credentials' });
    expect(e.message).toMatch(
      /Docker Hub rejected the username "reader".*Docker ID \(not your e-mail address\)/,
    );
    expect(e.message).not.toContain('dckr_pat_wrong_9999');
  });

  it('says which organisation the token may not read', async () => {
    const e = await failure(connect(undefined, { organizations: 'other' }).validate());
    expect(e).toMatchObject({ code: 'insufficient_permissions' });
    expect(e.message).toMatch(/list the repositories of "other".*member of that organisation/);
  });

  it('lists every repository of the user and the organisations across pages', async () => {
    hub.clearRequests();
    const c = connect();
    const { items, pages } = await collect((cursor) => c.listRepositories(cursor));
    expect(items.map((r) => r.name)).toEqual([
      'reader/app0',
      'reader/app1',
      'reader/app2',
      'reader/secret',
      'acme/tool',
    ]);
    expect(pages).toBeGreaterThan(2);
    expect(
      hub
        .requests()
        .filter((r) => r.path.includes('/repositories?'))
        .every((r) => /page_size=100/.test(r.path)),
    ).toBe(true);
  });

  it('a Public Repo Read-only token does not see private repositories', async () => {
    const c = connect({ username: 'public', token: 'dckr_pat_public_only' }, { organizations: 'reader' });
    const { items } = await collect((cursor) => c.listRepositories(cursor));
    expect(items.map((r) => r.name)).not.toContain('reader/secret');
    expect(items.map((r) => r.name)).toContain('reader/app1');
  });

  it('lists tags with the digests the registry serves, and pulls through the keychain', async () => {
    const truth = (await readRegistryContents(registry)).find((r) => r.name === 'reader/app0');
    const c = connect();
    const { items } = await collect((cursor) => c.listTags('reader/app0', cursor));
    expect(items.map((t) => [t.name, t.digest])).toEqual(truth?.tags.map((t) => [t.name, t.digest]));
    const multi = items.find((t) => t.name === 'multi');
    expect(
      multi?.platforms?.map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`),
    ).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(multi?.pushedAt).toBeTruthy();
    const pulled = await pullManifest(c, 'reader/app0', 'v1');
    expect(pulled.digest).toBe(items.find((t) => t.name === 'v1')?.digest);
    const image = c.imageSource?.('reader/app0');
    const fetched = await image?.getManifest('v1');
    expect(fetched?.digest).toBe(pulled.digest);
    if (fetched?.manifest.kind === 'manifest')
      await expect(image?.readBlob(fetched.manifest.config)).resolves.toBeInstanceOf(Buffer);
  });

  it('waits out a 429 with Retry-After and carries on', async () => {
    hub.clearRequests();
    hub.failNext({ status: 429, retryAfterSeconds: 1, match: /repositories\?/ });
    const started = Date.now();
    const page = await connect().listRepositories(undefined);
    expect(page.items.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(hub.requests().map((r) => r.status)).toContain(429);
  });

  it('reports rate limiting when the wait is longer than Berth accepts', async () => {
    hub.failNext({ status: 429, retryAfterSeconds: 3600, match: /repositories\?/ });
    const e = await failure(connect().listRepositories(undefined));
    expect(e).toMatchObject({ code: 'rate_limited', retryAfterMs: 3_600_000 });
  });

  it('recovers when the token expires mid-listing', async () => {
    const c = connect();
    const first = await c.listRepositories(undefined);
    const before = hub.tokenExchanges();
    hub.expireTokens();
    const second = await c.listRepositories(first.next);
    expect(second.items.length).toBeGreaterThan(0);
    expect(hub.tokenExchanges()).toBe(before + 1);
    expect(c.rateLimit()).toMatchObject({ limit: 180 });
  });

  it('reports an unreachable endpoint', async () => {
    const c = dockerHubPlatform.create(
      { endpoint: 'http://127.0.0.1:9', registryEndpoint: 'http://127.0.0.1:9' },
      source({ username: 'reader', token: TOKEN }),
      { endpointPolicy: 'default', retry: { maxRetries: 0 } },
    );
    connectors.push(c);
    const e = await failure(c.validate());
    expect(e).toMatchObject({ code: 'endpoint_unreachable' });
    expect(e.message).toMatch(/Docker Hub cannot be reached/);
  });

  it('refuses a cloud metadata address before any packet is sent', async () => {
    const c = dockerHubPlatform.create(
      { endpoint: 'http://169.254.169.254' },
      source({ username: 'u', token: 't' }),
      CONTEXT,
    );
    connectors.push(c);
    await expect(c.validate()).rejects.toMatchObject({ code: 'endpoint_blocked' });
  });

  it('checks the shape of credentials and config', () => {
    expect(() => dockerHubPlatform.check({}, { username: 'u' })).toThrow(/username \+ token/);
    expect(() => dockerHubPlatform.check({ endpoint: 'ftp://x' }, { username: 'u', token: 't' })).toThrow(
      /https:\/\//,
    );
    expect(dockerHubPlatform.instructions).toMatch(/Repo Read-only/);
    expect(dockerHubPlatform.instructions).toMatch(/Public Repo Read-only.*hides/);
  });
});

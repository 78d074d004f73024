import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pushImage,
  readRegistryContents,
  startAcrFake,
  startRegistry,
  type AcrFake,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { acrPlatform, type Connector, type ConnectorCredentials } from '@berth/connectors';
import { buildImages, collect, CONTEXT, failure, pullManifest, source } from './vendor-fixture.js';

const SP = { username: '00000000-1111-2222-3333-444444444444', password: 'sp-client-secret-000001' };
const SCOPED = { username: 'berth-token', password: 'scoped-token-password-01' };
let layout: OciLayout;
let registry: RunningRegistry;
let acr: AcrFake;
const connectors: Connector[] = [];

beforeAll(async () => {
  layout = await buildImages();
  registry = await startRegistry({ auth: 'basic' });
  for (const name of ['team/api:v1', 'team/api:v2', 'team/api:v3', 'team/web:v1'])
    await pushImage(layout, 'one', registry, name);
  await pushImage(layout, 'multi', registry, 'team/api:multi', { all: true });
  acr = await startAcrFake({
    registry,
    maxPageSize: 2,
    users: [
      { ...SP, repositories: 'all', catalog: true },
      { ...SCOPED, repositories: ['team/web'], catalog: false },
    ],
  });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await acr?.stop();
  await registry?.stop();
  await layout?.remove();
});

function connect(
  credentials: ConnectorCredentials = SP,
  config: Record<string, string> = {},
  context = CONTEXT,
): Connector {
  const c = acrPlatform.create({ endpoint: acr.url, ...config }, source(credentials), context);
  connectors.push(c);
  return c;
}

describe('Azure Container Registry connector', () => {
  it('validates a service principal, and a repository-scoped token with its repositories', async () => {
    expect((await connect().validate()).detail).toMatch(/catalog is readable/);
    expect((await connect(SCOPED, { repositories: 'team/web' }).validate()).detail).toMatch(
      /1 repositories are readable/,
    );
  });

  it('names wrong credentials precisely, without echoing them', async () => {
    const e = await failure(connect({ username: SP.username, password: 'wrong-secret-value' }).validate());
    expect(e).toMatchObject({ code: 'invalid_credentials' });
    expect(e.message).toMatch(
      /rejected the username and password: for the admin user .*service principal.*repository-scoped token/,
    );
    expect(e.message).not.toContain('wrong-secret-value');
  });

  it('says a repository-scoped token cannot list the catalog', async () => {
    const e = await failure(connect(SCOPED).validate());
    expect(e).toMatchObject({ code: 'insufficient_permissions' });
    expect(e.message).toMatch(/repository-scoped tokens cannot.*"Repositories"/);
  });

  it('says a token may not read a repository outside its scope map', async () => {
    const e = await failure(connect(SCOPED, { repositories: 'team/api' }).validate());
    expect(e).toMatchObject({ code: 'insufficient_permissions' });
    expect(e.message).toMatch(
      /may not read this .*grant AcrPull or add the repository to the token's scope map/,
    );
  });

  it('lists repositories from the catalog and tags across _tags pages', async () => {
    const c = connect();
    const repos = await collect((cursor) => c.listRepositories(cursor));
    expect(repos.items.map((r) => r.name)).toEqual(['team/api', 'team/web']);
    const truth = (await readRegistryContents(registry)).find((r) => r.name === 'team/api');
    const tags = await collect((cursor) => c.listTags('team/api', cursor));
    expect(tags.pages).toBe(2);
    expect(tags.items.map((t) => [t.name, t.digest])).toEqual(truth?.tags.map((t) => [t.name, t.digest]));
    const pulled = await pullManifest(c, 'team/api', 'multi');
    expect(pulled.digest).toBe(tags.items.find((t) => t.name === 'multi')?.digest);
    const image = c.imageSource?.('team/api');
    const fetched = await image?.getManifest('multi');
    expect(fetched?.digest).toBe(pulled.digest);
    if (fetched?.manifest.kind === 'manifest')
      await expect(image?.readBlob(fetched.manifest.config)).resolves.toBeInstanceOf(Buffer);
  });

  it('waits out a 429 with Retry-After', async () => {
    acr.clearRequests();
    acr.failNext({ status: 429, retryAfterSeconds: 1, match: /_tags/ });
    const page = await connect().listTags('team/web', undefined);
    expect(page.items.map((t) => t.name)).toEqual(['v1']);
    expect(
      acr
        .requests()
        .filter((r) => r.path.includes('_tags'))
        .map((r) => r.status),
    ).toEqual([429, 200]);
  });

  it('gets a new token when it expires mid-listing', async () => {
    const c = connect();
    const first = await c.listTags('team/api', undefined);
    const before = acr.tokenCount();
    acr.expireTokens();
    const second = await c.listTags('team/api', first.next);
    expect(second.items.map((t) => t.name)).toEqual(['v2', 'v3']);
    expect(acr.tokenCount()).toBe(before + 1);
  });

  it('reports an unreachable endpoint', async () => {
    const c = connect(
      SP,
      { endpoint: 'http://127.0.0.1:9' },
      { endpointPolicy: 'default', retry: { maxRetries: 0 } },
    );
    await expect(c.validate()).rejects.toMatchObject({ code: 'endpoint_unreachable' });
  });

  it('checks the registry name', () => {
    expect(() => acrPlatform.check({}, SP)).toThrow(/registryName is required/);
    expect(() => acrPlatform.check({ registryName: 'a.b' }, SP)).toThrow(/letters and digits/);
    expect(() => acrPlatform.check({ registryName: 'contoso' }, SP)).not.toThrow();
  });
});

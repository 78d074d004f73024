import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pushImage,
  readRegistryContents,
  startGitHubPackagesFake,
  startRegistry,
  type GitHubPackagesFake,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { ghcrPlatform, type Connector, type ConnectorCredentials } from '@berth/connectors';
import { buildImages, collect, CONTEXT, failure, pullManifest, source } from './vendor-fixture.js';

const TOKEN = 'ghp_readpackages000000000000000000001';
let layout: OciLayout;
let registry: RunningRegistry;
let github: GitHubPackagesFake;
const connectors: Connector[] = [];

beforeAll(async () => {
  layout = await buildImages();
  registry = await startRegistry({ auth: 'basic' });
  for (const name of [
    'octo/api:v1',
    'octo/api:v2',
    'octo/web:v1',
    'octo/tools/lint:v1',
    'acme/svc:v1',
    'other/x:v1',
  ])
    await pushImage(layout, 'one', registry, name);
  await pushImage(layout, 'multi', registry, 'octo/api:multi', { all: true });
  github = await startGitHubPackagesFake({
    registry,
    maxPageSize: 2,
    users: [
      { login: 'octo', token: TOKEN, scopes: ['read:packages'], orgs: ['acme'] },
      { login: 'octo', token: 'ghp_reponly00000000000000000000000002', scopes: ['repo'], orgs: ['acme'] },
    ],
  });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await github?.stop();
  await registry?.stop();
  await layout?.remove();
});

function connect(
  credentials: ConnectorCredentials = { username: 'octo', token: TOKEN },
  config: Record<string, string> = { organizations: 'acme' },
  context = CONTEXT,
): Connector {
  const c = ghcrPlatform.create(
    { endpoint: github.url, registryEndpoint: github.url, ...config },
    source(credentials),
    context,
  );
  connectors.push(c);
  return c;
}

describe('GitHub Container Registry connector', () => {
  it('validates a read:packages token', async () => {
    expect((await connect().validate()).detail).toMatch(/octo, acme/);
  });

  it('names a wrong token precisely, without echoing it', async () => {
    const e = await failure(
      connect({ username: 'octo', token: 'ghp_wrong000000000000000000000000000' }).validate(),
    );
    expect(e).toMatchObject({ code: 'invalid_credentials' });
    expect(e.message).toMatch(/GitHub rejected the personal access token.*read:packages/);
    expect(e.message).not.toContain('ghp_wrong');
  });

  it('says the token lacks read:packages', async () => {
    const e = await failure(
      connect({ username: 'octo', token: 'ghp_reponly00000000000000000000000002' }).validate(),
    );
    expect(e).toMatchObject({ code: 'insufficient_permissions' });
    expect(e.message).toMatch(/lacks the read:packages scope \(it has: repo\)/);
  });

  it('says which organisation the token may not read', async () => {
    const e = await failure(connect(undefined, { organizations: 'other' }).validate());
    expect(e).toMatchObject({ code: 'insufficient_permissions' });
    expect(e.message).toMatch(/container packages of other/);
  });

  it('lists packages of the user and organisations across Link pages', async () => {
    const { items, pages } = await collect((cursor) => connect().listRepositories(cursor));
    expect(items.map((r) => r.name)).toEqual(['octo/api', 'octo/tools/lint', 'octo/web', 'acme/svc']);
    expect(pages).toBe(3);
  });

  it('lists tags with the digests the registry serves, and pulls through the keychain', async () => {
    const truth = (await readRegistryContents(registry)).find((r) => r.name === 'octo/api');
    const c = connect();
    const { items } = await collect((cursor) => c.listTags('octo/api', cursor));
    expect(items.map((t) => [t.name, t.digest]).sort()).toEqual(
      truth?.tags.map((t) => [t.name, t.digest]).sort(),
    );
    const lint = await c.listTags('octo/tools/lint', undefined);
    expect(lint.items.map((t) => t.name)).toEqual(['v1']);
    const pulled = await pullManifest(c, 'octo/api', 'multi');
    expect(pulled.digest).toBe(items.find((t) => t.name === 'multi')?.digest);
    const image = c.imageSource?.('octo/api');
    const fetched = await image?.getManifest('multi');
    expect(fetched?.digest).toBe(pulled.digest);
    if (fetched?.manifest.kind === 'manifest')
      await expect(image?.readBlob(fetched.manifest.config)).resolves.toBeInstanceOf(Buffer);
  });

  it('waits out a 429 with Retry-After', async () => {
    github.clearRequests();
    github.failNext({ status: 429, retryAfterSeconds: 1, match: /\/user\/packages/ });
    const c = connect();
    const page = await c.listRepositories(undefined);
    expect(page.items.length).toBe(2);
    expect(github.requests().map((r) => r.status)).toEqual([429, 200]);
    expect(c.rateLimit()).toMatchObject({ limit: 5000 });
  });

  it('gets a new registry token when it expires mid-pull', async () => {
    const c = connect();
    await pullManifest(c, 'octo/web', 'v1');
    const before = github.registryTokenCount();
    github.expireTokens();
    await expect(pullManifest(c, 'octo/web', 'v1')).resolves.toMatchObject({
      digest: expect.stringMatching(/^sha256:/) as string,
    });
    expect(github.registryTokenCount()).toBeGreaterThan(before);
  });

  it('reports an unreachable endpoint', async () => {
    const c = connect(
      undefined,
      { endpoint: 'http://127.0.0.1:9' },
      { endpointPolicy: 'default', retry: { maxRetries: 0 } },
    );
    await expect(c.validate()).rejects.toMatchObject({ code: 'endpoint_unreachable' });
  });

  it('refuses a cloud metadata address', async () => {
    const c = connect(undefined, { endpoint: 'http://169.254.169.254' });
    await expect(c.validate()).rejects.toMatchObject({ code: 'endpoint_blocked' });
  });
});

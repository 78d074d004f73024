import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pushImage,
  readRegistryContents,
  startQuayFake,
  startRegistry,
  type OciLayout,
  type QuayFake,
  type RunningRegistry,
} from '@berth/testkit';
import { quayPlatform, type Connector, type ConnectorCredentials } from '@berth/connectors';
import { buildImages, collect, CONTEXT, failure, pullManifest, source } from './vendor-fixture.js';

const ROBOT = { username: 'acme+berth', password: 'ROBOTTOKEN0123456789' };
const OAUTH = 'quay-oauth-token-read-0001';
let layout: OciLayout;
let registry: RunningRegistry;
let quay: QuayFake;
const connectors: Connector[] = [];

beforeAll(async () => {
  layout = await buildImages();
  registry = await startRegistry({ auth: 'basic' });
  for (const name of ['acme/api:v1', 'acme/api:v2', 'acme/web:v1', 'acme/worker:v1', 'acme/secret:v1'])
    await pushImage(layout, 'one', registry, name);
  await pushImage(layout, 'multi', registry, 'acme/api:multi', { all: true });
  quay = await startQuayFake({
    registry,
    maxPageSize: 2,
    robots: [
      { username: ROBOT.username, token: ROBOT.password },
      { username: 'acme+narrow', token: 'NARROWTOKEN', repositories: ['acme/web'] },
    ],
    oauthTokens: [
      { token: OAUTH, scopes: ['repo:read'], namespaces: ['acme'] },
      { token: 'quay-oauth-no-scope', scopes: ['user:read'], namespaces: ['acme'] },
    ],
  });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await quay?.stop();
  await registry?.stop();
  await layout?.remove();
});

function connect(
  credentials: ConnectorCredentials = { ...ROBOT, oauthToken: OAUTH },
  config: Record<string, string> = {},
  retry = CONTEXT,
): Connector {
  const c = quayPlatform.create({ endpoint: quay.url, ...config }, source(credentials), retry);
  connectors.push(c);
  return c;
}

describe('Quay connector', () => {
  it('validates a robot account with and without an OAuth token', async () => {
    expect((await connect().validate()).detail).toMatch(/robot account and the OAuth token/);
    expect((await connect({ ...ROBOT }).validate()).detail).toMatch(/from the catalog/);
  });

  it('names a wrong robot token precisely, without echoing it', async () => {
    const e = await failure(connect({ username: ROBOT.username, password: 'WRONGROBOTTOKEN' }).validate());
    expect(e).toMatchObject({ code: 'invalid_credentials' });
    expect(e.message).toMatch(
      /Quay rejected the robot account and token: copy both from the robot account’s Docker Login tab/,
    );
    expect(e.message).not.toContain('WRONGROBOTTOKEN');
  });

  it('says the OAuth token lacks the repo:read scope', async () => {
    const e = await failure(connect({ ...ROBOT, oauthToken: 'quay-oauth-no-scope' }).validate());
    expect(e).toMatchObject({ code: 'insufficient_permissions' });
    expect(e.message).toMatch(/View all visible repositories/);
  });

  it('says a robot without Read may not pull', async () => {
    const c = connect({ username: 'acme+narrow', password: 'NARROWTOKEN' });
    await expect(c.listTags('acme/web', undefined)).resolves.toMatchObject({ items: [{ name: 'v1' }] });
    await expect(c.listTags('acme/api', undefined)).rejects.toMatchObject({
      code: 'insufficient_permissions',
    });
  });

  it('lists repositories across next_page pages with the API, and the same through the catalog', async () => {
    const api = await collect((cursor) => connect().listRepositories(cursor));
    expect(api.items.map((r) => r.name)).toEqual(['acme/api', 'acme/secret', 'acme/web', 'acme/worker']);
    expect(api.pages).toBe(2);
    const catalog = await collect((cursor) => connect({ ...ROBOT }).listRepositories(cursor));
    expect(catalog.items.map((r) => r.name)).toEqual(api.items.map((r) => r.name));
  });

  it('lists tags with the digests the registry serves (API and registry), and pulls through the keychain', async () => {
    const truth = (await readRegistryContents(registry)).find((r) => r.name === 'acme/api');
    const expected = truth?.tags.map((t) => [t.name, t.digest]);
    const c = connect();
    const viaApi = await collect((cursor) => c.listTags('acme/api', cursor));
    expect(viaApi.pages).toBe(2);
    expect(viaApi.items.map((t) => [t.name, t.digest])).toEqual(expected);
    expect(viaApi.items.find((t) => t.name === 'multi')?.platforms).toHaveLength(2);
    const viaRegistry = await collect((cursor) => connect({ ...ROBOT }).listTags('acme/api', cursor));
    expect(viaRegistry.items.map((t) => [t.name, t.digest]).sort()).toEqual(expected);
    const pulled = await pullManifest(c, 'acme/api', 'v1');
    expect(pulled.digest).toBe(viaApi.items.find((t) => t.name === 'v1')?.digest);
    const image = c.imageSource?.('acme/api');
    const fetched = await image?.getManifest('v1');
    expect(fetched?.digest).toBe(pulled.digest);
    if (fetched?.manifest.kind === 'manifest')
      await expect(image?.readBlob(fetched.manifest.config)).resolves.toBeInstanceOf(Buffer);
  });

  it('waits out a 429 with Retry-After', async () => {
    quay.clearRequests();
    quay.failNext({ status: 429, retryAfterSeconds: 1, match: /api\/v1\/repository\?/ });
    const page = await connect().listRepositories(undefined);
    expect(page.items.length).toBe(2);
    expect(quay.requests().map((r) => r.status)).toEqual([429, 200]);
  });

  it('gets a new registry token when it expires mid-listing', async () => {
    const c = connect({ ...ROBOT });
    await c.listRepositories(undefined);
    const before = quay.registryTokenCount();
    quay.expireTokens();
    const tags = await c.listTags('acme/web', undefined);
    expect(tags.items.map((t) => t.name)).toEqual(['v1']);
    expect(quay.registryTokenCount()).toBeGreaterThan(before);
  });

  it('says a revoked OAuth token must be replaced', async () => {
    const c = connect();
    const first = await c.listRepositories(undefined);
    quay.revokeOAuthTokens();
    const e = await failure(c.listRepositories(first.next));
    expect(e).toMatchObject({ code: 'invalid_credentials' });
    expect(e.message).toMatch(/OAuth token: it may have been revoked/);
  });

  it('reports an unreachable endpoint', async () => {
    const c = connect(
      undefined,
      { endpoint: 'http://127.0.0.1:9' },
      { endpointPolicy: 'default', retry: { maxRetries: 0 } },
    );
    await expect(c.validate()).rejects.toMatchObject({ code: 'endpoint_unreachable' });
  });

  it('checks the robot account name', () => {
    expect(() => quayPlatform.check({}, { username: 'berth', password: 'x' })).toThrow(/org\+name/);
    expect(() => quayPlatform.check({}, { username: 'acme+berth', password: 'x' })).not.toThrow();
  });
});

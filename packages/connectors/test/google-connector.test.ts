import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACT_REGISTRY_READER,
  pushImage,
  readRegistryContents,
  startGoogleFake,
  startRegistry,
  type GoogleFake,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { googlePlatform, type Connector } from '@berth/connectors';
import { buildImages, collect, CONTEXT, failure, pullManifest, source } from './vendor-fixture.js';

const READER = 'berth-reader@proj.iam.gserviceaccount.com';
const PULL_ONLY = 'berth-pull@proj.iam.gserviceaccount.com';
let layout: OciLayout;
let registry: RunningRegistry;
let google: GoogleFake;
const connectors: Connector[] = [];

beforeAll(async () => {
  layout = await buildImages();
  registry = await startRegistry({ auth: 'basic' });
  for (const name of [
    'proj/docker/app0:v1',
    'proj/docker/app1:v1',
    'proj/docker/team/app2:v1',
    'proj/other/x:v1',
  ])
    await pushImage(layout, 'one', registry, name);
  await pushImage(layout, 'multi', registry, 'proj/docker/app0:multi', { all: true });
  google = await startGoogleFake({
    registry,
    location: 'europe-west1',
    maxPageSize: 1,
    serviceAccounts: [
      { email: READER, permissions: ARTIFACT_REGISTRY_READER },
      { email: PULL_ONLY, permissions: ['artifactregistry.repositories.downloadArtifacts'] },
    ],
  });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await google?.stop();
  await registry?.stop();
  await layout?.remove();
});

function connect(
  key = google.serviceAccountKey(READER, 'proj'),
  config: Record<string, string> = {},
  context = CONTEXT,
): Connector {
  const c = googlePlatform.create(
    {
      location: 'europe-west1',
      repositories: 'docker',
      endpoint: google.url,
      registryEndpoint: google.url,
      ...config,
    },
    source({ serviceAccountKey: key }),
    context,
  );
  connectors.push(c);
  return c;
}

describe('Google Artifact Registry connector', () => {
  it('validates a service-account key', async () => {
    expect((await connect().validate()).detail).toMatch(
      /berth-reader@proj.iam.gserviceaccount.com; docker readable/,
    );
  });

  it('names a rejected key precisely, without echoing it', async () => {
    const forged = JSON.parse(google.serviceAccountKey(READER, 'proj')) as Record<string, unknown>;
    forged.private_key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const e = await failure(connect(JSON.stringify(forged)).validate());
    expect(e).toMatchObject({ code: 'invalid_credentials' });
    expect(e.message).toMatch(
      /Google rejected the service-account key of berth-reader@.*create a new JSON key/,
    );
    expect(e.message).not.toMatch(/PRIVATE KEY/);
  });

  it('says which role the service account lacks', async () => {
    const e = await failure(connect(google.serviceAccountKey(PULL_ONLY, 'proj')).validate());
    expect(e).toMatchObject({ code: 'insufficient_permissions' });
    expect(e.message).toMatch(
      /does not let berth-pull@.* list the images of proj\/docker: grant it Artifact Registry Reader \(roles\/artifactregistry.reader\)/,
    );
  });

  it('lists images across dockerImages pages, once per image', async () => {
    const { items, pages } = await collect((cursor) => connect().listRepositories(cursor));
    expect(items.map((r) => r.name)).toEqual([
      'proj/docker/app0',
      'proj/docker/app1',
      'proj/docker/team/app2',
    ]);
    expect(pages).toBe(4);
  });

  it('lists tags with the digests the registry serves, and pulls through the keychain', async () => {
    const truth = (await readRegistryContents(registry)).find((r) => r.name === 'proj/docker/app0');
    const c = connect();
    const { items } = await collect((cursor) => c.listTags('proj/docker/app0', cursor));
    expect(items.map((t) => [t.name, t.digest]).sort()).toEqual(
      truth?.tags.map((t) => [t.name, t.digest]).sort(),
    );
    expect(items.find((t) => t.name === 'multi')?.platforms).toHaveLength(2);
    const pulled = await pullManifest(c, 'proj/docker/app0', 'v1');
    expect(pulled.digest).toBe(items.find((t) => t.name === 'v1')?.digest);
    const image = c.imageSource?.('proj/docker/app0');
    const fetched = await image?.getManifest('v1');
    expect(fetched?.digest).toBe(pulled.digest);
    if (fetched?.manifest.kind === 'manifest')
      await expect(image?.readBlob(fetched.manifest.config)).resolves.toBeInstanceOf(Buffer);
  });

  it('lists gcr.io hosts through the catalog', async () => {
    const c = connect(undefined, { registryHost: 'gcr.io', repositories: '' });
    expect(await c.validate()).toMatchObject({ ok: true });
    const { items } = await collect((cursor) => c.listRepositories(cursor));
    expect(items.map((r) => r.name)).toEqual([
      'proj/docker/app0',
      'proj/docker/app1',
      'proj/docker/team/app2',
      'proj/other/x',
    ]);
  });

  it('waits out a 429 with Retry-After', async () => {
    google.clearRequests();
    google.failNext({ status: 429, retryAfterSeconds: 1, match: /dockerImages/ });
    const page = await connect().listRepositories(undefined);
    expect(page.items.map((r) => r.name)).toEqual(['proj/docker/app0']);
    expect(
      google
        .requests()
        .filter((r) => r.path.includes('dockerImages'))
        .map((r) => r.status),
    ).toEqual([429, 200]);
  });

  it('gets a new access token when it expires mid-listing', async () => {
    const c = connect();
    const first = await c.listRepositories(undefined);
    const before = google.tokenExchanges();
    google.expireTokens();
    const second = await c.listRepositories(first.next);
    expect(second.items).toEqual([]); // app0's second digest: the same image, not repeated
    expect(google.tokenExchanges()).toBe(before + 1);
  });

  it('gets a new access token when the registry refuses the old one during a pull', async () => {
    const c = connect();
    const image = c.imageSource?.('proj/docker/app1');
    const first = await image?.getManifest('v1');
    const before = google.tokenExchanges();
    google.expireTokens(); // the access token and the registry token are revoked early
    google.clearRequests();
    expect((await image?.getManifest('v1'))?.digest).toBe(first?.digest);
    expect(
      google.requests().filter((r) => r.status === 401 && r.path.startsWith('/v2/proj/docker/app1/')),
    ).toHaveLength(1);
    expect(google.tokenExchanges()).toBe(before + 1);
  });

  it('reports an unreachable endpoint', async () => {
    const c = connect(
      undefined,
      { endpoint: 'http://127.0.0.1:9' },
      { endpointPolicy: 'default', retry: { maxRetries: 0 } },
    );
    const key = JSON.parse(google.serviceAccountKey(READER, 'proj')) as Record<string, unknown>;
    key.token_uri = 'http://127.0.0.1:9/token';
    const c2 = connect(JSON.stringify(key), {}, { endpointPolicy: 'default', retry: { maxRetries: 0 } });
    await expect(c2.validate()).rejects.toMatchObject({ code: 'endpoint_unreachable' });
    await expect(c.listRepositories(undefined)).rejects.toMatchObject({ code: 'endpoint_unreachable' });
  });

  it('refuses a token_uri on a cloud metadata address', async () => {
    const key = JSON.parse(google.serviceAccountKey(READER, 'proj')) as Record<string, unknown>;
    key.token_uri = 'http://169.254.169.254/token';
    await expect(connect(JSON.stringify(key)).validate()).rejects.toMatchObject({ code: 'endpoint_blocked' });
  });

  it('checks the key and the configuration', () => {
    const key = google.serviceAccountKey(READER, 'proj');
    expect(() =>
      googlePlatform.check({ location: 'europe-west1', repositories: 'docker' }, { serviceAccountKey: '{' }),
    ).toThrow(/JSON file/);
    expect(() => googlePlatform.check({ repositories: 'docker' }, { serviceAccountKey: key })).toThrow(
      /location is required/,
    );
    expect(() => googlePlatform.check({ location: 'europe-west1' }, { serviceAccountKey: key })).toThrow(
      /at least one Artifact Registry repository/,
    );
    expect(() =>
      googlePlatform.check({ registryHost: 'eu.gcr.io' }, { serviceAccountKey: key }),
    ).not.toThrow();
  });
});

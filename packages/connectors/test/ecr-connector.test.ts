import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ECR_READ_ONLY,
  pushImage,
  readRegistryContents,
  startEcrFake,
  startRegistry,
  startStsFake,
  type EcrFake,
  type OciLayout,
  type RunningRegistry,
  type StsFake,
} from '@berth/testkit';
import {
  createEcrPlatform,
  ecrPlatform,
  newExternalId,
  type Connector,
  type ConnectorCredentials,
} from '@berth/connectors';
import { buildImages, collect, CONTEXT, failure, pullManifest, source } from './vendor-fixture.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/berth-read-only`;
const NARROW_ROLE = `arn:aws:iam::${ACCOUNT}:role/berth-no-images`;
const BERTH = {
  accessKeyId: 'AKIABERTHSERVER00001',
  secretAccessKey: 'berth-server-secret-key-0000000000000000',
};
const KEYS = {
  accessKeyId: 'AKIAREADONLYUSER0001',
  secretAccessKey: 'read-only-user-secret-00000000000000000',
};
const EXTERNAL_ID = newExternalId();

let layout: OciLayout;
let registry: RunningRegistry;
let sts: StsFake;
let ecr: EcrFake;
const connectors: Connector[] = [];
const platform = createEcrPlatform({ sourceCredentials: BERTH });

beforeAll(async () => {
  layout = await buildImages();
  registry = await startRegistry({ auth: 'basic' });
  for (const name of ['team/api:v1', 'team/api:v2', 'team/web:v1', 'team/worker:v1', 'tools/ci:v1'])
    await pushImage(layout, 'one', registry, name);
  await pushImage(layout, 'multi', registry, 'team/api:multi', { all: true });
  sts = await startStsFake({
    callers: [BERTH],
    roles: [
      { arn: ROLE, externalId: EXTERNAL_ID, permissions: ECR_READ_ONLY },
      {
        arn: NARROW_ROLE,
        externalId: EXTERNAL_ID,
        permissions: ['ecr:GetAuthorizationToken', 'ecr:DescribeRepositories'],
      },
    ],
  });
  ecr = await startEcrFake({
    registry,
    accountId: ACCOUNT,
    region: 'eu-west-1',
    sts,
    users: [{ ...KEYS, permissions: ECR_READ_ONLY }],
    maxPageSize: 2,
  });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await ecr?.stop();
  await sts?.stop();
  await registry?.stop();
  await layout?.remove();
});

function connect(
  config: Record<string, string> = {},
  credentials: ConnectorCredentials = {},
  p = platform,
): Connector {
  const c = p.create(
    {
      region: 'eu-west-1',
      roleArn: ROLE,
      externalId: EXTERNAL_ID,
      endpoint: ecr.url,
      stsEndpoint: sts.url,
      registryEndpoint: ecr.url,
      ...config,
    },
    source(credentials),
    CONTEXT,
  );
  connectors.push(c);
  return c;
}

describe('AWS ECR connector', () => {
  it('assumes the role with the external ID and validates', async () => {
    const before = sts.assumeRoleCount();
    expect((await connect().validate()).detail).toMatch(
      /role arn:aws:iam::123456789012:role\/berth-read-only/,
    );
    expect(sts.assumeRoleCount()).toBe(before + 1);
  });

  it('validates an access key pair', async () => {
    const c = connect({ roleArn: '', externalId: '', accountId: ACCOUNT }, KEYS);
    expect(await c.validate()).toMatchObject({ ok: true });
  });

  it('names a wrong external ID precisely', async () => {
    const e = await failure(connect({ externalId: 'berth-wrong-external-id' }).validate());
    expect(e).toMatchObject({ code: 'invalid_credentials' });
    expect(e.message).toMatch(/trust policy.*external ID "berth-wrong-external-id"/);
  });

  it('names a wrong secret key, without echoing it', async () => {
    const c = connect(
      { roleArn: '', externalId: '', accountId: ACCOUNT },
      { accessKeyId: KEYS.accessKeyId, secretAccessKey: 'not-the-secret-key-000000000000000000000' },
    );
    const e = await failure(c.validate());
    expect(e).toMatchObject({ code: 'invalid_credentials' });
    expect(e.message).toMatch(/AWS rejected the access key: check the access key ID and secret access key/);
    expect(e.message).not.toContain('not-the-secret-key');
  });

  it('says which ECR permission the role lacks', async () => {
    const c = connect({ roleArn: NARROW_ROLE });
    expect(await c.validate()).toMatchObject({ ok: true });
    const e = await failure(c.listTags('team/api', undefined));
    expect(e).toMatchObject({ code: 'insufficient_permissions' });
    expect(e.message).toMatch(
      /may not call ecr:DescribeImages: attach the AWS managed policy AmazonEC2ContainerRegistryReadOnly/,
    );
  });

  it('lists repositories across nextToken pages', async () => {
    const c = connect();
    const { items, pages } = await collect((cursor) => c.listRepositories(cursor));
    expect(items.map((r) => r.name)).toEqual(['team/api', 'team/web', 'team/worker', 'tools/ci']);
    expect(pages).toBe(2);
  });

  it('lists tags with the digests the registry serves, and pulls through the keychain', async () => {
    const truth = (await readRegistryContents(registry)).find((r) => r.name === 'team/api');
    const c = connect();
    const { items } = await collect((cursor) => c.listTags('team/api', cursor));
    const got = items.map((t) => [t.name, t.digest]).sort();
    expect(got).toEqual(truth?.tags.map((t) => [t.name, t.digest]).sort());
    expect(items.find((t) => t.name === 'multi')?.platforms?.map((p) => p.architecture)).toEqual([
      'amd64',
      'arm64',
    ]);
    expect(items[0]?.pushedAt).toBe('2024-01-01T00:00:00.000Z');
    const pulled = await pullManifest(c, 'team/api', 'v2');
    expect(pulled.digest).toBe(items.find((t) => t.name === 'v2')?.digest);
    const image = c.imageSource?.('team/api');
    const fetched = await image?.getManifest('v2');
    expect(fetched?.digest).toBe(pulled.digest);
    if (fetched?.manifest.kind === 'manifest')
      await expect(image?.readBlob(fetched.manifest.config)).resolves.toBeInstanceOf(Buffer);
  });

  it('retries a 429 with Retry-After', async () => {
    ecr.clearRequests();
    ecr.failNext({
      status: 429,
      retryAfterSeconds: 1,
      json: { __type: 'ThrottlingException', message: 'Rate exceeded' },
      headers: { 'x-amzn-errortype': 'ThrottlingException' },
    });
    const c = connect({ roleArn: '', externalId: '', accountId: ACCOUNT }, KEYS);
    const page = await c.listRepositories(undefined);
    expect(page.items.length).toBe(2);
    expect(ecr.requests().map((r) => r.status)).toEqual([429, 200]);
  });

  it('reports rate limiting when throttling persists', async () => {
    ecr.failNext({
      status: 429,
      times: 3,
      json: { __type: 'ThrottlingException', message: 'Rate exceeded' },
    });
    const c = connect({ roleArn: '', externalId: '', accountId: ACCOUNT }, KEYS);
    await expect(c.listRepositories(undefined)).rejects.toMatchObject({ code: 'rate_limited' });
    ecr.clearFailures();
  });

  it('assumes the role again when the session expires mid-listing', async () => {
    const c = connect();
    const first = await c.listRepositories(undefined);
    const before = sts.assumeRoleCount();
    sts.expireSessions();
    const second = await c.listRepositories(first.next);
    expect(second.items.map((r) => r.name)).toEqual(['team/worker', 'tools/ci']);
    expect(sts.assumeRoleCount()).toBe(before + 1);
  });

  it('fetches a new registry password when the registry refuses the old one, after one 401', async () => {
    const c = connect();
    const image = c.imageSource?.('team/web');
    const first = await image?.getManifest('v1');
    const before = ecr.calls('GetAuthorizationToken');
    ecr.expireAuthorizationTokens(); // revoked long before its 12 hours are up
    ecr.clearRequests();
    // The connector's own client (listing, profiles) and a client fed by its keychain (pulls).
    expect((await image?.getManifest('v1'))?.digest).toBe(first?.digest);
    const refused = () =>
      ecr.requests().filter((r) => r.status === 401 && r.path.startsWith('/v2/team/web/'));
    expect(refused()).toHaveLength(1);
    expect(ecr.calls('GetAuthorizationToken')).toBe(before + 1);
    ecr.expireAuthorizationTokens();
    ecr.clearRequests();
    expect((await pullManifest(c, 'team/web', 'v1')).digest).toBe(first?.digest);
    expect(refused()).toHaveLength(1);
    expect(ecr.calls('GetAuthorizationToken')).toBe(before + 2);
    ecr.expireAuthorizationTokens();
    expect(await c.validate()).toMatchObject({ ok: true });
    expect(ecr.calls('GetAuthorizationToken')).toBe(before + 3);
  });

  it('reports an unreachable endpoint', async () => {
    const c = platform.create(
      {
        region: 'eu-west-1',
        accountId: ACCOUNT,
        endpoint: 'http://127.0.0.1:9',
        registryEndpoint: 'http://127.0.0.1:9',
      },
      source(KEYS),
      { endpointPolicy: 'default', retry: { maxRetries: 0 } },
    );
    connectors.push(c);
    await expect(c.validate()).rejects.toMatchObject({ code: 'endpoint_unreachable' });
  });

  it('refuses a cloud metadata address before any packet is sent', async () => {
    const c = ecrPlatform.create(
      { region: 'eu-west-1', accountId: ACCOUNT, endpoint: 'http://169.254.169.254' },
      source(KEYS),
      { endpointPolicy: 'default', retry: { maxRetries: 0 } },
    );
    connectors.push(c);
    await expect(c.validate()).rejects.toMatchObject({ code: 'endpoint_blocked' });
  });

  it('resolves names through the endpoint policy inside the AWS SDK', async () => {
    const port = new URL(ecr.url).port;
    const c = ecrPlatform.create(
      {
        region: 'eu-west-1',
        accountId: ACCOUNT,
        endpoint: `http://localhost:${port}`,
        registryEndpoint: `http://localhost:${port}`,
      },
      source(KEYS),
      { endpointPolicy: 'strict', retry: { maxRetries: 0 } },
    );
    connectors.push(c);
    await expect(c.listRepositories(undefined)).rejects.toMatchObject({ code: 'endpoint_blocked' });
  });

  it('checks the configuration', () => {
    expect(() => ecrPlatform.check({ region: 'eu-west-1' }, {})).toThrow(
      /role ARN \(preferred\) or an access key pair/,
    );
    expect(() => ecrPlatform.check({ region: 'eu-west-1', roleArn: ROLE }, {})).toThrow(
      /externalId is required/,
    );
    expect(() => ecrPlatform.check({ region: 'mars', roleArn: ROLE, externalId: EXTERNAL_ID }, {})).toThrow(
      /not an AWS region/,
    );
    expect(() =>
      ecrPlatform.check({ region: 'eu-west-1', roleArn: ROLE, externalId: EXTERNAL_ID }, {}),
    ).not.toThrow();
    expect(newExternalId()).not.toBe(newExternalId());
  });
});

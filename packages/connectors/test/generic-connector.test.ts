import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildVendorImages,
  pushImage,
  startRegistry,
  type OciLayout,
  type RegistryAuth,
  type RunningRegistry,
} from '@berth/testkit';
import { genericPlatform, type Connector, type ConnectorCredentials } from '@berth/connectors';

let layout: OciLayout;
beforeAll(async () => {
  layout = await buildVendorImages();
});
afterAll(async () => layout?.remove());

const connectors: Connector[] = [];
afterAll(async () => Promise.all(connectors.map((c) => c.close())));

function connect(
  registry: RunningRegistry,
  credentials: ConnectorCredentials,
  config: Record<string, string> = {},
): Connector {
  const c = genericPlatform.create(
    { endpoint: registry.url, ...config },
    () => Promise.resolve(credentials),
    { endpointPolicy: 'default', retry: { maxRetries: 1, baseDelayMs: 5 } },
  );
  connectors.push(c);
  return c;
}

describe.each(['none', 'basic', 'token'] as RegistryAuth[])('generic connector, registry auth=%s', (auth) => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth });
    for (let i = 0; i < 3; i++) await pushImage(layout, 'one', registry, `team/app${i}:v1.${i}`);
    await pushImage(layout, 'one', registry, 'team/app0:latest');
    await pushImage(layout, 'multi', registry, 'team/app0:multi', { all: true });
  });
  afterAll(async () => registry?.stop());

  const good = (): ConnectorCredentials => (registry.credentials ? { ...registry.credentials } : {});

  it('validates working credentials', async () => {
    expect(await connect(registry, good()).validate()).toMatchObject({ ok: true });
  });

  if (auth !== 'none') {
    it('names wrong credentials precisely', async () => {
      const e = await connect(registry, {
        username: registry.credentials?.username ?? 'x',
        password: 'wrong-password',
      })
        .validate()
        .catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'invalid_credentials' });
      expect((e as Error).message).toMatch(/rejected the username and password/);
      expect((e as Error).message).not.toContain('wrong-password');
    });

    it('says anonymous access is not enough', async () => {
      await expect(connect(registry, {}).validate()).rejects.toMatchObject({
        code: 'invalid_credentials',
        message: expect.stringMatching(/requires credentials/) as string,
      });
    });
  }

  it('lists repositories and tags with digests, sizes and platforms', async () => {
    const c = connect(registry, good());
    const repos = await c.listRepositories(undefined);
    expect(repos.items.map((r) => r.name)).toEqual(['team/app0', 'team/app1', 'team/app2']);
    const tags = await c.listTags('team/app0', undefined);
    const byName = Object.fromEntries(tags.items.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['latest', 'multi', 'v1.0']);
    expect(byName['v1.0']).toMatchObject({
      digest: expect.stringMatching(/^sha256:/) as string,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: expect.any(Number) as number,
    });
    expect(
      byName.multi?.platforms?.map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`),
    ).toEqual(['linux/amd64', 'linux/arm64/v8']);
  });

  it('uses repositories typed by hand when given', async () => {
    const c = connect(registry, good(), { repositories: 'team/app2, team/app1' });
    expect((await c.listRepositories(undefined)).items.map((r) => r.name)).toEqual([
      'team/app2',
      'team/app1',
    ]);
    expect(await c.validate()).toMatchObject({ ok: true });
  });
});

describe('generic connector configuration and endpoints', () => {
  it.each([
    [{}, {}, /config.endpoint is required/],
    [{ endpoint: 'ftp://x' }, {}, /must start with https:\/\/ or http:\/\//],
    [{ endpoint: 'https://u:p@x' }, {}, /must not contain credentials/],
    [
      { endpoint: 'https://x' },
      { username: 'only' },
      /credentials must be: none \(anonymous\), or username \+ password, or token/,
    ],
  ])('refuses %j %j', (config, credentials, message) => {
    expect(() => genericPlatform.check(config, credentials)).toThrow(message);
  });

  it('refuses cloud metadata addresses before any packet is sent', async () => {
    const c = genericPlatform.create({ endpoint: 'http://169.254.169.254' }, () => Promise.resolve({}), {
      endpointPolicy: 'default',
    });
    connectors.push(c);
    await expect(c.validate()).rejects.toMatchObject({ code: 'endpoint_blocked' });
  });

  it('reports an unreachable endpoint', async () => {
    const c = genericPlatform.create({ endpoint: 'http://127.0.0.1:9' }, () => Promise.resolve({}), {
      endpointPolicy: 'default',
      retry: { maxRetries: 0 },
    });
    connectors.push(c);
    await expect(c.validate()).rejects.toMatchObject({ code: 'endpoint_unreachable' });
  });
});

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayout, pushImage, startRegistry } from '../src/index.js';
import type { OciLayout, RunningRegistry } from '../src/index.js';
import { basic, fetchToken, registryGet } from './registry-client.js';

let layout: OciLayout;

beforeAll(async () => {
  layout = await createLayout();
  await layout.addImage('small', {
    layers: [{ entries: [{ type: 'file', path: 'hello.txt', content: 'hello\n' }] }],
  });
});

afterAll(async () => {
  await layout.remove();
});

describe('startRegistry without auth', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry.stop();
  });

  it('serves /v2/ through the recording proxy and records only proxied requests', async () => {
    expect(registry.auth).toBe('none');
    expect(registry.url).toBe(`http://${registry.host}`);
    expect(registry.host).not.toBe(registry.pushHost);
    expect(registry.credentials).toBeUndefined();
    registry.clearRequests();

    const { digest } = await pushImage(layout, 'small', registry, 'library/small:1');
    expect(registry.requests()).toEqual([]); // pushes go straight to the registry

    const response = await registryGet(registry, '/v2/library/small/manifests/1');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-content-digest')).toBe(digest);
    await response.body?.cancel();
    const head = await registryGet(registry, '/v2/library/small/manifests/1?probe=1', undefined, 'HEAD');
    expect(head.status).toBe(200);

    expect(registry.requests()).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/v2/library/small/manifests/1',
        status: 200,
        authorization: false,
      }),
      expect.objectContaining({ method: 'HEAD', path: '/v2/library/small/manifests/1?probe=1', status: 200 }),
    ]);
    expect(registry.requests()[0]?.headers.accept).toContain('application/vnd.oci.image.manifest.v1+json');
  });

  it('exposes blob paths in storage that tests can corrupt', async () => {
    const built = await layout.addImage('corrupt', {
      layers: [{ entries: [{ type: 'file', path: 'data', content: 'original' }] }],
    });
    await pushImage(layout, 'corrupt', registry, 'library/corrupt:1');
    const layer = built.layers[0];
    if (!layer) throw new Error('no layer');
    const stored = await readFile(registry.blobPath(layer.digest));
    expect(`sha256:${createHash('sha256').update(stored).digest('hex')}`).toBe(layer.digest);
    expect(() => registry.blobPath('nonsense')).toThrow(/not a digest/);
  });

  it('streams blobs with Range support through the proxy', async () => {
    const built = await layout.addImage('range', {
      layers: [
        { entries: [{ type: 'file', path: 'big', content: 'x'.repeat(100_000) }], compression: 'none' },
      ],
    });
    await pushImage(layout, 'range', registry, 'library/range:1');
    const layer = built.layers[0];
    if (!layer) throw new Error('no layer');
    const whole = await fetch(`${registry.url}/v2/library/range/blobs/${layer.digest}`);
    expect(whole.status).toBe(200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.byteLength).toBe(layer.size);
    const partial = await fetch(`${registry.url}/v2/library/range/blobs/${layer.digest}`, {
      headers: { range: 'bytes=0-511' },
    });
    expect(partial.status).toBe(206);
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(bytes.subarray(0, 512));
  });
});

describe('startRegistry with basic auth', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic' });
  });
  afterAll(async () => {
    await registry.stop();
  });

  it('answers 401 without credentials and 200 with either user', async () => {
    const anonymous = await registryGet(registry, '/v2/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const { credentials, pushCredentials } = registry;
    if (!credentials || !pushCredentials) throw new Error('no credentials');
    expect((await registryGet(registry, '/v2/', basic(credentials))).status).toBe(200);
    expect((await registryGet(registry, '/v2/', basic(pushCredentials))).status).toBe(200);
    const wrong = await registryGet(
      registry,
      '/v2/',
      basic({ username: credentials.username, password: 'nope' }),
    );
    expect(wrong.status).toBe(401);
    expect(registry.requests().map((request) => [request.status, request.authorization])).toEqual([
      [401, false],
      [200, true],
      [200, true],
      [401, true],
    ]);
  });

  it('lets the pusher push and the reader pull', async () => {
    const { digest } = await pushImage(layout, 'small', registry, 'team/small:1');
    if (!registry.credentials) throw new Error('no credentials');
    const response = await registryGet(registry, '/v2/team/small/manifests/1', basic(registry.credentials));
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-content-digest')).toBe(digest);
  });
});

describe('startRegistry with token auth', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token', anonymousPull: ['public/'], tokenTtlSeconds: 120 });
    await pushImage(layout, 'small', registry, 'public/small:1');
    await pushImage(layout, 'small', registry, 'private/small:1');
  });
  afterAll(async () => {
    await registry.stop();
  });

  it('challenges with a Bearer realm on the token server', async () => {
    const response = await registryGet(registry, '/v2/');
    expect(response.status).toBe(401);
    const server = registry.tokenServer;
    expect(server).toBeDefined();
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="${server?.realm}",service="${server?.service}"`,
    );
  });

  it('gives the reader pull and catalog access and a working token', async () => {
    const reader = registry.credentials;
    if (!reader) throw new Error('no credentials');
    const before = registry.tokenServer?.requestCount() ?? 0;
    const result = await fetchToken(
      registry,
      ['repository:private/small:pull,push', 'registry:catalog:*'],
      reader,
    );
    expect(result.status).toBe(200);
    expect(result.claims?.access).toEqual([
      { type: 'repository', name: 'private/small', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect(registry.tokenServer?.requestCount()).toBe(before + 1);
    expect(registry.tokenServer?.requests().at(-1)).toEqual({
      scope: ['repository:private/small:pull,push', 'registry:catalog:*'],
      account: reader.username,
      user: reader.username,
      status: 200,
    });

    const bearer = `Bearer ${result.token}`;
    const manifest = await registryGet(registry, '/v2/private/small/manifests/1', bearer);
    expect(manifest.status).toBe(200);
    const catalog = await registryGet(registry, '/v2/_catalog', bearer);
    expect(catalog.status).toBe(200);
    expect(await catalog.json()).toEqual({ repositories: ['private/small', 'public/small'] });
  });

  it('lets anonymous callers pull only repositories under the allowed prefixes', async () => {
    const result = await fetchToken(registry, [
      'repository:public/small:pull',
      'repository:private/small:pull',
      'registry:catalog:*',
    ]);
    expect(result.status).toBe(200);
    expect(result.claims?.access).toEqual([
      { type: 'repository', name: 'public/small', actions: ['pull'] },
      { type: 'repository', name: 'private/small', actions: [] },
      { type: 'registry', name: 'catalog', actions: [] },
    ]);
    const bearer = `Bearer ${result.token}`;
    expect((await registryGet(registry, '/v2/public/small/manifests/1', bearer)).status).toBe(200);
    expect((await registryGet(registry, '/v2/private/small/manifests/1', bearer)).status).toBe(401);
    expect((await registryGet(registry, '/v2/_catalog', bearer)).status).toBe(401);
  });

  it('rejects a wrong password at the token server', async () => {
    const reader = registry.credentials;
    if (!reader) throw new Error('no credentials');
    const result = await fetchToken(registry, ['repository:public/small:pull'], {
      ...reader,
      password: 'wrong',
    });
    expect(result.status).toBe(401);
    expect(registry.tokenServer?.requests().at(-1)?.status).toBe(401);
  });

  it('keeps push rights for the pusher only', async () => {
    const reader = registry.credentials;
    const pusher = registry.pushCredentials;
    if (!reader || !pusher) throw new Error('no credentials');
    const scope = ['repository:private/small:pull,push'];
    const readerToken = await fetchToken(registry, scope, reader);
    const pusherToken = await fetchToken(registry, scope, pusher);
    expect(pusherToken.claims?.access[0]?.actions).toEqual(['pull', 'push']);
    const startUpload = (token: string | undefined): Promise<Response> =>
      fetch(`http://${registry.pushHost}/v2/private/small/blobs/uploads/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await startUpload(readerToken.token)).status).toBe(401);
    const accepted = await startUpload(pusherToken.token);
    expect(accepted.status).toBe(202);
  });
});

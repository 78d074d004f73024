// The client against the real CNCF distribution registry, in its three auth modes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import {
  createLayout,
  pushImage,
  startRegistry,
  type BuiltImage,
  type BuiltIndex,
  type OciLayout,
  type RegistryAuth,
  type RunningRegistry,
} from '@berth/testkit';
import {
  ANONYMOUS_KEYCHAIN,
  RegistryClient,
  basicAuthenticator,
  computeDigest,
  isOciError,
  parsePlatform,
  readLimited,
  remoteImageSource,
  resolveImage,
  staticKeychain,
  MediaType,
  ociLayoutSource,
  type Keychain,
} from '@berth/oci';

let layout: OciLayout;
let app1: BuiltImage;
let app2: BuiltImage;
let multi: BuiltIndex;
let zstdImage: BuiltImage;
let corrupt: BuiltImage;

beforeAll(async () => {
  layout = await createLayout();
  app1 = await layout.addImage('app1', {
    layers: [
      {
        createdBy: 'ADD rootfs /',
        entries: [
          { type: 'dir', path: 'etc' },
          { type: 'file', path: 'etc/os-release', content: 'ID=berth\nVERSION_ID=1\n' },
          { type: 'file', path: 'usr/bin/tool', content: 'x'.repeat(5000), mode: 0o4755 },
          { type: 'symlink', path: 'usr/bin/alias', target: 'tool' },
          { type: 'hardlink', path: 'usr/bin/tool2', target: 'usr/bin/tool' },
          { type: 'file', path: `deep/${'n'.repeat(120)}/file.txt`, content: 'long name' },
        ],
      },
      {
        createdBy: 'RUN rm /etc/os-release',
        entries: [
          { type: 'whiteout', path: 'etc/os-release' },
          { type: 'opaque', path: 'deep' },
        ],
        compression: 'none',
      },
    ],
    config: { entrypoint: ['/usr/bin/tool'], user: '1000:1000', exposedPorts: ['8080/tcp'], env: ['A=1'] },
  });
  app2 = await layout.addImage('app2', {
    layers: [{ entries: [{ type: 'file', path: 'v2', content: 'second version' }] }],
  });
  const platformImage = (architecture: string, variant?: string) => ({
    platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
    layers: [{ entries: [{ type: 'file' as const, path: 'arch', content: architecture }] }],
  });
  multi = await layout.addIndex('multi', [platformImage('amd64'), platformImage('arm64', 'v8')], {
    attestation: true,
  });
  zstdImage = await layout.addImage('zstd', {
    layers: [{ compression: 'zstd', entries: [{ type: 'file', path: 'z', content: 'zstd '.repeat(1000) }] }],
  });
  corrupt = await layout.addImage('corrupt', {
    layers: [{ compression: 'none', entries: [{ type: 'file', path: 'c', content: 'will be corrupted' }] }],
  });
});

afterAll(async () => {
  await layout?.remove();
});

describe.each(['none', 'basic', 'token'] as RegistryAuth[])('real registry, auth=%s', (auth) => {
  let registry: RunningRegistry;
  let client: RegistryClient;
  let keychain: Keychain;
  const repos = [
    'team/app',
    'team/multi',
    'team/docker',
    'team/zstd',
    'team/corrupt',
    'public/app',
    'team/empty-a',
    'team/empty-b',
  ];

  beforeAll(async () => {
    registry = await startRegistry({ auth, anonymousPull: ['public/'] });
    await pushImage(layout, 'app1', registry, 'team/app:1.0');
    await pushImage(layout, 'app2', registry, 'team/app:2.0');
    await pushImage(layout, 'app1', registry, 'team/app:latest');
    await pushImage(layout, 'multi', registry, 'team/multi:latest', { all: true });
    await pushImage(layout, 'app1', registry, 'team/docker:1', { format: 'v2s2' });
    await pushImage(layout, 'zstd', registry, 'team/zstd:1');
    await pushImage(layout, 'corrupt', registry, 'team/corrupt:1');
    await pushImage(layout, 'app2', registry, 'public/app:1');
    await pushImage(layout, 'app2', registry, 'team/empty-a:1');
    await pushImage(layout, 'app2', registry, 'team/empty-b:1');
    keychain = registry.credentials
      ? staticKeychain({
          [registry.host]: basicAuthenticator(registry.credentials.username, registry.credentials.password),
        })
      : ANONYMOUS_KEYCHAIN;
    client = new RegistryClient({ keychain });
  });

  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  const at = (repository: string) => ({ registry: registry.host, repository });

  it('pings and reports the auth scheme', async () => {
    const ping = await new RegistryClient().ping(registry.host);
    expect(ping.apiVersion).toBe('registry/2.0');
    if (auth === 'none') expect(ping.status).toBe(200);
    else {
      expect(ping.status).toBe(401);
      expect(ping.challenges[0]?.scheme).toBe(auth === 'basic' ? 'basic' : 'bearer');
    }
  });

  it('pages through the whole catalog with n/last and Link', async () => {
    registry.clearRequests();
    const all: string[] = [];
    for await (const name of client.listRepositories(registry.host, { pageSize: 3 })) all.push(name);
    expect(all).toEqual([...repos].sort());
    const pages = registry.requests().filter((r) => r.path.startsWith('/v2/_catalog') && r.status === 200);
    expect(pages).toHaveLength(3);
    expect(pages[0]?.path).toBe('/v2/_catalog?n=3');
    expect(pages.slice(1).every((r) => /[?&]last=/.test(r.path))).toBe(true);
  });

  it('lists tags', async () => {
    const tags: string[] = [];
    for await (const tag of client.listTags(at('team/app'))) tags.push(tag);
    expect(tags.sort()).toEqual(['1.0', '2.0', 'latest']);
  });

  it('fetches a manifest by tag and by digest, verified over the raw bytes', async () => {
    const byTag = await client.getManifest(at('team/app'), '1.0');
    expect(byTag.digest).toBe(app1.manifestDigest);
    expect(computeDigest(byTag.raw)).toBe(app1.manifestDigest);
    expect(byTag.mediaType).toBe(MediaType.OciManifest);
    const byDigest = await client.getManifest(at('team/app'), app1.manifestDigest);
    expect(byDigest.raw.equals(byTag.raw)).toBe(true);
    expect(byDigest.manifest.kind === 'manifest' && byDigest.manifest.layers.map((l) => l.digest)).toEqual(
      app1.layers.map((l) => l.digest),
    );
  });

  it('resolves a tag with HEAD', async () => {
    registry.clearRequests();
    expect(await client.headManifest(at('team/app'), '2.0')).toEqual({
      digest: app2.manifestDigest,
      mediaType: MediaType.OciManifest,
      size: app2.manifestSize,
    });
    expect(
      registry.requests().some((r) => r.method === 'HEAD' && r.path === '/v2/team/app/manifests/2.0'),
    ).toBe(true);
    expect(registry.requests().some((r) => r.method === 'GET' && r.path.includes('/manifests/'))).toBe(false);
  });

  it('selects platforms from an index and leaves the attestation out', async () => {
    const source = remoteImageSource(client, at('team/multi'));
    const amd64 = await resolveImage(source, 'latest');
    expect(amd64.indexDigest).toBe(multi.indexDigest);
    expect(amd64.manifestDigest).toBe(multi.images[0]?.manifestDigest);
    expect(amd64.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(amd64.platforms).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    const arm = await resolveImage(source, multi.indexDigest, { platform: parsePlatform('linux/arm64') });
    expect(arm.manifestDigest).toBe(multi.images[1]?.manifestDigest);
    const e = await resolveImage(source, 'latest', { platform: parsePlatform('linux/riscv64') }).catch(
      (x: unknown) => x,
    );
    expect(isOciError(e, 'platform_not_found')).toBe(true);
    expect(multi.attestationDigest).toBeDefined();
  });

  it('reads a Docker schema 2 image and its config', async () => {
    const image = await resolveImage(remoteImageSource(client, at('team/docker')), '1');
    expect(image.manifestMediaType).toBe(MediaType.DockerManifest);
    expect(image.manifest.config.mediaType).toBe(MediaType.DockerConfig);
    expect(image.config.config).toMatchObject({
      entrypoint: ['/usr/bin/tool'],
      user: '1000:1000',
      exposedPorts: ['8080/tcp'],
      env: ['A=1'],
    });
    expect(image.config.diffIds).toEqual(app1.layers.map((l) => l.diffId));
  });

  it('streams every blob verified, gzip, uncompressed and zstd alike', async () => {
    for (const [repo, image] of [
      ['team/app', app1],
      ['team/zstd', zstdImage],
    ] as const) {
      for (const layer of image.layers) {
        const bytes = await readLimited(await client.openBlob(at(repo), layer), 10 << 20, 'layer');
        expect(computeDigest(bytes)).toBe(layer.digest);
        expect(bytes.length).toBe(layer.size);
      }
    }
    expect(zstdImage.layers[0]?.mediaType).toBe(MediaType.OciLayerZstd);
  });

  it('reads a byte range of a blob', async () => {
    const layer = app1.layers[0];
    if (!layer) throw new Error('fixture');
    const whole = await readLimited(await client.openBlob(at('team/app'), layer), 10 << 20, 'layer');
    const part = await readLimited(
      await client.openBlob(at('team/app'), layer, { range: { start: 10, end: 99 } }),
      1 << 20,
      'range',
    );
    expect(part.equals(whole.subarray(10, 100))).toBe(true);
  });

  it('fails with digest_mismatch when the stored blob was corrupted', async () => {
    const layer = corrupt.layers[0];
    if (!layer) throw new Error('fixture');
    const path = registry.blobPath(layer.digest);
    const size = (await stat(path)).size;
    await writeFile(path, Buffer.alloc(size, 0x41));
    const stream = await client.openBlob(at('team/corrupt'), layer);
    const e = await readLimited(stream, 10 << 20, 'layer').catch((x: unknown) => x);
    expect(isOciError(e, 'digest_mismatch')).toBe(true);
    expect((e as Error).message).toContain(layer.digest);
  });

  it('answers not_found for a missing tag and repository', async () => {
    await expect(client.getManifest(at('team/app'), 'nope')).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
    });
    await expect(client.getManifest(at('team/missing'), 'latest')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  if (auth !== 'none') {
    it('rejects wrong credentials with unauthorized, naming no secret', async () => {
      const bad = new RegistryClient({
        keychain: staticKeychain({ [registry.host]: basicAuthenticator('reader', 'wrong-password-xyz') }),
      });
      try {
        const e = await bad.getManifest(at('team/app'), '1.0').catch((x: unknown) => x);
        expect(isOciError(e, 'unauthorized')).toBe(true);
        expect(String((e as Error).message)).not.toContain('wrong-password-xyz');
        await expect(bad.checkAuth(registry.host)).rejects.toMatchObject({ code: 'unauthorized' });
      } finally {
        await bad.close();
      }
    });
  }

  if (auth !== 'none') {
    it('is refused anonymously where the registry wants credentials', async () => {
      const anonymous = new RegistryClient();
      try {
        await expect(anonymous.getManifest(at('team/app'), '1.0')).rejects.toMatchObject({
          code: 'unauthorized',
        });
        if (auth === 'token') {
          // Anonymous tokens still work for repositories open to everyone.
          expect((await anonymous.getManifest(at('public/app'), '1')).digest).toBe(app2.manifestDigest);
        }
      } finally {
        await anonymous.close();
      }
    });
  }

  if (auth === 'token') {
    it('fetches one token per scope and reuses it', async () => {
      const fresh = new RegistryClient({ keychain });
      try {
        const before = registry.tokenServer?.requestCount() ?? 0;
        await fresh.getManifest(at('team/app'), '1.0');
        await fresh.getManifest(at('team/app'), '2.0');
        await fresh.headManifest(at('team/app'), 'latest');
        await fresh.getManifest(at('team/zstd'), '1');
        const requests = registry.tokenServer?.requests().slice(before) ?? [];
        expect(requests.map((r) => r.scope)).toEqual([
          ['repository:team/app:pull'],
          ['repository:team/zstd:pull'],
        ]);
        await fresh.checkAuth(registry.host);
        expect(registry.tokenServer?.requests().at(-1)?.scope).toEqual(['registry:catalog:*']);
      } finally {
        await fresh.close();
      }
    });
  }
});

describe('OCI layout source', () => {
  it('reads the same images from the layout directory, verified', async () => {
    const source = await ociLayoutSource(layout.dir);
    const image = await resolveImage(source, 'app1');
    expect(image.manifestDigest).toBe(app1.manifestDigest);
    const multiImage = await resolveImage(source, 'multi', { platform: parsePlatform('linux/arm64/v8') });
    expect(multiImage.manifestDigest).toBe(multi.images[1]?.manifestDigest);
    const layer = app1.layers[0];
    if (!layer) throw new Error('fixture');
    const bytes = await readLimited(await source.openBlob(layer), 10 << 20, 'layer');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(layer.digest.slice(7));
    await expect(source.getManifest('missing')).rejects.toMatchObject({ code: 'not_found' });
    await expect(ociLayoutSource('/nonexistent')).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

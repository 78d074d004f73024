import { createHash } from 'node:crypto';
import { chmod, link, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayout, MEDIA_TYPES, pushImage, runCommand, startRegistry } from '../src/index.js';
import type { EntrySpec, ImageSpec, OciLayout, RunningRegistry } from '../src/index.js';
import { readTar } from './layer-reader.js';
import { registryGet } from './registry-client.js';

// A `security.capability` value (VFS_CAP_REVISION_2, cap_net_bind_service): binary, with
// bytes that are not valid UTF-8.
const CAP_NET_BIND_SERVICE = Buffer.from('0100000200040000000000000000000000000000', 'hex');
const LONG_DIR = `${'d'.repeat(60)}/${'e'.repeat(60)}`; // 121 bytes: fits the ustar prefix field
const VERY_LONG = `${'x'.repeat(120)}/${'y'.repeat(150)}.txt`; // a 150-byte name: needs PAX

const EVERY_ENTRY: EntrySpec[] = [
  { type: 'dir', path: 'usr', mode: 0o755 },
  { type: 'dir', path: 'usr/bin' },
  {
    type: 'file',
    path: 'usr/bin/tool',
    content: '#!/bin/sh\necho tool\n',
    mode: 0o755,
    uid: 1000,
    gid: 1000,
  },
  { type: 'file', path: 'usr/bin/su', content: 'setuid', mode: 0o4755 },
  {
    type: 'file',
    path: 'usr/bin/ping',
    content: 'cap',
    mode: 0o755,
    xattrs: { 'security.capability': CAP_NET_BIND_SERVICE },
  },
  { type: 'symlink', path: 'usr/bin/sh', target: 'tool' },
  { type: 'hardlink', path: 'usr/bin/tool-link', target: 'usr/bin/tool' },
  { type: 'file', path: 'usr/bin/which', content: 'not a whiteout', mtime: 1_700_000_000 },
  { type: 'whiteout', path: 'etc/motd' },
  { type: 'opaque', path: 'var/cache' },
  { type: 'device', path: 'dev/null', device: 'char', major: 1, minor: 3 },
  { type: 'file', path: `${LONG_DIR}/file.txt`, content: 'prefix' },
  { type: 'file', path: VERY_LONG, content: 'pax' },
  { type: 'symlink', path: 'long-link', target: VERY_LONG },
  { type: 'file', path: 'café/naïve.txt', content: 'utf8 name' },
];

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function blob(layout: OciLayout, digest: string): Promise<Buffer> {
  return readFile(join(layout.dir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
}

describe('createLayout', () => {
  let layout: OciLayout;
  beforeAll(async () => {
    layout = await createLayout();
  });
  afterAll(async () => {
    await layout.remove();
  });

  it('writes every entry type exactly as specified', async () => {
    const image = await layout.addImage('entries', {
      layers: [{ entries: EVERY_ENTRY, compression: 'none' }],
    });
    const layer = image.layers[0];
    if (!layer) throw new Error('no layer');
    expect(layer.mediaType).toBe(MEDIA_TYPES.ociLayer);
    expect(layer.digest).toBe(layer.diffId);
    const tar = await blob(layout, layer.digest);
    expect(tar.byteLength).toBe(layer.uncompressedSize);
    expect(sha256(tar)).toBe(layer.digest);

    const entries = await readTar(tar);
    const summary = entries.map(({ name, type, mode, uid, gid, linkname }) => [
      name,
      type,
      mode,
      uid,
      gid,
      linkname,
    ]);
    expect(summary).toEqual([
      ['usr/', 'directory', 0o755, 0, 0, null],
      ['usr/bin/', 'directory', 0o755, 0, 0, null],
      ['usr/bin/tool', 'file', 0o755, 1000, 1000, null],
      ['usr/bin/su', 'file', 0o4755, 0, 0, null],
      ['usr/bin/ping', 'file', 0o755, 0, 0, null],
      ['usr/bin/sh', 'symlink', 0o777, 0, 0, 'tool'],
      ['usr/bin/tool-link', 'link', 0o644, 0, 0, 'usr/bin/tool'],
      ['usr/bin/which', 'file', 0o644, 0, 0, null],
      ['etc/.wh.motd', 'file', 0o644, 0, 0, null],
      ['var/cache/.wh..wh..opq', 'file', 0o644, 0, 0, null],
      ['dev/null', 'character-device', 0o666, 0, 0, null],
      [`${LONG_DIR}/file.txt`, 'file', 0o644, 0, 0, null],
      [VERY_LONG, 'file', 0o644, 0, 0, null],
      ['long-link', 'symlink', 0o777, 0, 0, VERY_LONG],
      ['café/naïve.txt', 'file', 0o644, 0, 0, null],
    ]);
    expect(entries.find((entry) => entry.name === 'usr/bin/which')?.mtime).toBe(1_700_000_000);
    expect(entries.find((entry) => entry.name === 'usr/bin/tool')?.mtime).toBe(0);
    expect(entries.find((entry) => entry.name === VERY_LONG)?.content).toBe('pax');
    // The capability travels as raw bytes in a PAX record.
    const record = Buffer.concat([
      Buffer.from(' SCHILY.xattr.security.capability='),
      CAP_NET_BIND_SERVICE,
      Buffer.from('\n'),
    ]);
    expect(tar.includes(record)).toBe(true);
  });

  it('writes tars that GNU tar reads back, xattrs included', async () => {
    const image = await layout.addImage('gnu', { layers: [{ entries: EVERY_ENTRY }] });
    const layer = image.layers[0];
    if (!layer) throw new Error('no layer');
    const tar = gunzipSync(await blob(layout, layer.digest));
    const scratch = await mkdtemp(join(tmpdir(), 'berth-tar-'));
    try {
      await writeFile(join(scratch, 'layer.tar'), tar);
      const { stdout } = await runCommand('tar', [
        '--xattrs',
        '--xattrs-include=*',
        '-tvvf',
        join(scratch, 'layer.tar'),
      ]);
      expect(stdout).toContain(`${VERY_LONG}`);
      expect(stdout).toMatch(/-rwsr-xr-x +0\/0 +6 1970-01-01 00:00 usr\/bin\/su/);
      expect(stdout).toMatch(/usr\/bin\/tool-link link to usr\/bin\/tool/);
      expect(stdout).toMatch(/x: +20 security\.capability/);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('gives byte-identical blobs and equal digests for equal specs', async () => {
    const spec = (): ImageSpec => ({
      layers: [
        { entries: EVERY_ENTRY, compression: 'gzip' },
        { entries: [{ type: 'file', path: 'z', content: 'zstd '.repeat(500) }], compression: 'zstd' },
        { entries: [{ type: 'file', path: 'n', content: 'none' }], compression: 'none' },
      ],
      config: { cmd: ['/bin/sh'] },
    });
    const [one, other] = await Promise.all([createLayout(), createLayout()]);
    try {
      const first = await one.addImage('same', spec());
      const second = await other.addImage('same', spec());
      expect(second).toEqual(first);
      for (const digest of [
        first.manifestDigest,
        first.configDigest,
        ...first.layers.map((layer) => layer.digest),
      ]) {
        expect(await blob(other, digest)).toEqual(await blob(one, digest));
      }
      const indexJson = (layout: OciLayout): Promise<string> =>
        readFile(join(layout.dir, 'index.json'), 'utf8');
      expect(await indexJson(other)).toBe(await indexJson(one));
    } finally {
      await Promise.all([one.remove(), other.remove()]);
    }
  });

  it('compresses with gzip, zstd or not at all, with diff IDs over the uncompressed tar', async () => {
    const entries: EntrySpec[] = [{ type: 'file', path: 'data', content: 'compress me '.repeat(1000) }];
    const image = await layout.addImage('compression', {
      layers: [
        { entries, compression: 'gzip' },
        { entries, compression: 'zstd' },
        { entries, compression: 'none' },
      ],
    });
    const [gzip, zstd, none] = image.layers;
    if (!gzip || !zstd || !none) throw new Error('missing layers');
    expect([gzip.mediaType, zstd.mediaType, none.mediaType]).toEqual([
      MEDIA_TYPES.ociLayerGzip,
      MEDIA_TYPES.ociLayerZstd,
      MEDIA_TYPES.ociLayer,
    ]);
    expect(new Set([gzip.diffId, zstd.diffId, none.diffId]).size).toBe(1);
    expect(new Set([gzip.digest, zstd.digest, none.digest]).size).toBe(3);

    const gzipBytes = await blob(layout, gzip.digest);
    expect(gzipBytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(sha256(gunzipSync(gzipBytes))).toBe(gzip.diffId);

    const zstdBytes = await blob(layout, zstd.digest);
    expect(zstdBytes.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    expect(zstd.size).toBe(zstdBytes.byteLength);
    const path = join(layout.dir, 'blobs', 'sha256', zstd.digest.slice('sha256:'.length));
    const { stdout } = await runCommand('sh', ['-c', 'zstd -dc "$1" | sha256sum', 'sh', path]);
    expect(`sha256:${stdout.split(' ')[0]}`).toBe(zstd.diffId);
    expect(none.uncompressedSize).toBe(none.size);
  });

  it('writes the config, history and manifest from the spec', async () => {
    const image = await layout.addImage('config', {
      layers: [
        { entries: [{ type: 'file', path: 'a', content: 'a' }], createdBy: 'COPY a /' },
        { entries: [{ type: 'file', path: 'b', content: 'b' }] },
      ],
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      created: '2023-05-06T07:08:09Z',
      config: {
        entrypoint: ['/entry'],
        cmd: ['serve'],
        env: ['PATH=/usr/bin', 'A=1'],
        user: '1000:1000',
        workingDir: '/app',
        exposedPorts: ['80/tcp', '53/udp'],
        volumes: ['/data'],
        labels: { 'org.opencontainers.image.title': 'demo' },
        stopSignal: 'SIGINT',
      },
      annotations: { 'org.opencontainers.image.source': 'https://example.invalid/repo' },
    });
    const config = JSON.parse((await blob(layout, image.configDigest)).toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toEqual({
      created: '2023-05-06T07:08:09Z',
      architecture: 'arm',
      os: 'linux',
      variant: 'v7',
      config: {
        User: '1000:1000',
        ExposedPorts: { '80/tcp': {}, '53/udp': {} },
        Env: ['PATH=/usr/bin', 'A=1'],
        Entrypoint: ['/entry'],
        Cmd: ['serve'],
        Volumes: { '/data': {} },
        WorkingDir: '/app',
        Labels: { 'org.opencontainers.image.title': 'demo' },
        StopSignal: 'SIGINT',
      },
      rootfs: { type: 'layers', diff_ids: image.layers.map((layer) => layer.diffId) },
      history: [
        { created: '2023-05-06T07:08:09Z', created_by: 'COPY a /' },
        { created: '2023-05-06T07:08:09Z', created_by: 'berth-testkit layer 1' },
      ],
    });
    const manifestBytes = await blob(layout, image.manifestDigest);
    expect(manifestBytes.byteLength).toBe(image.manifestSize);
    expect(JSON.parse(manifestBytes.toString('utf8'))).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: {
        mediaType: MEDIA_TYPES.ociConfig,
        digest: image.configDigest,
        size: expect.any(Number) as number,
      },
      layers: image.layers.map((layer) => ({
        mediaType: layer.mediaType,
        digest: layer.digest,
        size: layer.size,
      })),
      annotations: { 'org.opencontainers.image.source': 'https://example.invalid/repo' },
    });
    const index = JSON.parse(await readFile(join(layout.dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations: Record<string, string>; platform?: unknown }[];
    };
    const tagged = index.manifests.find(
      (entry) => entry.annotations['org.opencontainers.image.ref.name'] === 'config',
    );
    expect(tagged?.digest).toBe(image.manifestDigest);
    expect(tagged?.platform).toEqual({ architecture: 'arm', os: 'linux', variant: 'v7' });
  });

  it('keeps explicit history, empty layers included', async () => {
    const image = await layout.addImage('history', {
      layers: [{ entries: [{ type: 'file', path: 'a', content: 'a' }] }],
      history: [{ createdBy: 'ENV A=1', emptyLayer: true }, { createdBy: 'COPY a /' }],
    });
    const config = JSON.parse((await blob(layout, image.configDigest)).toString('utf8')) as {
      history: unknown[];
    };
    expect(config.history).toEqual([
      { created: '2024-01-01T00:00:00Z', created_by: 'ENV A=1', empty_layer: true },
      { created: '2024-01-01T00:00:00Z', created_by: 'COPY a /' },
    ]);
  });

  it('tars a directory deterministically, whatever its mtimes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-fromdir-'));
    try {
      await mkdir(join(dir, 'etc'));
      await writeFile(join(dir, 'etc', 'hostname'), 'box\n');
      await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n');
      await chmod(join(dir, 'run.sh'), 0o755);
      await symlink('run.sh', join(dir, 'start'));
      await link(join(dir, 'etc', 'hostname'), join(dir, 'etc', 'hostname.bak'));
      const first = await layout.addImage('dir1', { layers: [{ fromDir: dir }] });
      await utimes(join(dir, 'etc', 'hostname'), new Date(), new Date(1_000_000));
      const second = await layout.addImage('dir2', { layers: [{ fromDir: dir }] });
      expect(second.manifestDigest).toBe(first.manifestDigest);

      const layer = first.layers[0];
      if (!layer) throw new Error('no layer');
      const entries = await readTar(gunzipSync(await blob(layout, layer.digest)));
      expect(
        entries.map(({ name, type, mode, mtime, linkname }) => [name, type, mode, mtime, linkname]),
      ).toEqual([
        ['etc/', 'directory', 0o755, 0, null],
        ['etc/hostname', 'file', 0o644, 0, null],
        ['etc/hostname.bak', 'link', 0o644, 0, 'etc/hostname'],
        ['run.sh', 'file', 0o755, 0, null],
        ['start', 'symlink', 0o777, 0, 'run.sh'],
      ]);

      // fromTar uses the tar byte for byte: same diff ID as the directory layer.
      const tarFile = join(dir, '..', `${dir.split('/').pop() ?? 'x'}.tar`);
      await writeFile(tarFile, gunzipSync(await blob(layout, layer.digest)));
      const fromTar = await layout.addImage('tar', { layers: [{ fromTar: tarFile, compression: 'zstd' }] });
      await rm(tarFile);
      expect(fromTar.layers[0]?.diffId).toBe(layer.diffId);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses tags with a colon and layers without exactly one source', async () => {
    await expect(layout.addImage('a:b', { layers: [] })).rejects.toThrow(/no ':'/);
    await expect(layout.addImage('x', { layers: [{}] })).rejects.toThrow(/exactly one/);
    await expect(layout.addImage('x', { layers: [{ entries: [], fromTar: '/dev/null' }] })).rejects.toThrow(
      /exactly one/,
    );
  });
});

describe('pushImage', () => {
  let registry: RunningRegistry;
  let layout: OciLayout;
  beforeAll(async () => {
    [registry, layout] = await Promise.all([startRegistry({ auth: 'basic' }), createLayout()]);
  });
  afterAll(async () => {
    await Promise.all([registry.stop(), layout.remove()]);
  });

  const reader = (): string => {
    const credentials = registry.credentials;
    if (!credentials) throw new Error('no credentials');
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  };

  it('keeps the builder manifest digest, zstd and uncompressed layers included', async () => {
    const built = await layout.addImage('all', {
      layers: [
        { entries: EVERY_ENTRY, compression: 'gzip' },
        { entries: [{ type: 'file', path: 'z', content: 'zstd layer '.repeat(300) }], compression: 'zstd' },
        { entries: [{ type: 'file', path: 'n', content: 'plain' }], compression: 'none' },
      ],
    });
    const { digest } = await pushImage(layout, 'all', registry, 'fixtures/all:1');
    expect(digest).toBe(built.manifestDigest);

    const response = await registryGet(registry, '/v2/fixtures/all/manifests/1', reader());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(MEDIA_TYPES.ociManifest);
    const body = Buffer.from(await response.arrayBuffer());
    expect(sha256(body)).toBe(built.manifestDigest);
    const manifest = JSON.parse(body.toString('utf8')) as { layers: { mediaType: string; digest: string }[] };
    expect(manifest.layers.map((layer) => [layer.mediaType, layer.digest])).toEqual(
      built.layers.map((layer) => [layer.mediaType, layer.digest]),
    );

    const zstd = built.layers[1];
    if (!zstd) throw new Error('no zstd layer');
    const blobResponse = await registryGet(registry, `/v2/fixtures/all/blobs/${zstd.digest}`, reader());
    const stored = Buffer.from(await blobResponse.arrayBuffer());
    expect(sha256(stored)).toBe(zstd.digest);
    expect(stored.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
  });

  it('never lets skopeo swap a zstd layer for a gzip blob of the same content', async () => {
    const entries: EntrySpec[] = [{ type: 'file', path: 'same', content: 'same content '.repeat(200) }];
    const gzip = await layout.addImage('same-gzip', { layers: [{ entries, compression: 'gzip' }] });
    const zstd = await layout.addImage('same-zstd', { layers: [{ entries, compression: 'zstd' }] });
    await pushImage(layout, 'same-gzip', registry, 'fixtures/same:gzip');
    const { digest } = await pushImage(layout, 'same-zstd', registry, 'fixtures/same:zstd');
    expect(digest).toBe(zstd.manifestDigest);
    expect(zstd.layers[0]?.diffId).toBe(gzip.layers[0]?.diffId);
    const response = await registryGet(registry, '/v2/fixtures/same/manifests/zstd', reader());
    const manifest = JSON.parse(await response.text()) as { layers: { mediaType: string; digest: string }[] };
    expect(manifest.layers).toEqual([
      expect.objectContaining({ mediaType: MEDIA_TYPES.ociLayerZstd, digest: zstd.layers[0]?.digest }),
    ]);
  });

  it('converts to Docker schema 2 with format v2s2', async () => {
    await layout.addImage('docker', {
      layers: [{ entries: [{ type: 'file', path: 'd', content: 'docker' }] }],
    });
    const { digest } = await pushImage(layout, 'docker', registry, 'fixtures/docker:1', { format: 'v2s2' });
    const response = await registryGet(registry, '/v2/fixtures/docker/manifests/1', reader());
    expect(response.headers.get('content-type')).toBe(MEDIA_TYPES.dockerManifest);
    expect(response.headers.get('docker-content-digest')).toBe(digest);
    const manifest = JSON.parse(await response.text()) as {
      config: { mediaType: string };
      layers: { mediaType: string }[];
    };
    expect(manifest.config.mediaType).toBe(MEDIA_TYPES.dockerConfig);
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([MEDIA_TYPES.dockerLayerGzip]);
  });

  it('pushes an index with two platforms and an attestation with --all', async () => {
    const platformImage = (architecture: string, variant?: string): ImageSpec => ({
      platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
      layers: [{ entries: [{ type: 'file', path: 'arch', content: architecture }] }],
    });
    const built = await layout.addIndex('multi', [platformImage('amd64'), platformImage('arm64', 'v8')], {
      attestation: true,
    });
    expect(built.images).toHaveLength(2);
    expect(built.attestationDigest).toMatch(/^sha256:/);
    const { digest } = await pushImage(layout, 'multi', registry, 'fixtures/multi:1', { all: true });
    expect(digest).toBe(built.indexDigest);

    const response = await registryGet(registry, '/v2/fixtures/multi/manifests/1', reader());
    expect(response.headers.get('content-type')).toBe(MEDIA_TYPES.ociIndex);
    const body = Buffer.from(await response.arrayBuffer());
    expect(sha256(body)).toBe(built.indexDigest);
    const index = JSON.parse(body.toString('utf8')) as {
      manifests: { digest: string; platform: unknown; annotations?: Record<string, string> }[];
    };
    expect(index.manifests.map((entry) => entry.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
      { architecture: 'unknown', os: 'unknown' },
    ]);
    expect(index.manifests[2]?.annotations).toEqual({
      'vnd.docker.reference.digest': built.images[0]?.manifestDigest,
      'vnd.docker.reference.type': 'attestation-manifest',
    });
    for (const entry of index.manifests) {
      const child = await registryGet(registry, `/v2/fixtures/multi/manifests/${entry.digest}`, reader());
      expect(child.status).toBe(200);
      expect(child.headers.get('docker-content-digest')).toBe(entry.digest);
      if (entry.digest === built.attestationDigest) {
        const attestation = JSON.parse(await child.text()) as { layers: { mediaType: string }[] };
        expect(attestation.layers.map((layer) => layer.mediaType)).toEqual([MEDIA_TYPES.inToto]);
      } else {
        await child.body?.cancel();
      }
    }
  });
});

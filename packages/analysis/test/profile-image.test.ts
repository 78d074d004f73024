// The engine end to end: images built by testkit, pushed to the real registry, profiled over HTTP.
import { stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startRegistry,
  type BuiltImage,
  type ImageSpec,
  type LayerCompression,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import {
  MediaType,
  RegistryClient,
  isOciError,
  ociLayoutSource,
  parsePlatform,
  remoteImageSource,
  type ImageSource,
} from '@berth/oci';
import {
  analyzeImage,
  isAnalysisError,
  memoryLayerCache,
  memoryProfileCache,
  profileImage,
  type ContainerProfile,
  type LayerCache,
  type LayerResult,
  type MergedFileSystem,
  type ProfileProgress,
} from '@berth/analysis';

const DPKG_V1 = [
  'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4\n',
  'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\nDescription: GNU C Library\n shared libraries\n',
  'Package: purged\nStatus: purge ok not-installed\nArchitecture: amd64\n',
].join('\n');
const DPKG_V2 = DPKG_V1.replace('Version: 2.36-9\n', 'Version: 2.36-9+deb12u1\n');
// vfs_cap_data revision 2, effective: CAP_NET_RAW (13) permitted.
const CAP_NET_RAW = Buffer.alloc(20);
CAP_NET_RAW.writeUInt32LE(0x02000001, 0);
CAP_NET_RAW.writeUInt32LE(1 << 13, 4);

/** Three layers exercising whiteouts, opaque dirs, hardlinks, symlinks and the detectors. */
function fixture(compression?: LayerCompression): ImageSpec {
  return {
    layers: [
      {
        compression: compression ?? 'gzip',
        createdBy: '/bin/sh -c #(nop) ADD file:base in / ',
        entries: [
          { type: 'dir', path: 'etc' },
          {
            type: 'file',
            path: 'usr/lib/os-release',
            content: 'ID=berth\nVERSION_ID="1"\nPRETTY_NAME="Berth Test 1"\n',
          },
          { type: 'symlink', path: 'etc/os-release', target: '../usr/lib/os-release' },
          {
            type: 'file',
            path: 'etc/passwd',
            content: 'root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/usr/sbin/nologin\n',
          },
          { type: 'file', path: 'etc/group', content: 'root:x:0:\napp:x:1000:alice,bob\n' },
          { type: 'file', path: 'usr/bin/tool', content: 'x'.repeat(5000), mode: 0o4755 },
          { type: 'file', path: 'usr/bin/bash', content: 'ELF', mode: 0o755 },
          { type: 'symlink', path: 'usr/bin/alias', target: 'tool' },
          { type: 'hardlink', path: 'usr/bin/tool2', target: 'usr/bin/tool' },
          { type: 'hardlink', path: 'usr/bin/tool3', target: 'usr/bin/tool2' },
          { type: 'symlink', path: 'bin', target: 'usr/bin' },
          { type: 'file', path: 'app/old.txt', content: 'old' },
          { type: 'dir', path: 'app/sub' },
          { type: 'file', path: 'app/sub/deep.txt', content: 'deep' },
          { type: 'file', path: 'data/big.bin', content: 'b'.repeat(10_000) },
          { type: 'file', path: 'var/lib/dpkg/status', content: DPKG_V1 },
          { type: 'file', path: 'usr/bin/apt-get', content: 'ELF' },
        ],
      },
      {
        compression: compression ?? 'none',
        createdBy: 'RUN /bin/sh -c upgrade # buildkit',
        entries: [
          // Entries before the opaque marker of the same layer must survive it.
          { type: 'file', path: 'app/new.txt', content: 'new' },
          { type: 'opaque', path: 'app' },
          { type: 'file', path: 'data/big.bin', content: 'c'.repeat(20) },
          { type: 'whiteout', path: 'usr/bin/tool' },
          { type: 'file', path: 'var/lib/dpkg/status', content: DPKG_V2 },
          { type: 'file', path: 'bin/through-symlink', content: 'x' },
          {
            type: 'file',
            path: 'app/node_modules/left-pad/package.json',
            content: '{"name":"left-pad","version":"1.3.0"}',
          },
          {
            type: 'file',
            path: 'app/node_modules/@scope/pkg/package.json',
            content: '{"name":"@scope/pkg","version":"2.0.0"}',
          },
          {
            type: 'file',
            path: 'app/node_modules/left-pad/lib/package.json',
            content: '{"name":"not-a-package","version":"0"}',
          },
          {
            type: 'file',
            path: 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA',
            content: `Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\n${'Long description. '.repeat(10_000)}`,
          },
          {
            type: 'file',
            path: 'root/.ssh/id_ed25519',
            content: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
            mode: 0o600,
          },
          {
            type: 'file',
            path: 'usr/sbin/ping',
            content: 'ping',
            xattrs: { 'security.capability': CAP_NET_RAW },
          },
          { type: 'file', path: 'shared/world.txt', content: 'w', mode: 0o666 },
          { type: 'dir', path: 'tmp', mode: 0o1777 },
          { type: 'dir', path: 'shared/open', mode: 0o777 },
          { type: 'file', path: 'usr/bin/sgid', content: 's', mode: 0o2755 },
        ],
      },
      {
        compression: compression ?? 'zstd',
        createdBy: '/bin/sh -c rm /data/big.bin',
        entries: [{ type: 'whiteout', path: 'data/big.bin' }],
      },
    ],
    config: {
      entrypoint: ['/usr/bin/tool2'],
      cmd: ['--serve'],
      user: 'app',
      workingDir: '/app',
      exposedPorts: ['8080/tcp'],
      env: ['PATH=/usr/bin', 'A=1'],
      labels: { 'org.opencontainers.image.title': 'fixture' },
      stopSignal: 'SIGTERM',
    },
    history: [
      { createdBy: '/bin/sh -c #(nop) ADD file:base in / ' },
      { createdBy: '/bin/sh -c #(nop)  ENV A=1', emptyLayer: true },
      { createdBy: 'RUN /bin/sh -c upgrade # buildkit' },
      { createdBy: '/bin/sh -c rm /data/big.bin' },
      { createdBy: '/bin/sh -c #(nop)  CMD ["--serve"]', emptyLayer: true },
    ],
  };
}

/** The merged tree the fixture must produce, one line per path. */
const EXPECTED_TREE = [
  'app dir',
  'app/new.txt file 3',
  'app/node_modules dir',
  'app/node_modules/@scope dir',
  'app/node_modules/@scope/pkg dir',
  'app/node_modules/@scope/pkg/package.json file 39',
  'app/node_modules/left-pad dir',
  'app/node_modules/left-pad/lib dir',
  'app/node_modules/left-pad/lib/package.json file 38',
  'app/node_modules/left-pad/package.json file 37',
  'bin symlink -> usr/bin',
  'data dir',
  'etc dir',
  'etc/group file 31',
  'etc/os-release symlink -> ../usr/lib/os-release',
  'etc/passwd file 77',
  'root dir',
  'root/.ssh dir',
  'root/.ssh/id_ed25519 file 75',
  'shared dir',
  'shared/open dir',
  'shared/world.txt file 1',
  'tmp dir',
  'usr dir',
  'usr/bin dir',
  'usr/bin/alias symlink -> tool',
  'usr/bin/apt-get file 3',
  'usr/bin/bash file 3',
  'usr/bin/sgid file 1',
  'usr/bin/through-symlink file 1',
  'usr/bin/tool2 file 5000 hardlink',
  'usr/bin/tool3 file 5000 hardlink',
  'usr/lib dir',
  'usr/lib/os-release file 51',
  'usr/lib/python3 dir',
  'usr/lib/python3/dist-packages dir',
  'usr/lib/python3/dist-packages/requests-2.31.0.dist-info dir',
  'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA file 180054',
  'usr/sbin dir',
  'usr/sbin/ping file 4',
  'var dir',
  'var/lib dir',
  'var/lib/dpkg dir',
  'var/lib/dpkg/status file 285',
];

function tree(fs: MergedFileSystem): string[] {
  return [...fs.walk()].map(([path, node]) => {
    let line = `${path} ${node.type}`;
    if (node.type === 'file') line += ` ${node.inode?.size ?? 0}`;
    if (node.linkTarget !== undefined) line += ` -> ${node.linkTarget}`;
    if (node.hardlink) line += ' hardlink';
    return line;
  });
}

/** What must not differ between the same image stored with different compression. */
function comparable(profile: ContainerProfile): unknown {
  return {
    ...profile,
    image: { ...profile.image, manifestDigest: '' },
    overview: { ...profile.overview, sizeCompressed: 0 },
    layers: profile.layers.map((l) => ({
      ...l,
      digest: '',
      mediaType: '',
      sizeCompressed: 0,
      compression: '',
    })),
    analyzer: { ...profile.analyzer, durationMs: 0 },
  };
}

let layout: OciLayout;
let registry: RunningRegistry;
let client: RegistryClient;
const built: Record<string, BuiltImage> = {};
const source = (repository: string): ImageSource =>
  remoteImageSource(client, { registry: registry.host, repository });
const blobGets = (): string[] =>
  registry
    .requests()
    .filter((r) => r.method === 'GET' && r.path.includes('/blobs/'))
    .map((r) => r.path);

beforeAll(async () => {
  layout = await createLayout();
  registry = await startRegistry({ auth: 'none' });
  client = new RegistryClient();
  built.mixed = await layout.addImage('mixed', fixture());
  for (const c of ['gzip', 'zstd', 'none'] as const) built[c] = await layout.addImage(c, fixture(c));
  built.corrupt = await layout.addImage('corrupt', {
    layers: [{ compression: 'none', entries: [{ type: 'file', path: 'c', content: 'will be corrupted' }] }],
  });
  built.corruptGzip = await layout.addImage('corrupt-gzip', {
    layers: [
      { compression: 'gzip', entries: [{ type: 'file', path: 'c', content: 'gzip corrupted '.repeat(100) }] },
    ],
  });
  built.shared = await layout.addImage('shared', {
    layers: [{ entries: [{ type: 'file', path: 'shared', content: 'one layer, two requests' }] }],
  });
  await layout.addIndex(
    'multi',
    [
      {
        platform: { os: 'linux', architecture: 'amd64' },
        layers: [{ entries: [{ type: 'file', path: 'arch', content: 'amd64' }] }],
      },
      {
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        layers: [{ entries: [{ type: 'file', path: 'arch', content: 'arm64' }] }],
      },
    ],
    { attestation: true },
  );
  await pushImage(layout, 'mixed', registry, 'fixture/mixed:1');
  for (const c of ['gzip', 'zstd', 'none']) await pushImage(layout, c, registry, `fixture/${c}:1`);
  // Docker schema 2 has no zstd media type: convert the all-gzip variant.
  await pushImage(layout, 'gzip', registry, 'fixture/docker:1', { format: 'v2s2' });
  await pushImage(layout, 'corrupt', registry, 'fixture/corrupt:1');
  await pushImage(layout, 'corrupt-gzip', registry, 'fixture/corrupt-gzip:1');
  await pushImage(layout, 'shared', registry, 'fixture/shared:1');
  await pushImage(layout, 'multi', registry, 'fixture/multi:1', { all: true });
});

afterAll(async () => {
  await client?.close();
  await registry?.stop();
  await layout?.remove();
});

describe('profileImage on the real registry', () => {
  let mixed: Awaited<ReturnType<typeof analyzeImage>>;
  const progress: ProfileProgress[] = [];

  beforeAll(async () => {
    mixed = await analyzeImage(source('fixture/mixed'), '1', { onProgress: (p) => progress.push(p) });
  });

  it('merges whiteouts, opaque dirs, hardlinks and symlinks into the exact expected tree', () => {
    expect(tree(mixed.fileSystem)).toEqual(EXPECTED_TREE);
    const tool2 = mixed.fileSystem.lookup('usr/bin/tool2');
    expect(tool2?.inode).toBe(mixed.fileSystem.lookup('usr/bin/tool3')?.inode);
    expect(tool2?.mode).toBe(0o4755);
  });

  it('reports the image block, overview and runtime config', () => {
    const { profile } = mixed;
    expect(profile.image).toEqual({
      manifestDigest: built.mixed?.manifestDigest,
      mediaType: MediaType.OciManifest,
      platform: { os: 'linux', architecture: 'amd64' },
      platforms: [{ os: 'linux', architecture: 'amd64' }],
    });
    const layers = built.mixed?.layers ?? [];
    expect(profile.overview).toEqual({
      os: { id: 'berth', versionId: '1', prettyName: 'Berth Test 1' },
      created: '2024-01-01T00:00:00Z',
      sizeCompressed: layers.reduce((s, l) => s + l.size, 0),
      sizeUncompressed: layers.reduce((s, l) => s + l.uncompressedSize, 0),
      layerCount: 3,
      fileCount: EXPECTED_TREE.filter((l) => / file /.test(l)).length,
      filesSize: EXPECTED_TREE.filter(
        (l) => / file /.test(l) && !l.endsWith('tool3 file 5000 hardlink'),
      ).reduce((s, l) => s + Number(/ file (\d+)/.exec(l)?.[1]), 0),
      user: 'app',
      runsAsRoot: false,
      shells: ['/bin/bash'],
      packageManagers: ['apt-get'],
      packageDatabases: [
        { type: 'deb', path: '/var/lib/dpkg/status', format: 'dpkg-status', status: 'read', packageCount: 2 },
      ],
    });
    expect(profile.config).toEqual({
      entrypoint: ['/usr/bin/tool2'],
      cmd: ['--serve'],
      env: ['PATH=/usr/bin', 'A=1'],
      workingDir: '/app',
      user: 'app',
      exposedPorts: ['8080/tcp'],
      volumes: [],
      labels: { 'org.opencontainers.image.title': 'fixture' },
      stopSignal: 'SIGTERM',
      healthcheck: null,
    });
  });

  it('aligns layers with history (empty steps skipped) and counts per-layer changes', () => {
    const { profile } = mixed;
    expect(profile.layers.map((l) => [l.index, l.createdBy, l.compression, l.emptyLayer])).toEqual([
      [0, '/bin/sh -c #(nop) ADD file:base in / ', 'gzip', false],
      [1, 'RUN /bin/sh -c upgrade # buildkit', 'none', false],
      [2, '/bin/sh -c rm /data/big.bin', 'zstd', false],
    ]);
    expect(profile.layers.map((l) => l.diffId)).toEqual(built.mixed?.layers.map((l) => l.diffId));
    expect(profile.layers.map((l) => l.sizeUncompressed)).toEqual(
      built.mixed?.layers.map((l) => l.uncompressedSize),
    );
    // Layer 1: app/old.txt and app/sub/deep.txt deleted (opaque), usr/bin/tool deleted (whiteout),
    // data/big.bin and var/lib/dpkg/status modified, 10 files added.
    expect(profile.layers[1]).toMatchObject({
      added: 10,
      modified: 2,
      deleted: 3,
      bytesDeleted: 3 + 4 + 5000,
    });
    expect(profile.layers[2]).toMatchObject({ added: 0, modified: 0, deleted: 1, bytesDeleted: 20 });
    expect(profile.layers[0]?.largestFiles[0]).toEqual({ path: '/data/big.bin', size: 10_000 });
    expect(profile.history.map((h) => h.layerIndex)).toEqual([0, null, 1, 2, null]);
    expect(profile.dockerfile).toBe(
      'ADD file:base in /\nENV A=1\nRUN upgrade\nRUN rm /data/big.bin\nCMD ["--serve"]\n',
    );
  });

  it('lists packages with the layer that introduced each version', () => {
    expect(mixed.profile.packages).toEqual([
      { type: 'deb', name: 'base-files', version: '12.4', arch: 'amd64', layerIndex: 0 },
      { type: 'deb', name: 'libc6', version: '2.36-9+deb12u1', arch: 'amd64', layerIndex: 1 },
      {
        type: 'npm',
        name: '@scope/pkg',
        version: '2.0.0',
        layerIndex: 1,
        path: '/app/node_modules/@scope/pkg/package.json',
      },
      {
        type: 'npm',
        name: 'left-pad',
        version: '1.3.0',
        layerIndex: 1,
        path: '/app/node_modules/left-pad/package.json',
      },
      {
        type: 'pypi',
        name: 'requests',
        version: '2.31.0',
        layerIndex: 1,
        path: '/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA',
      },
    ]);
  });

  it('reports security findings', () => {
    expect(mixed.profile.security).toEqual({
      setuid: ['/usr/bin/tool2', '/usr/bin/tool3'],
      setgid: ['/usr/bin/sgid'],
      worldWritable: ['/shared/open', '/shared/world.txt'],
      capabilities: [{ path: '/usr/sbin/ping', caps: 'cap_net_raw=ep' }],
      privateKeys: ['/root/.ssh/id_ed25519'],
      certificates: [],
      certificateBundles: [],
      users: [
        { name: 'root', uid: 0, gid: 0, shell: '/bin/bash', home: '/root' },
        { name: 'app', uid: 1000, gid: 1000, shell: '/usr/sbin/nologin', home: '/home/app' },
      ],
      groups: [
        { name: 'root', gid: 0, members: [] },
        { name: 'app', gid: 1000, members: ['alice', 'bob'] },
      ],
    });
  });

  it('counts only dead copies as waste', () => {
    // big.bin: 10 000 bytes overwritten in layer 1, its 20-byte successor deleted in layer 2;
    // the first dpkg status overwritten and app/ emptied by the opaque marker in layer 1. The
    // whiteout of usr/bin/tool wastes nothing because tool2 and tool3 still link the content.
    const wasted = 10_000 + 20 + DPKG_V1.length + 'old'.length + 'deep'.length;
    expect(mixed.profile.efficiency.wastedBytes).toBe(wasted);
    expect(mixed.profile.efficiency.items).toEqual([
      { path: '/data/big.bin', bytes: 10_000, reason: 'overwritten in layer 1' },
      { path: '/var/lib/dpkg/status', bytes: DPKG_V1.length, reason: 'overwritten in layer 1' },
      { path: '/data/big.bin', bytes: 20, reason: 'deleted in layer 2' },
      { path: '/app/sub/deep.txt', bytes: 4, reason: 'deleted (opaque directory) in layer 1' },
      { path: '/app/old.txt', bytes: 3, reason: 'deleted (opaque directory) in layer 1' },
    ]);
    const shipped = (built.mixed ? mixed.layers : []).reduce(
      (s, l) => s + (l.result?.entries.reduce((t, e) => t + (e.type === 'file' ? e.size : 0), 0) ?? 0),
      0,
    );
    expect(mixed.profile.efficiency.score).toBeCloseTo(1 - wasted / shipped, 3);
    expect(mixed.profile.efficiency.score).toBeLessThan(1);
  });

  it('reports progress up to the totals', () => {
    const last = progress[progress.length - 1];
    const total = built.mixed?.layers.reduce((s, l) => s + l.size, 0);
    expect(progress[0]).toEqual({ layersDone: 0, layersTotal: 3, bytesDone: 0, bytesTotal: total });
    expect(last).toEqual({ layersDone: 3, layersTotal: 3, bytesDone: total, bytesTotal: total });
  });

  it('gives the same profile for gzip, zstd and uncompressed layers (and for the mixed image)', async () => {
    const profiles = await Promise.all(
      ['gzip', 'zstd', 'none'].map((c) => profileImage(source(`fixture/${c}`), '1')),
    );
    expect(profiles.map((p) => p.layers.map((l) => l.compression))).toEqual([
      ['gzip', 'gzip', 'gzip'],
      ['zstd', 'zstd', 'zstd'],
      ['none', 'none', 'none'],
    ]);
    for (const p of profiles) expect(comparable(p)).toEqual(comparable(mixed.profile));
  });

  it('profiles the Docker schema 2 form of the image the same way', async () => {
    const docker = await profileImage(source('fixture/docker'), '1');
    expect(docker.image.mediaType).toBe(MediaType.DockerManifest);
    expect({ ...(comparable(docker) as object), image: undefined, layers: undefined }).toEqual({
      ...(comparable(mixed.profile) as object),
      image: undefined,
      layers: undefined,
    });
  });

  it('reports the index, its platforms (attestation excluded) and the chosen platform', async () => {
    const amd = await analyzeImage(source('fixture/multi'), '1');
    const arm = await analyzeImage(source('fixture/multi'), '1', { platform: parsePlatform('linux/arm64') });
    for (const { profile } of [amd, arm]) {
      expect(profile.image.indexDigest).toMatch(/^sha256:/);
      expect(profile.image.platforms).toEqual([
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ]);
    }
    expect(amd.profile.image.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(arm.profile.image.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(arm.fileSystem.readFile('arch')).toBeUndefined(); // not a detector file
    expect(arm.layers[0]?.result?.entries[0]).toMatchObject({ path: 'arch', size: 5 });
  });
});

describe('layer cache and single flight', () => {
  it('analyses identical layers in flight once and serves later profiles from the cache', async () => {
    const cache = memoryLayerCache();
    const layer = built.shared?.layers[0];
    registry.clearRequests();
    const [a, b] = await Promise.all([
      profileImage(source('fixture/shared'), '1', { cache }),
      profileImage(source('fixture/shared'), '1', { cache }),
    ]);
    expect(a.overview.fileCount).toBe(1);
    expect(b.layers).toEqual(a.layers);
    const layerGets = () => blobGets().filter((p) => p.endsWith(layer?.digest ?? 'x'));
    expect(layerGets()).toHaveLength(1);
    expect((await cache.get(layer?.digest ?? ''))?.diffId).toBe(layer?.diffId);
    await profileImage(source('fixture/shared'), '1', { cache });
    expect(layerGets()).toHaveLength(1);
    // A different detector set keeps different files: the cached result does not serve it.
    await profileImage(source('fixture/shared'), '1', { cache, detectors: [] });
    expect(layerGets()).toHaveLength(2);
    expect((await cache.get(layer?.digest ?? ''))?.detectors).toEqual([]);
  });

  it('serves a composed profile from the profile cache by manifest digest, fetching no layer', async () => {
    const profiles = memoryProfileCache();
    const shared = built.shared;
    if (!shared) throw new Error('fixture');
    const layerGets = () => blobGets().filter((p) => shared.layers.some((l) => p.endsWith(l.digest)));
    const first = await profileImage(source('fixture/shared'), '1', { profiles });
    registry.clearRequests();
    expect(await profileImage(source('fixture/shared'), '1', { profiles })).toEqual(first);
    expect(await profileImage(source('fixture/shared'), shared.manifestDigest, { profiles })).toEqual(first);
    expect(layerGets()).toEqual([]);
    // Another detector set is another profile.
    const bare = await profileImage(source('fixture/shared'), '1', { profiles, detectors: [] });
    expect(layerGets()).toHaveLength(1);
    expect(bare.image).toEqual(first.image);
  });

  it('lets one caller abort without failing the other', async () => {
    const cache = memoryLayerCache();
    const controller = new AbortController();
    const aborted = profileImage(source('fixture/mixed'), '1', { cache, signal: controller.signal });
    const other = profileImage(source('fixture/mixed'), '1', { cache });
    controller.abort();
    await expect(aborted).rejects.toSatisfy((e) => isAnalysisError(e, 'aborted'));
    expect((await other).overview.fileCount).toBe(EXPECTED_TREE.filter((l) => / file /.test(l)).length);
  });
});

describe('bad input', () => {
  it('fails a corrupt uncompressed blob with digest_mismatch and caches nothing', async () => {
    const layer = built.corrupt?.layers[0];
    if (!layer) throw new Error('fixture');
    const path = registry.blobPath(layer.digest);
    await writeFile(path, Buffer.alloc((await stat(path)).size, 0x41));
    const cache = recordingCache();
    const error = await profileImage(source('fixture/corrupt'), '1', { cache }).catch((e: unknown) => e);
    expect(isOciError(error, 'digest_mismatch')).toBe(true);
    expect((error as Error).message).toContain(layer.digest);
    expect(cache.puts).toEqual([]);
  });

  it('fails a corrupt gzip blob with digest_mismatch (not a zlib error) and caches nothing', async () => {
    const layer = built.corruptGzip?.layers[0];
    if (!layer) throw new Error('fixture');
    const path = registry.blobPath(layer.digest);
    const size = (await stat(path)).size;
    // Keep the gzip header so the corruption is only found while inflating.
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(path);
    bytes.fill(0x55, 20, size - 8);
    await writeFile(path, bytes);
    const cache = recordingCache();
    const error = await profileImage(source('fixture/corrupt-gzip'), '1', { cache }).catch((e: unknown) => e);
    expect(isOciError(error, 'digest_mismatch')).toBe(true);
    expect(cache.puts).toEqual([]);
  });
});

describe('hand-made images (OCI layout source)', () => {
  let handLayout: OciLayout;
  let base: BuiltImage;

  beforeAll(async () => {
    handLayout = await createLayout();
    base = await handLayout.addImage('base', {
      layers: [{ entries: [{ type: 'file', path: 'hello', content: 'hi' }] }],
    });
  });
  afterAll(() => handLayout?.remove());

  /** Tags a manifest over `layers` with a config written by hand. */
  async function handImage(tag: string, config: object, layers: object[]): Promise<void> {
    const configBlob = await handLayout.writeBlob(JSON.stringify(config));
    const manifest = await handLayout.writeBlob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, ...configBlob },
        layers,
      }),
    );
    await handLayout.tag(tag, { mediaType: MediaType.OciManifest, ...manifest });
  }

  const baseLayer = () => {
    const l = base.layers[0];
    if (!l) throw new Error('fixture');
    return l;
  };

  it('fails with diff_id_mismatch when the config lies about the uncompressed layer', async () => {
    const l = baseLayer();
    await handImage(
      'lying',
      {
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`] },
      },
      [{ mediaType: l.mediaType, digest: l.digest, size: l.size }],
    );
    const cache = recordingCache();
    const error = await profileImage(await ociLayoutSource(handLayout.dir), 'lying', { cache }).catch(
      (e: unknown) => e,
    );
    expect(isAnalysisError(error, 'diff_id_mismatch')).toBe(true);
    expect((error as Error).message).toContain(l.diffId);
    expect(cache.puts).toEqual([]);
  });

  it('fails with invalid_image when layers and diff_ids disagree', async () => {
    const l = baseLayer();
    await handImage(
      'short',
      { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
      [{ mediaType: l.mediaType, digest: l.digest, size: l.size }],
    );
    await expect(profileImage(await ociLayoutSource(handLayout.dir), 'short')).rejects.toMatchObject({
      code: 'invalid_image',
    });
  });

  it('fails with not_found when the manifest points at a missing blob', async () => {
    const l = baseLayer();
    const missing = `sha256:${'a'.repeat(64)}`;
    await handImage(
      'missing',
      { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [l.diffId] } },
      [{ mediaType: l.mediaType, digest: missing, size: l.size }],
    );
    const error = await profileImage(await ociLayoutSource(handLayout.dir), 'missing').catch(
      (e: unknown) => e,
    );
    expect(isOciError(error, 'not_found')).toBe(true);
    expect((error as Error).message).toContain(missing);
  });

  it('fails with invalid_manifest when the config is not JSON', async () => {
    const configBlob = await handLayout.writeBlob('this is not json');
    const manifest = await handLayout.writeBlob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, ...configBlob },
        layers: [],
      }),
    );
    await handLayout.tag('not-json', { mediaType: MediaType.OciManifest, ...manifest });
    const error = await profileImage(await ociLayoutSource(handLayout.dir), 'not-json').catch(
      (e: unknown) => e,
    );
    expect(isOciError(error, 'invalid_manifest')).toBe(true);
    expect((error as Error).message).toContain('not valid JSON');
  });

  it('lists the modules of Go binaries', async () => {
    const { readFileSync } = await import('node:fs');
    await handLayout.addImage('go', {
      layers: [
        {
          entries: [
            { type: 'file', path: 'usr/bin/umoci', content: readFileSync('/usr/bin/umoci'), mode: 0o755 },
            // Not executable: not scanned.
            { type: 'file', path: 'data/umoci.copy', content: readFileSync('/usr/bin/umoci'), mode: 0o644 },
          ],
        },
      ],
    });
    const profile = await profileImage(await ociLayoutSource(handLayout.dir), 'go');
    const golang = profile.packages.filter((p) => p.type === 'golang');
    expect(golang.map((p) => [p.name, p.path, p.layerIndex])).toEqual([
      ['github.com/opencontainers/umoci/cmd/umoci', '/usr/bin/umoci', 0],
      ['stdlib', '/usr/bin/umoci', 0],
    ]);
    expect(golang[0]?.version).toBe('(devel)');
    expect(golang[1]?.version).toMatch(/^go1\.\d+/);
  });

  it('reports a foreign layer as not analysed, reads the healthcheck', async () => {
    const l = baseLayer();
    const foreign = { digest: `sha256:${'f'.repeat(64)}`, size: 1234 };
    await handImage(
      'foreign',
      {
        architecture: 'amd64',
        os: 'windows',
        config: {
          Healthcheck: {
            Test: ['CMD', 'curl', '-f', 'http://localhost/'],
            Interval: 30_000_000_000,
            Retries: 3,
          },
        },
        rootfs: { type: 'layers', diff_ids: [`sha256:${'e'.repeat(64)}`, l.diffId] },
        history: [{ created_by: 'foreign base' }, { created_by: 'ADD hello /' }],
      },
      [
        { mediaType: MediaType.DockerForeignLayer, ...foreign, urls: ['https://example.invalid/layer'] },
        { mediaType: l.mediaType, digest: l.digest, size: l.size },
      ],
    );
    const profile = await profileImage(await ociLayoutSource(handLayout.dir), 'foreign');
    expect(profile.layers[0]).toMatchObject({
      analysed: false,
      sizeUncompressed: null,
      createdBy: 'foreign base',
    });
    expect(profile.layers[0]?.notAnalysedReason).toContain('non-distributable');
    expect(profile.layers[1]).toMatchObject({ analysed: true, added: 1, createdBy: 'ADD hello /' });
    expect(profile.overview.fileCount).toBe(1);
    expect(profile.config.healthcheck).toEqual({
      test: ['CMD', 'curl', '-f', 'http://localhost/'],
      intervalNs: 30_000_000_000,
      retries: 3,
    });
  });
});

function recordingCache(): LayerCache & { puts: string[] } {
  const inner = memoryLayerCache();
  const puts: string[] = [];
  return {
    puts,
    get: (digest) => inner.get(digest),
    put: (result: LayerResult) => {
      puts.push(result.digest);
      return inner.put(result);
    },
  };
}

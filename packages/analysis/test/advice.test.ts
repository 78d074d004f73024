// Every advice rule on images built for it and pushed to the real registry: a fixture that
// triggers the rule (with the bytes it saves checked exactly) and a clean one that does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startRegistry,
  type EntrySpec,
  type ImageSpec,
  type LayerSpec,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { RegistryClient, remoteImageSource } from '@berth/oci';
import {
  analyzeImage,
  composeProfile,
  memoryLayerCache,
  type ImageAnalysis,
  type ProfileAdvice,
} from '@berth/analysis';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/usr/sbin/nologin\n';
/** A non-root image with nothing to complain about; each fixture adds its fault on top. */
const CLEAN: EntrySpec[] = [
  { type: 'file', path: 'etc/passwd', content: PASSWD },
  { type: 'file', path: 'etc/group', content: 'root:x:0:\napp:x:1000:\n' },
  { type: 'file', path: 'app/server', content: 's'.repeat(2000), mode: 0o755 },
  // The same content twice in one layer is not a duplicate *across* layers.
  { type: 'file', path: 'app/a.txt', content: 'same'.repeat(100) },
  { type: 'file', path: 'app/b.txt', content: 'same'.repeat(100) },
  { type: 'file', path: 'app/.env.example', content: 'TOKEN=\n' },
  { type: 'file', path: 'var/lib/apt/lists/lock', content: '' },
  { type: 'dir', path: 'var/cache/apt/archives/partial' },
];
const clean = (extra: LayerSpec[] = [], first: EntrySpec[] = []): ImageSpec => ({
  layers: [{ entries: [...CLEAN, ...first], createdBy: 'COPY . / # buildkit' }, ...extra],
  config: { user: 'app', cmd: ['/app/server'] },
});
const file = (path: string, size: number, fill = 'x', mode?: number): EntrySpec => ({
  type: 'file',
  path,
  content: fill.repeat(size),
  ...(mode === undefined ? {} : { mode }),
});

const DPKG_STATUS = ['gcc-12', 'gcc-12-base', 'make', 'libc6-dev', 'libc6']
  .map((name) => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\n`)
  .join('\n');

const FIXTURES: Record<string, ImageSpec> = {
  clean: clean(),
  'dead-bytes': clean(
    [
      {
        entries: [file('data/blob', 100), { type: 'whiteout', path: 'data/old' }],
        createdBy: 'RUN /bin/sh -c rm /data/old # buildkit',
      },
    ],
    [file('data/blob', 5000), file('data/old', 3000)],
  ),
  'package-caches': clean(
    [],
    [
      file('var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease', 1234),
      file('var/cache/apt/pkgcache.bin', 2000),
      file('var/cache/apk/APKINDEX.abc.tar.gz', 600),
      file('root/.cache/pip/http/0/abc', 300),
      file('home/app/.npm/_cacache/index-v5/ab', 400),
      {
        type: 'hardlink',
        path: 'home/app/.npm/_cacache/index-v5/cd',
        target: 'home/app/.npm/_cacache/index-v5/ab',
      },
      file('usr/local/share/.cache/yarn/v6/pkg', 500),
      // Not a cache: a file merely named like one.
      file('app/npm-cache-notes.txt', 50),
    ],
  ),
  'cleanup-same-run': clean(
    [
      {
        entries: [{ type: 'whiteout', path: 'var/lib/apt/lists/deb.debian.org_Packages' }],
        createdBy: 'RUN /bin/sh -c rm -rf /var/lib/apt/lists/* # buildkit',
      },
    ],
    [file('var/lib/apt/lists/deb.debian.org_Packages', 7000)],
  ),
  'build-tools': clean(
    [],
    [
      { type: 'file', path: 'var/lib/dpkg/status', content: DPKG_STATUS },
      {
        type: 'file',
        path: 'var/lib/dpkg/info/gcc-12.list',
        content: '/.\n/usr\n/usr/bin\n/usr/bin/gcc-12\n/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n',
      },
      { type: 'file', path: 'var/lib/dpkg/info/make.list', content: '/.\n/usr/bin/make\n/usr/bin/gmake\n' },
      {
        type: 'file',
        path: 'var/lib/dpkg/info/libc6-dev:amd64.list',
        content: '/usr/include/stdio.h\n/usr/include/gone.h\n',
      },
      {
        type: 'file',
        path: 'var/lib/dpkg/info/gcc-12-base:amd64.list',
        content: '/usr/share/doc/gcc-12-base/copyright\n',
      },
      file('usr/bin/gcc-12', 4000),
      file('usr/lib/gcc/x86_64-linux-gnu/12/cc1', 6000),
      file('usr/bin/make', 1500),
      { type: 'hardlink', path: 'usr/bin/gmake', target: 'usr/bin/make' },
      file('usr/include/stdio.h', 700),
      file('usr/share/doc/gcc-12-base/copyright', 999),
    ],
  ),
  'build-tools-apk': clean(
    [],
    [
      {
        type: 'file',
        path: 'lib/apk/db/installed',
        content: [
          'P:build-base\nV:0.5-r3\nA:x86_64\n',
          'P:gcc\nV:13.2.1_git20231014-r0\nA:x86_64\nF:usr/bin\nR:gcc\nR:cc\nF:usr/libexec/gcc/13\nR:cc1\n',
          'P:musl-dev\nV:1.2.4-r2\nA:x86_64\nF:usr/include\nR:stdio.h\n',
          'P:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\n',
        ].join('\n'),
      },
      file('usr/bin/gcc', 3000),
      { type: 'symlink', path: 'usr/bin/cc', target: 'gcc' },
      file('usr/libexec/gcc/13/cc1', 9000),
      file('usr/include/stdio.h', 800),
      file('lib/ld-musl-x86_64.so.1', 600),
    ],
  ),
  'no-install-recommends': {
    ...clean(),
    history: [{ createdBy: 'RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit' }],
  },
  'with-no-install-recommends': {
    ...clean(),
    history: [
      {
        createdBy:
          'RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl # buildkit',
      },
    ],
  },
  'duplicate-files': clean(
    [{ entries: [file('b/lib.so', 3000, 'L'), file('b/lib-copy.so', 3000, 'L')], createdBy: 'COPY lib /b' }],
    [file('a/lib.so', 3000, 'L')],
  ),
  'large-files': clean([], [file('models/weights.bin', 150_000, 'w')]),
  'small-layers': clean(
    [1, 2, 3, 4, 5].map((i) => ({
      entries: [file(`app/part${i}.js`, 10, String(i))],
      createdBy: `COPY part${i}.js /app/`,
    })),
  ),
  'runs-as-root': { ...clean(), config: { cmd: ['/app/server'] } },
  'shells-and-package-managers': clean(
    [],
    [file('bin/sh', 100, 'e', 0o755), file('usr/bin/apt-get', 100, 'e', 0o755)],
  ),
  'setuid-binaries': clean([], [file('usr/bin/su', 10, 'e', 0o4755), file('usr/bin/wall', 10, 'e', 0o2755)]),
  secrets: clean(
    [],
    [
      {
        type: 'file',
        path: 'root/.ssh/id_rsa',
        content: '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n',
        mode: 0o600,
      },
      file('app/.env', 20),
      file('app/.env.production', 20),
    ],
  ),
};

let layout: OciLayout;
let registry: RunningRegistry;
let client: RegistryClient;
const analyses = new Map<string, ImageAnalysis>();

beforeAll(async () => {
  layout = await createLayout();
  registry = await startRegistry({ auth: 'none' });
  await Promise.all(
    Object.entries(FIXTURES).map(async ([name, spec]) => {
      await layout.addImage(name, spec);
      await pushImage(layout, name, registry, `advice/${name}:1`);
    }),
  );
  client = new RegistryClient();
  const cache = memoryLayerCache();
  for (const name of Object.keys(FIXTURES)) {
    const source = remoteImageSource(client, { registry: registry.host, repository: `advice/${name}` });
    analyses.set(name, await analyzeImage(source, '1', { cache }));
  }
}, 180_000);

afterAll(async () => {
  await client?.close();
  await registry?.stop();
  await layout?.remove();
});

const advice = (name: string): readonly ProfileAdvice[] => analyses.get(name)?.profile.advice ?? [];
const ids = (name: string): string[] =>
  advice(name)
    .map((a) => a.id)
    .sort();
const one = (name: string, id: string): ProfileAdvice | undefined => advice(name).find((a) => a.id === id);

describe('advice', () => {
  it('finds nothing to say about the clean image', () => {
    expect(advice('clean')).toEqual([]);
  });

  it('dead bytes: the overwritten and the deleted copy, exactly', () => {
    expect(ids('dead-bytes')).toEqual(['dead-bytes']);
    expect(one('dead-bytes', 'dead-bytes')).toMatchObject({
      estimatedSavingsBytes: 8000,
      severity: 'high',
      paths: ['/data/blob', '/data/old'],
      pathCount: 2,
    });
    expect(analyses.get('dead-bytes')?.profile.efficiency.wastedBytes).toBe(8000);
  });

  it('package caches and lists under any home, hardlinks counted once', () => {
    expect(ids('package-caches')).toEqual(['package-caches']);
    const finding = one('package-caches', 'package-caches');
    expect(finding?.estimatedSavingsBytes).toBe(1234 + 2000 + 600 + 300 + 400 + 500);
    expect([...(finding?.paths ?? [])].sort()).toEqual([
      '/home/app/.npm',
      '/root/.cache/pip',
      '/usr/local/share/.cache/yarn',
      '/var/cache/apk',
      '/var/cache/apt',
      '/var/lib/apt/lists',
    ]);
  });

  it('a cache cleaned up by a later step: dead bytes and the same-RUN suggestion', () => {
    expect(ids('cleanup-same-run')).toEqual(['dead-bytes', 'dockerfile-cleanup-same-run']);
    expect(one('cleanup-same-run', 'dockerfile-cleanup-same-run')).toMatchObject({
      estimatedSavingsBytes: 7000,
      paths: ['/var/lib/apt/lists/deb.debian.org_Packages'],
    });
  });

  it('build tools: the bytes their packages installed, not the runtime gcc-12-base', () => {
    expect(ids('build-tools')).toEqual(['build-tools', 'dockerfile-multi-stage']);
    const finding = one('build-tools', 'build-tools');
    expect(finding).toMatchObject({
      estimatedSavingsBytes: 4000 + 6000 + 1500 + 700,
      packages: ['gcc-12', 'libc6-dev', 'make'],
      paths: [
        '/usr/lib/gcc/x86_64-linux-gnu/12/cc1',
        '/usr/bin/gcc-12',
        '/usr/bin/make',
        '/usr/include/stdio.h',
      ],
    });
    expect(one('build-tools', 'dockerfile-multi-stage')?.estimatedSavingsBytes).toBe(12_200);
  });

  it('build tools from the apk database: bytes of the files each package owns', () => {
    expect(ids('build-tools-apk')).toEqual(['build-tools', 'dockerfile-multi-stage']);
    expect(one('build-tools-apk', 'build-tools')).toMatchObject({
      estimatedSavingsBytes: 3000 + 9000 + 800,
      packages: ['build-base', 'gcc', 'musl-dev'],
      paths: ['/usr/libexec/gcc/13/cc1', '/usr/bin/gcc', '/usr/include/stdio.h'],
    });
  });

  it('apt-get install without --no-install-recommends', () => {
    expect(ids('no-install-recommends')).toEqual(['dockerfile-no-install-recommends']);
    expect(one('no-install-recommends', 'dockerfile-no-install-recommends')).toMatchObject({
      estimatedSavingsBytes: 0,
      severity: 'low',
    });
    expect(ids('with-no-install-recommends')).toEqual([]);
  });

  it('duplicates across layers, but not within one layer', () => {
    expect(ids('duplicate-files')).toEqual(['duplicate-files']);
    expect(one('duplicate-files', 'duplicate-files')).toMatchObject({
      estimatedSavingsBytes: 6000,
      paths: ['/a/lib.so', '/b/lib-copy.so', '/b/lib.so'],
    });
  });

  it('large files above the threshold (a composer option), with no claimed saving', () => {
    const analysis = analyses.get('large-files') as ImageAnalysis;
    expect(ids('large-files')).toEqual([]);
    const compose = (largeFileBytes: number) =>
      composeProfile({
        image: analysis.image,
        layers: analysis.layers,
        durationMs: 0,
        adviceThresholds: { largeFileBytes },
      }).profile.advice;
    expect(compose(150_000)).toEqual([
      expect.objectContaining({
        id: 'large-files',
        estimatedSavingsBytes: 0,
        severity: 'info',
        paths: ['/models/weights.bin'],
      }),
    ]);
    expect(compose(150_001)).toEqual([]);
  });

  it('many small layers', () => {
    expect(ids('small-layers')).toEqual(['small-layers']);
    expect(one('small-layers', 'small-layers')?.detail).toMatch(
      /^6 of 6 layers \(0, 1, 2, 3, 4, 5\) are smaller than 1.0 MB/,
    );
  });

  it('running as root', () => {
    expect(ids('runs-as-root')).toEqual(['runs-as-root']);
    expect(one('runs-as-root', 'runs-as-root')?.severity).toBe('medium');
  });

  it('shells and package managers, with their paths', () => {
    expect(ids('shells-and-package-managers')).toEqual(['shells-and-package-managers']);
    expect(one('shells-and-package-managers', 'shells-and-package-managers')?.paths).toEqual([
      '/bin/sh',
      '/usr/bin/apt-get',
    ]);
  });

  it('setuid and setgid executables', () => {
    expect(ids('setuid-binaries')).toEqual(['setuid-binaries']);
    expect(one('setuid-binaries', 'setuid-binaries')).toMatchObject({
      severity: 'medium',
      paths: ['/usr/bin/su', '/usr/bin/wall'],
    });
  });

  it('private keys and .env files, not .env templates', () => {
    expect(ids('secrets')).toEqual(['secrets']);
    expect(one('secrets', 'secrets')).toMatchObject({
      severity: 'high',
      paths: ['/app/.env', '/app/.env.production', '/root/.ssh/id_rsa'],
    });
  });

  it('orders findings by severity, then savings', () => {
    const severities = advice('cleanup-same-run').map((a) => a.severity);
    expect(severities).toEqual(['high', 'high']);
    const order = ['high', 'medium', 'low', 'info'];
    for (const name of Object.keys(FIXTURES)) {
      const ranks = advice(name).map((a) => order.indexOf(a.severity));
      expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    }
  });
});

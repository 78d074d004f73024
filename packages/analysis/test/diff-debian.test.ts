// The diff engine against the tools that know the truth: two versions of the Debian minbase
// rootfs, built by editing the extracted tree (add, remove, modify, chmod, chown, re-point a
// symlink, turn a file into a symlink, upgrade and downgrade packages), pushed to the real
// registry, diffed, and compared with `diff -rq` plus a mode/owner comparison from `find`.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DETERMINISTIC_TAR_FLAGS,
  createLayout,
  debianMinbaseRootfs,
  pushImage,
  startRegistry,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { RegistryClient, remoteImageSource, type ImageSource } from '@berth/oci';
import {
  analyzeImage,
  diffImageFile,
  diffImages,
  isAnalysisError,
  memoryLayerCache,
  pageDiffList,
  readFileFromImage,
  type ImageAnalysis,
} from '@berth/analysis';

const BASH_V1 = '5.2.15-2+b13';
const BASH_V2 = '5.2.15-2+b13+berth1';
const ZLIB_V1 = '1:1.2.13.dfsg-1';
const ZLIB_V2 = '1:1.2.13.dfsg-1~berth1';

let work: string;
let rootA: string;
let rootB: string;
let layout: OciLayout;
let registry: RegistryClient;
let running: RunningRegistry;
let source: ImageSource;
let a: ImageAnalysis;
let b: ImageAnalysis;
let c: ImageAnalysis;
let d: ImageAnalysis;
let tiny: ImageAnalysis;

const sh = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });

function setVersion(status: string, name: string, from: string, to: string): string {
  const re = new RegExp(
    `(Package: ${name.replace('+', '\\+')}\\n(?:[^\\n]+\\n)*?Version: )${from.replace(/[.+~]/g, '\\$&')}\\n`,
  );
  expect(re.test(status), name).toBe(true);
  return status.replace(re, `$1${to}\n`);
}

beforeAll(async () => {
  const minbase = await debianMinbaseRootfs();
  work = mkdtempSync(join(tmpdir(), 'berth-diff-debian-'));
  rootA = join(work, 'a');
  rootB = join(work, 'b');
  sh('mkdir', [rootA]);
  sh('tar', ['-xf', minbase, '-C', rootA, '--numeric-owner']);
  sh('cp', ['-a', rootA, rootB]);

  // Version 2 of the rootfs.
  writeFileSync(join(rootB, 'etc/berth-added.conf'), 'added=1\n');
  sh('mkdir', ['-p', join(rootB, 'opt/berth/bin')]);
  writeFileSync(join(rootB, 'opt/berth/bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  unlinkSync(join(rootB, 'etc/motd'));
  rmSync(join(rootB, 'usr/share/doc/gzip'), { recursive: true });
  appendFileSync(join(rootB, 'etc/issue'), 'Managed by Berth\n');
  appendFileSync(join(rootB, 'usr/bin/true'), Buffer.from([0, 1, 2, 3]));
  sh('chmod', ['0600', join(rootB, 'etc/issue.net')]);
  sh('chown', ['1000:1000', join(rootB, 'etc/host.conf')]);
  unlinkSync(join(rootB, 'etc/alternatives/pager'));
  symlinkSync('/usr/bin/cat', join(rootB, 'etc/alternatives/pager'));
  unlinkSync(join(rootB, 'etc/debian_version'));
  symlinkSync('/etc/hosts', join(rootB, 'etc/debian_version'));
  const statusPath = join(rootB, 'var/lib/dpkg/status');
  let status = readFileSync(statusPath, 'utf8');
  status = setVersion(status, 'bash', BASH_V1, BASH_V2);
  status = setVersion(status, 'zlib1g', ZLIB_V1, ZLIB_V2);
  writeFileSync(statusPath, status);

  // The deterministic flags, but keeping the owners (the chown is part of the fixture).
  const tarB = join(work, 'b.tar');
  tarTree(rootB, tarB, (f) => (f === '--owner=0' || f === '--group=0' ? [] : [f]));
  // A rebuild of version 1 that only moved every timestamp.
  const tarC = join(work, 'c.tar');
  tarTree(rootA, tarC, (f) => [f === '--mtime=@0' ? '--mtime=@1700000000' : f]);

  layout = await createLayout();
  const base = { fromTar: minbase, compression: 'none' as const, createdBy: 'ADD rootfs.tar / # buildkit' };
  await layout.addImage('v1', {
    layers: [base],
    config: { cmd: ['bash'], env: ['PATH=/usr/bin:/bin', 'MODE=one'], labels: { version: '1' } },
  });
  await layout.addImage('v2', {
    layers: [{ fromTar: tarB, compression: 'none', createdBy: 'ADD rootfs-v2.tar / # buildkit' }],
    config: {
      cmd: ['bash', '-l'],
      env: ['PATH=/usr/bin:/bin', 'EXTRA=yes'],
      user: '1000:1000',
      exposedPorts: ['8080/tcp'],
      labels: { version: '2', team: 'berth' },
    },
  });
  await layout.addImage('v1-rebuilt', {
    layers: [{ fromTar: tarC, compression: 'none', createdBy: 'ADD rootfs.tar / # buildkit' }],
    config: { cmd: ['bash'], env: ['PATH=/usr/bin:/bin', 'MODE=one'], labels: { version: '1' } },
  });
  await layout.addImage('v1-app', {
    layers: [
      base,
      {
        entries: [
          { type: 'file', path: 'app/main.js', content: 'console.log(1)\n' },
          // Content written by the base layer under another name.
          { type: 'hardlink', path: 'app/bash', target: 'usr/bin/bash' },
          // The top-most copy is the one to read.
          { type: 'file', path: 'etc/issue', content: 'Berth app\n' },
        ],
        createdBy: 'COPY main.js /app/',
      },
    ],
    config: { cmd: ['bash'], env: ['PATH=/usr/bin:/bin', 'MODE=one'], labels: { version: '1' } },
  });
  await layout.addImage('tiny', {
    layers: [
      {
        entries: [
          { type: 'file', path: 'etc/os-release', content: 'ID=tiny\nPRETTY_NAME="Tiny"\n' },
          { type: 'file', path: 'bin/app', content: 'app', mode: 0o755 },
        ],
      },
    ],
  });
  running = await startRegistry({ auth: 'none' });
  for (const tag of ['v1', 'v2', 'v1-rebuilt', 'v1-app', 'tiny']) {
    await pushImage(layout, tag, running, `debian-diff/app:${tag}`);
  }
  registry = new RegistryClient();
  source = remoteImageSource(registry, { registry: running.host, repository: 'debian-diff/app' });
  const cache = memoryLayerCache();
  a = await analyzeImage(source, 'v1', { cache });
  b = await analyzeImage(source, 'v2', { cache });
  c = await analyzeImage(source, 'v1-rebuilt', { cache });
  d = await analyzeImage(source, 'v1-app', { cache });
  tiny = await analyzeImage(source, 'tiny', { cache });
}, 300_000);

afterAll(async () => {
  await registry?.close();
  await running?.stop();
  await layout?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

function tarTree(root: string, out: string, flag: (f: string) => string[]): void {
  const members = sh('ls', ['-A', root]).trim().split('\n').sort();
  sh('tar', [
    '--create',
    `--file=${out}`,
    `--directory=${root}`,
    ...DETERMINISTIC_TAR_FLAGS.flatMap(flag),
    ...members,
  ]);
}

/** Non-directory paths under `dir` (relative to `root`), absolute in the image. */
function nonDirsUnder(root: string, rel: string): string[] {
  const full = join(root, rel);
  if (!sh('find', [full, '-maxdepth', '0', '-type', 'd']).trim()) return [`/${rel}`];
  return sh('find', [full, '!', '-type', 'd', '-printf', '%P\\n'])
    .split('\n')
    .filter(Boolean)
    .map((p) => `/${rel}/${p}`);
}

/** `find -printf` of every non-directory: type, mode, uid, gid. */
function metadata(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of sh('find', [
    root,
    '-mindepth',
    '1',
    '!',
    '-type',
    'd',
    '-printf',
    '%P\\t%y %m %U %G\\n',
  ]).split('\n')) {
    if (!line) continue;
    const [path, meta] = line.split('\t') as [string, string];
    out.set(`/${path}`, meta);
  }
  return out;
}

/** What `diff -rq --no-dereference` and `find` say changed between the two trees. */
function expectedFileChanges(): { added: string[]; removed: string[]; modified: string[] } {
  let output = '';
  try {
    sh('diff', ['-rq', '--no-dereference', rootA, rootB]);
  } catch (error) {
    output = String((error as { stdout: string }).stdout);
  }
  const added: string[] = [];
  const removed: string[] = [];
  const modified = new Set<string>();
  const rel = (p: string, root: string): string => p.slice(root.length + 1);
  for (const line of output.split('\n').filter(Boolean)) {
    let m = /^Only in (.+): (.+)$/.exec(line);
    if (m) {
      const [, dir = '', name = ''] = m;
      const inA = dir === rootA || dir.startsWith(`${rootA}/`);
      const root = inA ? rootA : rootB;
      const path = dir === root ? name : `${rel(dir, root)}/${name}`;
      (inA ? removed : added).push(...nonDirsUnder(root, path));
      continue;
    }
    m = /^(?:Files|Symbolic links) (.+) and (.+) differ$/.exec(line);
    if (m) {
      modified.add(`/${rel(m[1] ?? '', rootA)}`);
      continue;
    }
    m = /^File (.+) is a (.+) while file (.+) is a (.+)$/.exec(line);
    if (m) {
      modified.add(`/${rel(m[1] ?? '', rootA)}`);
      continue;
    }
    throw new Error(`unexpected diff output: ${line}`);
  }
  const left = metadata(rootA);
  const right = metadata(rootB);
  for (const [path, meta] of left) {
    const other = right.get(path);
    if (other !== undefined && other !== meta) modified.add(path);
  }
  return { added: added.sort(), removed: removed.sort(), modified: [...modified].sort() };
}

describe('diff of two versions of the Debian rootfs', () => {
  it('reports exactly the file changes diff -rq and find report', () => {
    const diff = diffImages(a, b);
    const expected = expectedFileChanges();
    expect(expected.modified.length).toBeGreaterThanOrEqual(7);
    expect(expected.removed.length).toBeGreaterThan(6);
    expect(diff.files.added.map((f) => f.path)).toEqual(expected.added);
    expect(diff.files.removed.map((f) => f.path)).toEqual(expected.removed);
    expect(diff.files.modified.map((f) => f.path)).toEqual(expected.modified);
    expect(diff.summary).toMatchObject({
      filesAdded: expected.added.length,
      filesRemoved: expected.removed.length,
      filesModified: expected.modified.length,
    });
  });

  it('says what changed about each modified path, with types and sizes', () => {
    const diff = diffImages(a, b);
    const byPath = new Map(diff.files.modified.map((f) => [f.path, f]));
    expect(byPath.get('/etc/issue')).toMatchObject({
      changes: ['content'],
      leftSize: 27,
      rightSize: 44,
      type: 'file',
    });
    // Every regular file the analysis saw carries the binary hint; text stays text.
    expect(byPath.get('/etc/issue')?.binary).toBe(false);
    const regular = [...diff.files.added, ...diff.files.removed].filter((f) => f.type === 'file');
    expect(regular.length).toBeGreaterThan(0);
    expect(regular.every((f) => typeof f.binary === 'boolean')).toBe(true);
    expect(byPath.get('/etc/issue.net')).toMatchObject({
      changes: ['mode'],
      left: { mode: 0o644 },
      right: { mode: 0o600 },
    });
    expect(byPath.get('/etc/host.conf')).toMatchObject({
      changes: ['owner'],
      right: { uid: 1000, gid: 1000 },
    });
    expect(byPath.get('/etc/alternatives/pager')).toMatchObject({
      type: 'symlink',
      changes: ['linkTarget'],
      left: { linkTarget: '/bin/more' },
      right: { linkTarget: '/usr/bin/cat' },
    });
    expect(byPath.get('/etc/debian_version')).toMatchObject({
      type: 'symlink',
      leftType: 'file',
      changes: ['type'],
    });
    expect(diff.files.added.find((f) => f.path === '/opt/berth/bin/tool')).toEqual({
      path: '/opt/berth/bin/tool',
      type: 'file',
      size: 20,
      layerIndex: 0,
      binary: false,
    });
  });

  it('shows the package upgrade and downgrade with both versions', () => {
    const diff = diffImages(a, b);
    expect(diff.packages.added).toEqual([]);
    expect(diff.packages.removed).toEqual([]);
    expect(diff.packages.changed).toEqual([
      { type: 'deb', name: 'bash', arch: 'amd64', left: BASH_V1, right: BASH_V2, direction: 'upgrade' },
      { type: 'deb', name: 'zlib1g', arch: 'amd64', left: ZLIB_V1, right: ZLIB_V2, direction: 'downgrade' },
    ]);
    expect(diff.summary.packagesChanged).toBe(2);
  });

  it('compares the runtime config field by field and both Dockerfiles', () => {
    const diff = diffImages(a, b);
    expect(diff.config).toEqual([
      { field: 'cmd', change: 'changed', left: ['bash'], right: ['bash', '-l'] },
      { field: 'env.EXTRA', change: 'added', left: null, right: 'yes' },
      { field: 'env.MODE', change: 'removed', left: 'one', right: null },
      { field: 'user', change: 'added', left: '', right: '1000:1000' },
      { field: 'ports', change: 'added', left: [], right: ['8080/tcp'] },
      { field: 'labels.team', change: 'added', left: null, right: 'berth' },
      { field: 'labels.version', change: 'changed', left: '1', right: '2' },
    ]);
    expect(diff.dockerfile).toEqual({ left: 'ADD rootfs.tar /\n', right: 'ADD rootfs-v2.tar /\n' });
    expect(diff.layers).toHaveLength(1);
    expect(diff.layers[0]?.status).toBe('changed');
    expect(diff.summary.sharedLayers).toBe(0);
    expect(diff.summary.sizeDelta).toBe(
      b.profile.overview.sizeUncompressed - a.profile.overview.sizeUncompressed,
    );
  });

  it('sees no file change in a rebuild that only moved timestamps, unless asked for metadata', () => {
    const plain = diffImages(a, c);
    expect(plain.files).toEqual({ added: [], removed: [], modified: [] });
    expect(plain.packages).toEqual({ added: [], removed: [], changed: [] });
    expect(plain.layers[0]?.status).toBe('changed');
    const withMetadata = diffImages(a, c, { includeMetadata: true });
    const nonDirs = Number(sh('sh', ['-c', `find ${rootA} -mindepth 1 ! -type d | wc -l`]).trim());
    expect(withMetadata.files.modified).toHaveLength(nonDirs);
    expect(withMetadata.files.modified.every((f) => f.changes.join() === 'mtime')).toBe(true);
    expect(withMetadata.files.modified[0]).toMatchObject({
      left: { mtime: 0 },
      right: { mtime: 1_700_000_000 },
    });
  });

  it('gives an empty diff of an image with itself', () => {
    const diff = diffImages(a, a, { includeMetadata: true });
    expect(diff.config).toEqual([]);
    expect(diff.files).toEqual({ added: [], removed: [], modified: [] });
    expect(diff.packages).toEqual({ added: [], removed: [], changed: [] });
    expect(diff.summary).toEqual({
      sizeDelta: 0,
      sizeDeltaCompressed: 0,
      filesAdded: 0,
      filesRemoved: 0,
      filesModified: 0,
      packagesAdded: 0,
      packagesRemoved: 0,
      packagesChanged: 0,
      sharedLayers: 1,
      configChanged: 0,
    });
  });

  it('shares the base layer with an image built on it', () => {
    const diff = diffImages(a, d);
    expect(diff.summary.sharedLayers).toBe(1);
    expect(diff.layers.map((l) => l.status)).toEqual(['shared', 'added']);
    expect(diff.files.added.map((f) => [f.path, f.size, f.layerIndex])).toEqual([
      ['/app/bash', statSync(join(rootA, 'usr/bin/bash')).size, 1],
      ['/app/main.js', 15, 1],
    ]);
    expect(diff.files.modified.map((f) => [f.path, f.changes])).toEqual([['/etc/issue', ['content']]]);
    expect(diff.summary.filesRemoved).toBe(0);
  });

  it('diffs two unrelated images', () => {
    const diff = diffImages(tiny, a);
    expect(diff.left.os).toBe('Tiny');
    expect(diff.right.os).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(diff.files.removed.map((f) => f.path)).toEqual(['/bin/app']);
    expect(diff.files.modified.map((f) => f.path)).toEqual(['/etc/os-release']);
    expect(diff.summary.filesAdded).toBe(a.profile.overview.fileCount + countSymlinks(rootA) - 1);
    expect(diff.summary.packagesAdded).toBe(a.profile.packages.length);
  });

  it('pages long lists with a cursor', () => {
    const diff = diffImages(a, b);
    const all = diff.files.removed;
    const first = pageDiffList(all, { limit: 3 });
    expect(first.items).toEqual(all.slice(0, 3));
    expect(first.total).toBe(all.length);
    const second = pageDiffList(all, { cursor: first.nextCursor, limit: 1000 });
    expect([...first.items, ...second.items]).toEqual(all);
    expect(second.nextCursor).toBeNull();
    expect(() => pageDiffList(all, { cursor: 'nope' })).toThrow(/invalid cursor/);
  });
});

function countSymlinks(root: string): number {
  // /etc/os-release in Debian is a symlink; fileCount counts regular files only.
  return Number(sh('sh', ['-c', `find ${root} -mindepth 1 ! -type d ! -type f | wc -l`]).trim());
}

describe('advice on the Debian minbase image', () => {
  it('flags root, shells and setuid programs, and nothing to save', () => {
    const advice = a.profile.advice;
    expect(advice.map((f) => f.id)).toEqual([
      'runs-as-root',
      'setuid-binaries',
      'shells-and-package-managers',
    ]);
    expect(advice.every((f) => f.estimatedSavingsBytes === 0)).toBe(true);
    const setuid = sh('find', [rootA, '-type', 'f', '-perm', '/6000', '-printf', '/%P\\n'])
      .trim()
      .split('\n')
      .sort();
    expect(advice.find((f) => f.id === 'setuid-binaries')?.paths).toEqual(setuid);
  });
});

describe('file contents on demand', () => {
  it('streams the one layer holding a file and returns its bytes', async () => {
    const issue = await readFileFromImage(source, b, '/etc/issue');
    expect(issue).toEqual(readFileSync(join(rootB, 'etc/issue')));
    // Through a symlink (/usr/bin/pager → /etc/alternatives/pager → /usr/bin/cat).
    const pager = await readFileFromImage(source, b, 'usr/bin/pager');
    expect(pager).toEqual(readFileSync(join(rootB, 'usr/bin/cat')));
  });

  it('reads the top-most copy, and a hardlink from the lower layer that wrote its content', async () => {
    expect((await readFileFromImage(source, d, '/etc/issue')).toString()).toBe('Berth app\n');
    expect(await readFileFromImage(source, d, '/app/bash')).toEqual(
      readFileSync(join(rootA, 'usr/bin/bash')),
    );
  });

  it('gives the unified diff GNU diff gives, and says binary files differ', async () => {
    const text = await diffImageFile({ source, analysis: a }, { source, analysis: b }, '/etc/issue');
    let gnu = '';
    try {
      sh('diff', [
        '-u',
        '--label',
        'a/etc/issue',
        '--label',
        'b/etc/issue',
        join(rootA, 'etc/issue'),
        join(rootB, 'etc/issue'),
      ]);
    } catch (error) {
      gnu = String((error as { stdout: string }).stdout);
    }
    expect(text).toMatchObject({ path: '/etc/issue', binary: false, leftSize: 27, rightSize: 44, diff: gnu });
    const binary = await diffImageFile({ source, analysis: a }, { source, analysis: b }, '/usr/bin/true');
    expect(binary).toMatchObject({
      binary: true,
      diff: 'Binary files a/usr/bin/true and b/usr/bin/true differ\n',
    });
  });

  it('names the side a path is missing from, and refuses files above the cap', async () => {
    const missing = diffImageFile({ source, analysis: a }, { source, analysis: b }, '/etc/berth-added.conf');
    await expect(missing).rejects.toSatisfy((e) => isAnalysisError(e, 'file_not_found'));
    await expect(missing).rejects.toThrow(/^left image: \/etc\/berth-added.conf does not exist/);
    await expect(readFileFromImage(source, a, '/usr/bin/perl', { maxBytes: 1000 })).rejects.toSatisfy((e) =>
      isAnalysisError(e, 'file_too_large'),
    );
    await expect(readFileFromImage(source, a, '/etc')).rejects.toThrow(/is a directory/);
  });
});

import { describe, expect, it } from 'vitest';
import { diffConfigs } from './diff-config.js';
import { diffFileSystems } from './diff-files.js';
import { diffPackages } from './diff-packages.js';
import type { ProfileConfig, ProfilePackage } from './container-profile.js';
import type { LayerEntry } from './layer-result.js';
import { mergeLayers } from './merged-fs.js';

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 };
const dir = (path: string): LayerEntry => ({ ...meta, mode: 0o755, path, type: 'dir' });
const file = (path: string, sha = 'a', extra: Partial<LayerEntry> = {}): LayerEntry => ({
  ...meta,
  path,
  type: 'file',
  size: sha.length,
  sha256: `sha256:${sha}`,
  ...extra,
});
const fsOf = (...entries: LayerEntry[]) => mergeLayers([{ entries, files: [] }]);

describe('diffFileSystems', () => {
  it('replaces a directory by a file: the subtree is removed, the file added', () => {
    const left = fsOf(dir('opt'), file('opt/a'), file('opt/sub/b'));
    const right = fsOf(file('opt', 'xyz'));
    const diff = diffFileSystems(left, right);
    expect(diff.removed.map((f) => f.path)).toEqual(['/opt/a', '/opt/sub/b']);
    expect(diff.added).toEqual([{ path: '/opt', type: 'file', size: 3, layerIndex: 0 }]);
    expect(diff.modified).toEqual([]);
    // And back.
    const back = diffFileSystems(right, left);
    expect(back.removed.map((f) => f.path)).toEqual(['/opt']);
    expect(back.added.map((f) => f.path)).toEqual(['/opt/a', '/opt/sub/b']);
  });

  it('compares devices, extended attributes and hardlinked content; directories never count', () => {
    const dev = (minor: number): LayerEntry => ({
      ...meta,
      path: 'dev/null',
      type: 'char',
      devMajor: 1,
      devMinor: minor,
    });
    const left = fsOf({ ...dir('etc'), mode: 0o700 }, dev(3), file('bin/ping', 'p'), file('x', 'same'), {
      ...meta,
      path: 'y',
      type: 'hardlink',
      linkTarget: 'x',
    });
    const right = fsOf(
      dir('etc'),
      dev(4),
      file('bin/ping', 'p', { xattrs: { 'security.capability': 'AQ==' } }),
      file('x', 'same'),
      file('y', 'same'),
    );
    const diff = diffFileSystems(left, right);
    expect(diff.modified.map((m) => [m.path, m.changes])).toEqual([
      ['/bin/ping', ['xattrs']],
      ['/dev/null', ['device']],
    ]);
  });

  it('says which changed regular files look binary, when the analysis knew', () => {
    const bin = { binary: true };
    const text = { binary: false };
    const left = fsOf(
      file('both-text', 'a', text),
      file('turns-binary', 'a', text),
      file('unknown', 'a'),
      file('gone.so', 'g', bin),
      file('to-link', 't', bin),
    );
    const right = fsOf(
      file('both-text', 'b', text),
      file('turns-binary', 'b', bin),
      file('unknown', 'b', text),
      file('new.txt', 'n', text),
      { ...meta, path: 'to-link', type: 'symlink', linkTarget: 'both-text' },
      { ...meta, path: 'link', type: 'symlink', linkTarget: 'both-text' },
    );
    const diff = diffFileSystems(left, right);
    expect(diff.modified.map((m) => [m.path, m.binary])).toEqual([
      ['/both-text', false],
      ['/to-link', true],
      ['/turns-binary', true],
      ['/unknown', undefined],
    ]);
    expect(diff.modified.find((m) => m.path === '/unknown')).not.toHaveProperty('binary');
    expect(diff.added).toEqual([
      { path: '/link', type: 'symlink', size: 0, layerIndex: 0 },
      { path: '/new.txt', type: 'file', size: 1, layerIndex: 0, binary: false },
    ]);
    expect(diff.added[0]).not.toHaveProperty('binary');
    expect(diff.removed).toEqual([{ path: '/gone.so', type: 'file', size: 1, layerIndex: 0, binary: true }]);
  });

  it('ignores mtimes unless asked', () => {
    const left = fsOf(file('a'), { ...meta, path: 'l', type: 'symlink', linkTarget: 'a' });
    const right = fsOf(file('a', 'a', { mtime: 5 }), {
      ...meta,
      path: 'l',
      type: 'symlink',
      linkTarget: 'a',
      mtime: 9,
    });
    expect(diffFileSystems(left, right).modified).toEqual([]);
    expect(
      diffFileSystems(left, right, { includeMetadata: true }).modified.map((m) => [m.path, m.changes]),
    ).toEqual([
      ['/a', ['mtime']],
      ['/l', ['mtime']],
    ]);
  });
});

describe('diffConfigs', () => {
  const config = (c: Partial<ProfileConfig>): ProfileConfig => ({
    entrypoint: null,
    cmd: null,
    env: [],
    workingDir: '',
    user: '',
    exposedPorts: [],
    volumes: [],
    labels: {},
    stopSignal: null,
    healthcheck: null,
    ...c,
  });

  it('reports each field once, env and labels per key, order-insensitive lists', () => {
    const left = config({
      entrypoint: ['/init'],
      env: ['A=1', 'B=2', 'A=3'],
      volumes: ['/a', '/b'],
      workingDir: '/app',
    });
    const right = config({
      env: ['B=2', 'A=3'],
      volumes: ['/b', '/a'],
      stopSignal: 'SIGINT',
      workingDir: '/srv',
    });
    expect(diffConfigs(left, right)).toEqual([
      { field: 'entrypoint', change: 'removed', left: ['/init'], right: null },
      { field: 'workdir', change: 'changed', left: '/app', right: '/srv' },
      { field: 'stopSignal', change: 'added', left: null, right: 'SIGINT' },
    ]);
    expect(diffConfigs(left, left)).toEqual([]);
  });
});

describe('diffPackages', () => {
  const pkg = (name: string, version: string, extra: Partial<ProfilePackage> = {}): ProfilePackage => ({
    type: 'deb',
    name,
    version,
    arch: 'amd64',
    layerIndex: 0,
    ...extra,
  });

  it('classifies added, removed, upgraded, downgraded and equal-but-respelled versions', () => {
    const left = [
      pkg('libc6', '2.36-9'),
      pkg('old', '1'),
      pkg('tz', '2024a-0+deb12u1'),
      pkg('epoch', '1.0'),
      pkg('x', '1.0', { type: 'npm', arch: undefined, path: '/a/node_modules/x/package.json' }),
    ];
    const right = [
      pkg('libc6', '2.36-9+deb12u4'),
      pkg('new', '2'),
      pkg('tz', '2024a-0~deb12u1'),
      pkg('epoch', '0:1.0'),
      pkg('x', '1.0', { type: 'npm', arch: undefined, path: '/b/node_modules/x/package.json' }),
    ];
    const diff = diffPackages(left, right);
    expect(diff.changed.map((c) => [c.name, c.direction])).toEqual([
      ['epoch', 'rebuild'],
      ['libc6', 'upgrade'],
      ['tz', 'downgrade'],
    ]);
    expect(diff.added.map((p) => p.path ?? p.name)).toEqual(['new', '/b/node_modules/x/package.json']);
    expect(diff.removed.map((p) => p.path ?? p.name)).toEqual(['old', '/a/node_modules/x/package.json']);
  });
});

import { describe, expect, it } from 'vitest';
import type { LayerEntry } from './layer-result.js';
import { mergeLayers, type MergedFileSystem } from './merged-fs.js';

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 };
const dir = (path: string): LayerEntry => ({ ...meta, mode: 0o755, path, type: 'dir' });
const file = (path: string, size = 1, sha = `sha256:${path}`): LayerEntry => ({
  ...meta,
  path,
  type: 'file',
  size,
  sha256: sha,
});
const symlink = (path: string, target: string): LayerEntry => ({
  ...meta,
  path,
  type: 'symlink',
  linkTarget: target,
});
const hardlink = (path: string, target: string): LayerEntry => ({
  ...meta,
  path,
  type: 'hardlink',
  linkTarget: target,
});
const whiteout = (path: string): LayerEntry => ({ ...meta, path, type: 'whiteout' });
const opaque = (path: string): LayerEntry => ({ ...meta, path, type: 'opaque' });
const layer = (...entries: LayerEntry[]) => ({ entries, files: [] });

/** `path type[ size][ -> target][ #n]` for every path, sorted; `#n` numbers inodes in walk order. */
function tree(fs: MergedFileSystem): string[] {
  const inodes = new Map<number, number>();
  return [...fs.walk()].map(([path, node]) => {
    let line = `${path} ${node.type}`;
    if (node.type === 'file') line += ` ${node.inode?.size ?? 0}`;
    if (node.linkTarget !== undefined) line += ` -> ${node.linkTarget}`;
    if (node.hardlink && node.inode) line += ' (hardlink)';
    if (node.inode) {
      if (!inodes.has(node.inode.id)) inodes.set(node.inode.id, inodes.size + 1);
      line += ` #${inodes.get(node.inode.id)}`;
    }
    return line;
  });
}

describe('mergeLayers (OCI image-spec layer.md)', () => {
  it('a whiteout hides the lower layer only, never the same layer', () => {
    const fs = mergeLayers([
      layer(dir('etc'), file('etc/a'), file('etc/b')),
      // The whiteout for etc/b comes after the layer's own etc/b: the new etc/b survives.
      layer(file('etc/b', 5), whiteout('etc/a'), whiteout('etc/b'), whiteout('etc/missing')),
    ]);
    expect(tree(fs)).toEqual(['etc dir', 'etc/b file 5 #1']);
    expect(fs.changes[1]).toMatchObject({
      added: 0,
      modified: 1,
      deleted: 1,
      bytesModified: 5,
      bytesDeleted: 1,
    });
    expect(fs.wasted).toEqual([
      { path: 'etc/a', bytes: 1, layerIndex: 0, reason: 'deleted in layer 1' },
      { path: 'etc/b', bytes: 1, layerIndex: 0, reason: 'deleted in layer 1' },
    ]);
  });

  it('does not treat names that merely contain .wh. as whiteouts', () => {
    const fs = mergeLayers([layer(file('usr/bin/which'), file('a.wh.b'))]);
    expect(tree(fs)).toEqual(['a.wh.b file 1 #1', 'usr dir', 'usr/bin dir', 'usr/bin/which file 1 #2']);
  });

  it('an opaque directory applies before the same layer entries, whatever their order', () => {
    const fs = mergeLayers([
      layer(dir('app'), file('app/old'), dir('app/sub'), file('app/sub/deep'), file('keep')),
      layer(file('app/new', 2), opaque('app')),
    ]);
    expect(tree(fs)).toEqual(['app dir', 'app/new file 2 #1', 'keep file 1 #2']);
    expect(fs.changes[1]).toMatchObject({
      added: 1,
      deleted: 2,
      modified: 0,
      bytesAdded: 2,
      bytesDeleted: 2,
    });
    expect(fs.wasted.map((w) => w.path).sort()).toEqual(['app/old', 'app/sub/deep']);
  });

  it('a file replacing a directory removes the whole subtree, and a directory replaces a file', () => {
    const fs = mergeLayers([
      layer(dir('x'), dir('x/y'), file('x/y/z', 10), file('f', 3)),
      layer(file('x', 4), dir('f'), file('f/inner')),
    ]);
    expect(tree(fs)).toEqual(['f dir', 'f/inner file 1 #1', 'x file 4 #2']);
    expect(fs.changes[1]).toMatchObject({ added: 2, deleted: 2, modified: 0, bytesDeleted: 13 });
  });

  it('resolves hardlinks (chains too) to one inode whose bytes count once', () => {
    const fs = mergeLayers([
      layer(file('bin/a', 100), hardlink('bin/b', 'bin/a'), hardlink('bin/c', './bin/b')),
      layer(hardlink('bin/d', 'bin/c')),
      // Deleting two of four links wastes nothing; the content is still alive.
      layer(whiteout('bin/a'), whiteout('bin/b')),
    ]);
    expect(tree(fs)).toEqual(['bin dir', 'bin/c file 100 (hardlink) #1', 'bin/d file 100 (hardlink) #1']);
    expect(fs.lookup('bin/d')?.inode?.links).toBe(2);
    expect(fs.wasted).toEqual([]);
    expect(fs.changes[0]).toMatchObject({ added: 3 });
    expect(fs.changes[0]?.largestFiles).toEqual([{ path: 'bin/a', size: 100 }]);
  });

  it('counts a hardlinked file as dead only when its last link goes', () => {
    const fs = mergeLayers([layer(file('a', 7), hardlink('b', 'a')), layer(whiteout('a'), whiteout('b'))]);
    expect(tree(fs)).toEqual([]);
    expect(fs.wasted).toEqual([{ path: 'b', bytes: 7, layerIndex: 0, reason: 'deleted in layer 1' }]);
  });

  it('keeps symlinks as links, resolves them bounded and never outside the root', () => {
    const fs = mergeLayers([
      layer(
        file('usr/lib/os-release', 20),
        symlink('etc/os-release', '../usr/lib/os-release'),
        symlink('escape', '../../../../usr/lib/os-release'),
        symlink('abs', '/usr/lib'),
        symlink('loop1', 'loop2'),
        symlink('loop2', 'loop1'),
        symlink('self', 'self'),
      ),
    ]);
    expect(fs.lookup('etc/os-release')?.type).toBe('symlink');
    expect(fs.resolve('etc/os-release', { follow: true })?.path).toBe('usr/lib/os-release');
    expect(fs.resolve('escape', { follow: true })?.path).toBe('usr/lib/os-release');
    expect(fs.resolve('abs/os-release')?.path).toBe('usr/lib/os-release');
    expect(fs.lookup('loop1', { follow: true })).toBeUndefined();
    expect(fs.lookup('self/x')).toBeUndefined();
    expect(fs.lookup('loop1')?.type).toBe('symlink');
  });

  it('writes through a symlinked parent, and a directory entry replaces a symlink', () => {
    const fs = mergeLayers([
      layer(dir('usr/bin'), symlink('bin', 'usr/bin'), symlink('lib', 'usr/lib')),
      layer(file('bin/tool'), dir('lib'), file('lib/x')),
    ]);
    expect(tree(fs)).toEqual([
      'bin symlink -> usr/bin',
      'lib dir',
      'lib/x file 1 #1',
      'usr dir',
      'usr/bin dir',
      'usr/bin/tool file 1 #2',
    ]);
  });

  it('handles duplicate entries in one layer (last wins, counted once)', () => {
    const fs = mergeLayers([
      layer(file('a', 1)),
      layer(file('a', 2), file('a', 3), file('b', 4), file('b', 5)),
    ]);
    expect(tree(fs)).toEqual(['a file 3 #1', 'b file 5 #2']);
    expect(fs.changes[1]).toMatchObject({ added: 1, modified: 1, bytesAdded: 5, bytesModified: 3 });
    expect(fs.wasted).toEqual([{ path: 'a', bytes: 1, layerIndex: 0, reason: 'overwritten in layer 1' }]);
  });

  it('skips layers that were not analysed', () => {
    const fs = mergeLayers([layer(file('a')), undefined, layer(file('b'))]);
    expect(tree(fs)).toEqual(['a file 1 #1', 'b file 1 #2']);
    expect(fs.changes).toHaveLength(3);
  });

  it('attaches captured content to inodes and reads it through symlinks', () => {
    const fs = mergeLayers([
      {
        entries: [file('usr/lib/os-release', 7), symlink('etc/os-release', '../usr/lib/os-release')],
        files: [
          { path: 'usr/lib/os-release', entryIndex: 0, content: Buffer.from('ID=test').toString('base64') },
        ],
      },
    ]);
    expect(fs.readFile('etc/os-release')?.toString()).toBe('ID=test');
    expect(fs.list('etc').map(([name]) => name)).toEqual(['os-release']);
  });

  it('keeps every attribute of an entry, and a hardlink shares them with the inode of its target', () => {
    const key = { ...file('k', 9), privateKey: true as const, binary: false, mtime: 5, uid: 7 };
    const cap = { ...file('bin/ping', 3), binary: true, xattrs: { 'security.capability': 'AQ==' } };
    const fs = mergeLayers([
      {
        entries: [
          key,
          cap,
          { ...meta, path: 'dev/tty', type: 'char', devMajor: 5, devMinor: 0 },
          file('plain'),
        ],
        files: [
          { path: 'k', entryIndex: 0, content: Buffer.from('-----').toString('base64'), truncated: true },
        ],
      },
      layer(hardlink('k2', 'k'), hardlink('bin/ping2', 'bin/ping'), { ...dir('d'), mode: 0o700 }),
      layer({ ...dir('d'), mode: 0o750, uid: 3 }, file('d/x')),
    ]);
    const k2 = fs.lookup('k2');
    expect(k2).toMatchObject({
      type: 'file',
      mtime: 5,
      uid: 7,
      privateKey: true,
      binary: false,
      hardlink: true,
    });
    expect(k2?.layerIndex).toBe(1);
    expect(k2?.inode).toBe(fs.lookup('k')?.inode);
    expect(k2?.inode).toMatchObject({
      size: 9,
      sha256: 'sha256:k',
      layerIndex: 0,
      links: 2,
      truncated: true,
    });
    expect(k2?.inode?.content?.toString()).toBe('-----');
    expect(fs.lookup('k')?.hardlink).toBe(false);
    expect(fs.lookup('bin/ping2')).toMatchObject({ binary: true, xattrs: { 'security.capability': 'AQ==' } });
    expect(fs.lookup('plain')?.binary).toBeUndefined();
    expect(fs.lookup('plain')?.inode).toMatchObject({ truncated: false, content: undefined });
    expect(fs.lookup('dev/tty')).toMatchObject({ type: 'char', devMajor: 5, devMinor: 0, inode: undefined });
    // A directory entry over a directory: new metadata, same children, the layer that made it.
    expect(fs.lookup('d')).toMatchObject({ mode: 0o750, uid: 3, layerIndex: 1 });
    expect(fs.list('d').map(([name]) => name)).toEqual(['x']);
  });
});

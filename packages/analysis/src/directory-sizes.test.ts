import { describe, expect, it } from 'vitest';
import { directorySizes } from './directory-sizes.js';
import type { LayerEntry } from './layer-result.js';
import { mergeLayers, type FsNode } from './merged-fs.js';

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 };
const dir = (path: string): LayerEntry => ({ ...meta, mode: 0o755, path, type: 'dir' });
const file = (path: string, size: number): LayerEntry => ({
  ...meta,
  path,
  type: 'file',
  size,
  sha256: `sha256:${path}`,
});
const layer = (...entries: LayerEntry[]) => ({ entries, files: [] });

describe('directorySizes', () => {
  it('adds up each subtree once per inode, after whiteouts, without following symlinks', () => {
    const fs = mergeLayers([
      layer(
        dir('usr'),
        dir('usr/bin'),
        file('usr/bin/a', 100),
        { ...meta, path: 'usr/bin/a-link', type: 'hardlink', linkTarget: 'usr/bin/a' },
        dir('usr/lib'),
        file('usr/lib/big', 1000),
        { ...meta, path: 'lib', type: 'symlink', linkTarget: 'usr/lib' },
        dir('tmp'),
        file('tmp/cache', 50),
        dir('empty'),
      ),
      layer({ ...meta, path: 'tmp/cache', type: 'whiteout' }, file('usr/lib/big', 10)),
    ]);
    const sizes = directorySizes(fs);
    const at = (path: string) => sizes.get((path ? fs.lookup(path) : fs.root) as FsNode);
    expect(at('usr/bin')).toBe(100);
    expect(at('usr/lib')).toBe(10);
    expect(at('usr')).toBe(110);
    expect(at('tmp')).toBe(0);
    expect(at('empty')).toBe(0);
    expect(at('')).toBe(110);
  });
});

import type { FsNode, MergedFileSystem } from './merged-fs.js';

/**
 * The total content bytes under every directory of a merged file system, as `du -s --apparent-size`
 * of the unpacked root would count them: regular files only, each inode once (a hardlink's bytes go
 * to the first path that names it, in sorted walk order), symlinks not followed. One walk for the
 * whole tree, so a file explorer shows every directory's size without adding anything up itself.
 *
 * @example
 * const sizes = directorySizes(fs);
 * sizes.get(fs.lookup('usr') as FsNode); // bytes under /usr
 */
export function directorySizes(fs: MergedFileSystem): Map<FsNode, number> {
  const sizes = new Map<FsNode, number>();
  const seen = new Set<number>();
  const visit = (dir: FsNode): number => {
    let total = 0;
    const names = [...(dir.children?.keys() ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const node = dir.children?.get(name) as FsNode;
      if (node.type === 'dir') total += visit(node);
      else if (node.type === 'file' && node.inode && !seen.has(node.inode.id)) {
        seen.add(node.inode.id);
        total += node.inode.size;
      }
    }
    sizes.set(dir, total);
    return total;
  };
  visit(fs.root);
  return sizes;
}

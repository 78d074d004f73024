import { posix } from 'node:path';
import type { EntrySpec } from './image-spec.js';
import type { TarEntry } from './tar-writer.js';

/** OCI image-spec layer.md: `.wh.` marks a deleted path, `.wh..wh..opq` an opaque directory. */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

/**
 * Turns the entries a test wrote into tar entries, in the same order, applying defaults and
 * spelling whiteouts out as their marker files.
 *
 * @example
 * toTarEntries([{ type: 'whiteout', path: 'etc/motd' }]); // [{ name: 'etc/.wh.motd', type: 'file', … }]
 */
export function toTarEntries(entries: readonly EntrySpec[]): TarEntry[] {
  return entries.map((entry) => {
    const common = { uid: entry.uid ?? 0, gid: entry.gid ?? 0, mtime: entry.mtime ?? 0 };
    switch (entry.type) {
      case 'file':
        return {
          ...common,
          name: entry.path,
          type: 'file',
          mode: entry.mode ?? 0o644,
          content: typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : entry.content,
          ...(entry.xattrs ? { xattrs: entry.xattrs } : {}),
        };
      case 'dir':
        return { ...common, name: entry.path, type: 'dir', mode: entry.mode ?? 0o755 };
      case 'symlink':
        return {
          ...common,
          name: entry.path,
          type: 'symlink',
          mode: entry.mode ?? 0o777,
          linkname: entry.target,
        };
      case 'hardlink':
        return {
          ...common,
          name: entry.path,
          type: 'hardlink',
          mode: entry.mode ?? 0o644,
          linkname: entry.target,
        };
      case 'device':
        return {
          ...common,
          name: entry.path,
          type: entry.device,
          mode: entry.mode ?? 0o666,
          devmajor: entry.major ?? 0,
          devminor: entry.minor ?? 0,
        };
      case 'whiteout': {
        const trimmed = entry.path.replace(/\/+$/, '');
        const dir = posix.dirname(trimmed);
        const name = `${WHITEOUT_PREFIX}${posix.basename(trimmed)}`;
        return {
          ...common,
          name: dir === '.' ? name : `${dir}/${name}`,
          type: 'file',
          mode: entry.mode ?? 0o644,
        };
      }
      case 'opaque': {
        const dir = entry.path.replace(/\/+$/, '');
        return { ...common, name: `${dir}/${OPAQUE_WHITEOUT}`, type: 'file', mode: entry.mode ?? 0o644 };
      }
    }
  });
}

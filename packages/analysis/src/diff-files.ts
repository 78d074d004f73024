import { joinPath } from './entry-path.js';
import type { FsNode, FsNodeType, MergedFileSystem } from './merged-fs.js';

/** What differs about one path present in both images. */
export type FileChangeKind =
  'type' | 'content' | 'mode' | 'owner' | 'linkTarget' | 'device' | 'xattrs' | 'mtime';

export interface FileDiffItem {
  /** Absolute: `/etc/os-release`. */
  readonly path: string;
  readonly type: FsNodeType;
  /** Content bytes (regular files; 0 otherwise). */
  readonly size: number;
  readonly layerIndex: number;
  /**
   * Regular files: the content looks binary (a NUL byte in its first 8000 bytes, git's test),
   * as seen by the layer's analysis. Absent when not known (other types, older cached layers).
   */
  readonly binary?: boolean;
}

export interface FileModification {
  readonly path: string;
  /** The right-hand type (the left one is `leftType` when it differs). */
  readonly type: FsNodeType;
  readonly leftType: FsNodeType;
  readonly leftSize: number;
  readonly rightSize: number;
  readonly changes: readonly FileChangeKind[];
  readonly left: FileState;
  readonly right: FileState;
  /**
   * Whether a text diff of the two contents would say "binary files differ": either side that
   * is a regular file looks binary ({@link FileDiffItem.binary}). Absent when a regular-file
   * side's content is not known, or neither side is a regular file.
   */
  readonly binary?: boolean;
}

export interface FileState {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly sha256?: string;
  readonly linkTarget?: string;
  readonly mtime: number;
}

export interface FileDiff {
  readonly added: FileDiffItem[];
  readonly removed: FileDiffItem[];
  readonly modified: FileModification[];
}

export interface FileDiffOptions {
  /** Also report paths whose only difference is their modification time. */
  readonly includeMetadata?: boolean;
}

/**
 * Compares two merged file systems path by path, every non-directory path included (regular
 * files, symlinks, devices…), sorted by path. A path is modified when its type, content hash,
 * permission bits, owner, symlink target, device numbers or extended attributes differ; the
 * mtime alone is not a change (rebuilds touch every timestamp) unless `includeMetadata`.
 * A path that is a directory on one side and something else on the other shows as the
 * non-directory removed or added, and the directory's contents as added or removed.
 *
 * @example
 * const { added, removed, modified } = diffFileSystems(left.fileSystem, right.fileSystem);
 */
export function diffFileSystems(
  left: MergedFileSystem,
  right: MergedFileSystem,
  options: FileDiffOptions = {},
): FileDiff {
  const out: FileDiff = { added: [], removed: [], modified: [] };
  compareDirs(left.root, right.root, '', out, options.includeMetadata === true);
  return out;
}

function compareDirs(
  left: FsNode | undefined,
  right: FsNode | undefined,
  prefix: string,
  out: FileDiff,
  includeMetadata: boolean,
): void {
  const names = new Set<string>([...(left?.children?.keys() ?? []), ...(right?.children?.keys() ?? [])]);
  for (const name of [...names].sort(byCodeUnit)) {
    const path = joinPath(prefix, name);
    const l = left?.children?.get(name);
    const r = right?.children?.get(name);
    const lDir = l?.type === 'dir';
    const rDir = r?.type === 'dir';
    if (l && r && !lDir && !rDir) {
      const modification = compareNodes(path, l, r, includeMetadata);
      if (modification) out.modified.push(modification);
      continue;
    }
    if (l && !lDir) out.removed.push(item(path, l));
    if (r && !rDir) out.added.push(item(path, r));
    if (lDir || rDir) compareDirs(lDir ? l : undefined, rDir ? r : undefined, path, out, includeMetadata);
  }
}

function item(path: string, node: FsNode): FileDiffItem {
  const out = { path: `/${path}`, type: node.type, size: node.inode?.size ?? 0, layerIndex: node.layerIndex };
  const binary = node.type === 'file' ? node.binary : undefined;
  return binary === undefined ? out : { ...out, binary };
}

/** {@link FileModification.binary}: either regular-file side binary, when all of them are known. */
function binaryOf(l: FsNode, r: FsNode): boolean | undefined {
  const sides = [l, r].filter((n) => n.type === 'file').map((n) => n.binary);
  if (sides.length === 0 || sides.includes(undefined)) return undefined;
  return sides.includes(true);
}

function state(node: FsNode): FileState {
  return {
    mode: node.mode & 0o7777,
    uid: node.uid,
    gid: node.gid,
    ...(node.inode ? { sha256: node.inode.sha256 } : {}),
    ...(node.linkTarget === undefined ? {} : { linkTarget: node.linkTarget }),
    mtime: node.mtime,
  };
}

function compareNodes(
  path: string,
  l: FsNode,
  r: FsNode,
  includeMetadata: boolean,
): FileModification | undefined {
  const changes: FileChangeKind[] = [];
  if (l.type !== r.type) changes.push('type');
  else {
    if (l.type === 'file' && (l.inode?.sha256 !== r.inode?.sha256 || l.inode?.size !== r.inode?.size)) {
      changes.push('content');
    }
    if (l.type === 'symlink' && l.linkTarget !== r.linkTarget) changes.push('linkTarget');
    if (
      (l.type === 'char' || l.type === 'block') &&
      (l.devMajor !== r.devMajor || l.devMinor !== r.devMinor)
    ) {
      changes.push('device');
    }
  }
  // A file replaced by a symlink changes its mode too (links are 0777); the type says it all.
  if (l.type === r.type && (l.mode & 0o7777) !== (r.mode & 0o7777)) changes.push('mode');
  if (l.uid !== r.uid || l.gid !== r.gid) changes.push('owner');
  if (!sameXattrs(l.xattrs, r.xattrs)) changes.push('xattrs');
  if (changes.length === 0 && includeMetadata && l.mtime !== r.mtime) changes.push('mtime');
  if (changes.length === 0) return undefined;
  const binary = binaryOf(l, r);
  return {
    path: `/${path}`,
    type: r.type,
    leftType: l.type,
    leftSize: l.inode?.size ?? 0,
    rightSize: r.inode?.size ?? 0,
    changes,
    left: state(l),
    right: state(r),
    ...(binary === undefined ? {} : { binary }),
  };
}

function sameXattrs(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a?.[k] === b?.[k]);
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

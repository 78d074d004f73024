import { baseName, joinPath, normaliseEntryPath, parentPath } from './entry-path.js';
import type { GoBuildInfo } from './go-build-info.js';
import type { LayerEntry, LayerResult } from './layer-result.js';

export type FsNodeType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';

/** File content shared by every hardlink to it; its bytes count once. */
export interface Inode {
  readonly id: number;
  readonly size: number;
  readonly sha256: string;
  /** The layer that wrote the content. */
  readonly layerIndex: number;
  /** Kept only for files a detector asked for. */
  readonly content?: Buffer;
  readonly truncated?: boolean;
  links: number;
}

/** The rarely set attributes, kept out of line so that a plain node stays small. */
interface NodeExtra {
  readonly xattrs?: Readonly<Record<string, string>>;
  readonly devMajor?: number;
  readonly devMinor?: number;
  readonly go?: GoBuildInfo;
}

const HARDLINK = 1;
const PRIVATE_KEY = 2;
const BINARY_KNOWN = 4;
const BINARY = 8;
const TRUNCATED = 16;

/**
 * One path of a merged file system. Every node has the same fixed shape (a class, not object
 * literals of varying keys): a merged tree of a large image holds hundreds of thousands of them.
 * A regular file's node is also its {@link Inode} (no second object per file); a hardlink's node
 * shares the inode of the node it links to. Read content fields through {@link inode}. Flags and
 * the rare attributes (extended attributes, device numbers, Go build info) are packed and
 * exposed through getters.
 */
export class FsNode implements Inode {
  /** Inode fields: meaningful through {@link inode} (regular files only). */
  readonly id: number;
  readonly size: number;
  readonly sha256: string;
  readonly content: Buffer | undefined;
  links = 1;
  /** Directories: the children; symlinks: the target; hardlinked files: the linked inode. */
  readonly #ref: Map<string, FsNode> | string | FsNode | undefined;
  readonly #flags: number;
  readonly #extra: NodeExtra | undefined;

  private constructor(
    readonly type: FsNodeType,
    readonly mode: number,
    readonly uid: number,
    readonly gid: number,
    readonly mtime: number,
    /** The layer that last wrote this path (for a regular file's inode: wrote the content). */
    readonly layerIndex: number,
    ref: Map<string, FsNode> | string | FsNode | undefined,
    flags: number,
    extra: NodeExtra | undefined,
    id = 0,
    size = 0,
    sha256 = '',
    content: Buffer | undefined = undefined,
  ) {
    this.id = id;
    this.size = size;
    this.sha256 = sha256;
    this.content = content;
    this.#ref = ref;
    this.#flags = flags;
    this.#extra = extra;
  }

  /** Regular files: the content, shared by every hardlink to it. */
  get inode(): Inode | undefined {
    if (this.type !== 'file') return undefined;
    return this.#ref instanceof FsNode ? this.#ref : this;
  }

  /** Directories only. */
  get children(): Map<string, FsNode> | undefined {
    return this.#ref instanceof Map ? this.#ref : undefined;
  }

  get linkTarget(): string | undefined {
    return typeof this.#ref === 'string' ? this.#ref : undefined;
  }

  /** Only the first `content` bytes were kept. */
  get truncated(): boolean {
    return (this.#flags & TRUNCATED) !== 0;
  }

  /** Created by a hardlink entry (regular files; `find -type f` still counts it). */
  get hardlink(): boolean {
    return (this.#flags & HARDLINK) !== 0;
  }

  /** The file starts like a PEM/OpenSSH private key. */
  get privateKey(): boolean {
    return (this.#flags & PRIVATE_KEY) !== 0;
  }

  /**
   * Regular files: the content has a NUL byte in its first 8000 bytes (git's heuristic);
   * undefined when the layer's analysis did not say.
   */
  get binary(): boolean | undefined {
    return this.#flags & BINARY_KNOWN ? (this.#flags & BINARY) !== 0 : undefined;
  }

  get xattrs(): Readonly<Record<string, string>> | undefined {
    return this.#extra?.xattrs;
  }

  get devMajor(): number | undefined {
    return this.#extra?.devMajor;
  }

  get devMinor(): number | undefined {
    return this.#extra?.devMinor;
  }

  get go(): GoBuildInfo | undefined {
    return this.#extra?.go;
  }

  static dir(mode: number, uid: number, gid: number, mtime: number, layerIndex: number): FsNode {
    return new FsNode('dir', mode, uid, gid, mtime, layerIndex, new Map(), 0, undefined);
  }

  /** A directory's node with new metadata and the same children. */
  static updatedDir(existing: FsNode, mode: number, uid: number, gid: number, mtime: number): FsNode {
    return new FsNode('dir', mode, uid, gid, mtime, existing.layerIndex, existing.#ref, 0, undefined);
  }

  /** A regular file (and its inode) that `entry` wrote in layer `layerIndex`. */
  static file(
    entry: LayerEntry,
    layerIndex: number,
    id: number,
    content: { data: Buffer; truncated: boolean } | undefined,
  ): FsNode {
    const flags =
      (entry.privateKey ? PRIVATE_KEY : 0) |
      (content?.truncated ? TRUNCATED : 0) |
      (entry.binary === undefined ? 0 : BINARY_KNOWN | (entry.binary ? BINARY : 0));
    const extra = entry.xattrs || entry.go ? { xattrs: entry.xattrs, go: entry.go } : undefined;
    return new FsNode(
      'file',
      entry.mode,
      entry.uid,
      entry.gid,
      entry.mtime,
      layerIndex,
      undefined,
      flags,
      extra,
      id,
      entry.size,
      entry.sha256 ?? '',
      content?.data,
    );
  }

  /** A symlink, device or fifo. */
  static special(entry: LayerEntry, type: FsNodeType, layerIndex: number): FsNode {
    const device = entry.devMajor !== undefined;
    const extra =
      entry.xattrs || device
        ? {
            xattrs: entry.xattrs,
            devMajor: entry.devMajor,
            devMinor: device ? (entry.devMinor ?? 0) : undefined,
          }
        : undefined;
    return new FsNode(
      type,
      entry.mode,
      entry.uid,
      entry.gid,
      entry.mtime,
      layerIndex,
      entry.linkTarget,
      0,
      extra,
    );
  }

  /**
   * What a hardlink to `target` written by `layerIndex` adds: the same node, sharing the inode
   * (and counting one more link to it).
   */
  static hardlinkTo(target: FsNode, layerIndex: number): FsNode {
    const inode = target.type === 'file' ? (target.#ref instanceof FsNode ? target.#ref : target) : undefined;
    if (inode) inode.links++;
    return new FsNode(
      target.type,
      target.mode,
      target.uid,
      target.gid,
      target.mtime,
      layerIndex,
      inode ?? target.#ref,
      target.#flags | (inode ? HARDLINK : 0),
      target.#extra,
      target.id,
      target.size,
      target.sha256,
      target.content,
    );
  }
}

/** What one layer did to the file system below it (non-directory paths only). */
export interface LayerChanges {
  added: number;
  modified: number;
  deleted: number;
  bytesAdded: number;
  bytesModified: number;
  bytesDeleted: number;
  /** The layer's largest regular files, biggest first. */
  largestFiles: { path: string; size: number }[];
}

/** A dead copy: bytes a lower layer still ships although a later layer replaced or deleted them. */
export interface WastedItem {
  readonly path: string;
  readonly bytes: number;
  readonly layerIndex: number;
  readonly reason: string;
}

function sortedChildren(dir: FsNode): [string, FsNode][] {
  return [...(dir.children ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Symlinks followed while resolving one path, as Linux's MAXSYMLINKS. */
export const MAX_SYMLINK_HOPS = 40;
const LARGEST_FILES = 10;

/**
 * The file system an image's layers produce when applied in order, per the OCI image-spec
 * (layer.md "Applying Changesets", "Whiteouts"):
 * - `.wh.name` removes `name` from the *lower* layers only, and an opaque directory
 *   (`.wh..wh..opq`) empties the directory of lower-layer content before any of the same
 *   layer's entries apply, whatever their order in the tar;
 * - a non-directory replacing a directory removes the whole subtree;
 * - hardlinks resolve to their target's inode (chains too), so content bytes count once;
 * - symlinks stay links; lookups follow them at most {@link MAX_SYMLINK_HOPS} times and `..`
 *   at the root stays at the root, so no resolution ever leaves the image.
 * A directory entry over a symlink replaces the symlink; a file under a symlinked parent lands
 * in the symlink's target, as extraction with GNU tar or containerd does.
 *
 * @example
 * const fs = mergeLayers([base, app]);
 * fs.readFile('etc/os-release')?.toString();
 */
export class MergedFileSystem {
  readonly root: FsNode = dirNode(0o755, 0, 0, 0, -1);
  readonly changes: LayerChanges[] = [];
  readonly wasted: WastedItem[] = [];
  #nextInode = 1;
  #layerIndex = 0;
  /** Per path this layer touched: the size the lower layers had there, or null for nothing. */
  #before = new Map<string, number | null>();
  #largest: { path: string; size: number }[] = [];
  /**
   * Directories #ensureDir resolved in this layer, by entry path: a tar lists a directory's
   * entries together, so most lookups repeat the previous one. Cleared whenever anything is
   * removed or a directory node replaced, the only ways a resolved directory can go stale.
   */
  #dirs = new Map<string, { path: string; node: FsNode }>();
  /** Names seen in this layer: one string per distinct name (`index.js` in a thousand directories). */
  #names = new Map<string, string>();

  /** Applies one layer's entries on top. Layers that were not analysed get `undefined`. */
  applyLayer(layer: Pick<LayerResult, 'entries' | 'files'> | undefined): void {
    this.#layerIndex = this.changes.length;
    this.#before = new Map();
    this.#largest = [];
    this.#dirs.clear();
    if (layer) {
      const content = new Map<number, { data: Buffer; truncated: boolean }>();
      for (const file of layer.files) {
        content.set(file.entryIndex, {
          data: Buffer.from(file.content, 'base64'),
          truncated: file.truncated === true,
        });
      }
      // Whiteouts and opaque markers describe the lower layers: apply them before anything else.
      for (const entry of layer.entries) {
        if (entry.type === 'opaque') this.#applyOpaque(entry.path);
      }
      for (const entry of layer.entries) {
        if (entry.type === 'whiteout') this.#applyWhiteout(entry.path);
      }
      layer.entries.forEach((entry, index) => {
        if (entry.type !== 'opaque' && entry.type !== 'whiteout') this.#applyEntry(entry, content.get(index));
      });
    }
    this.changes.push(this.#summarise());
    // Only needed while a layer is applied: a finished tree keeps none of it.
    this.#before = new Map();
    this.#largest = [];
    this.#dirs.clear();
    this.#names.clear();
  }

  #intern(name: string): string {
    const known = this.#names.get(name);
    if (known !== undefined) return known;
    this.#names.set(name, name);
    return name;
  }

  /**
   * The node at `path`. Symlinks in parent components are always followed; the last component
   * only with `follow`. Undefined when the path does not exist, a loop is detected, or more
   * than {@link MAX_SYMLINK_HOPS} links are involved.
   */
  lookup(path: string, options: { follow?: boolean } = {}): FsNode | undefined {
    return this.resolve(path, options)?.node;
  }

  /** Like {@link lookup}, with the real (symlink-free) path of the node. */
  resolve(path: string, options: { follow?: boolean } = {}): { path: string; node: FsNode } | undefined {
    const queue = path.split('/').filter((p) => p !== '' && p !== '.');
    const stack: FsNode[] = [this.root];
    const names: string[] = [];
    let hops = 0;
    while (queue.length > 0) {
      const part = queue.shift() as string;
      const current = stack[stack.length - 1] as FsNode;
      if (part === '..') {
        if (stack.length > 1) {
          stack.pop();
          names.pop();
        }
        continue;
      }
      const child = current.children?.get(part);
      if (!child) return undefined;
      const last = queue.length === 0;
      if (child.type === 'symlink' && (!last || options.follow)) {
        if (++hops > MAX_SYMLINK_HOPS) return undefined;
        const target = child.linkTarget ?? '';
        if (target.startsWith('/')) {
          stack.length = 1;
          names.length = 0;
        }
        queue.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
        continue;
      }
      if (!last && child.type !== 'dir') return undefined;
      stack.push(child);
      names.push(part);
    }
    return { path: names.join('/'), node: stack[stack.length - 1] as FsNode };
  }

  /** Content of a regular file that a detector kept, following symlinks. */
  readFile(path: string): Buffer | undefined {
    const node = this.lookup(path, { follow: true });
    return node?.type === 'file' ? node.inode?.content : undefined;
  }

  /** One directory level: names and nodes, sorted by name. */
  list(path: string): [string, FsNode][] {
    const node = path === '' ? this.root : this.lookup(path, { follow: true });
    if (!node?.children) return [];
    return [...node.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Every path below the root, depth first, parents before children, names sorted. */
  *walk(dir: FsNode = this.root, prefix = ''): Generator<[string, FsNode]> {
    // One generator with its own stack: a `yield*` per directory level made every path pass
    // through as many generators as it is deep (a fifth of composing the Debian profile).
    const stack: { readonly children: [string, FsNode][]; next: number; readonly prefix: string }[] = [
      { children: sortedChildren(dir), next: 0, prefix },
    ];
    while (stack.length > 0) {
      const level = stack[stack.length - 1] as (typeof stack)[number];
      const child = level.children[level.next++];
      if (!child) {
        stack.pop();
        continue;
      }
      const [name, node] = child;
      const path = joinPath(level.prefix, name);
      yield [path, node];
      if (node.children) stack.push({ children: sortedChildren(node), next: 0, prefix: path });
    }
  }

  #applyOpaque(path: string): void {
    const found = this.resolve(path, { follow: true });
    if (!found?.node.children) return;
    for (const [name, child] of [...found.node.children]) {
      this.#remove(found.node, name, child, joinPath(found.path, name), 'deleted (opaque directory)');
    }
  }

  #applyWhiteout(path: string): void {
    const parent = this.resolve(parentPath(path), { follow: true });
    const name = baseName(path);
    const node = parent?.node.children?.get(name);
    if (!parent || !node) return;
    this.#remove(parent.node, name, node, joinPath(parent.path, name), 'deleted');
  }

  #applyEntry(entry: LayerEntry, content: { data: Buffer; truncated: boolean } | undefined): void {
    if (entry.type === 'opaque' || entry.type === 'whiteout') return;
    const parentName = parentPath(entry.path);
    const parent = this.#ensureDir(parentName);
    const name = this.#intern(baseName(entry.path));
    // The entry's own path unless a symlinked parent moved it (no new string per entry).
    const path = parent.path === parentName ? entry.path : joinPath(parent.path, name);
    const dir = parent.node;
    const children = dir.children as Map<string, FsNode>;
    const existing = children.get(name);
    const layerIndex = this.#layerIndex;

    if (entry.type === 'dir') {
      if (existing?.type === 'dir') {
        // A directory entry over a directory updates its metadata and keeps its content.
        this.#dirs.clear();
        children.set(name, FsNode.updatedDir(existing, entry.mode, entry.uid, entry.gid, entry.mtime));
        return;
      }
      if (existing) this.#remove(dir, name, existing, path, 'overwritten');
      children.set(name, dirNode(entry.mode, entry.uid, entry.gid, entry.mtime, layerIndex));
      return;
    }

    let node: FsNode;
    if (entry.type === 'hardlink') {
      const targetPath = normaliseEntryPath(entry.linkTarget ?? '');
      const target = this.lookup(targetPath);
      if (!target || target.type === 'dir' || targetPath === path) {
        // A dangling hardlink (or one to itself or a directory) cannot be extracted; a
        // tar extraction fails on it and so it adds nothing to the file system.
        return;
      }
      // A hardlink shares its target's inode: same content, mode and owner (chains resolve
      // because the target node already holds the inode of the first link).
      node = FsNode.hardlinkTo(target, layerIndex);
    } else if (entry.type === 'file') {
      node = FsNode.file(entry, layerIndex, this.#nextInode++, content);
    } else {
      // What is left: symlinks, devices and fifos.
      node = FsNode.special(entry, entry.type, layerIndex);
    }
    if (existing) this.#remove(dir, name, existing, path, 'overwritten');
    else this.#remember(path, undefined);
    children.set(name, node);
    if (node.type === 'file' && node.inode && !node.hardlink) this.#noteLargest(path, node.inode.size);
  }

  /** The directory at `path`, created (like `mkdir -p`) where missing; symlinked parents are followed. */
  #ensureDir(path: string): { path: string; node: FsNode } {
    const known = this.#dirs.get(path);
    if (known) return known;
    const found = this.#ensureDirUncached(path);
    this.#dirs.set(path, found);
    return found;
  }

  #ensureDirUncached(path: string): { path: string; node: FsNode } {
    let node = this.root;
    let real = '';
    if (path === '') return { path: real, node };
    for (const part of path.split('/')) {
      const children = node.children as Map<string, FsNode>;
      let child = children.get(part);
      if (child?.type === 'symlink') {
        const target = this.resolve(joinPath(real, part), { follow: true });
        if (target?.node.type === 'dir') {
          node = target.node;
          real = target.path;
          continue;
        }
      }
      if (!child || child.type !== 'dir') {
        if (child) this.#remove(node, part, child, joinPath(real, part), 'overwritten');
        child = dirNode(0o755, 0, 0, 0, this.#layerIndex);
        children.set(part, child);
      }
      node = child;
      real = joinPath(real, part);
    }
    return { path: real, node };
  }

  /** Removes `name` from `dir`, recording what lower layers lose (changes and dead copies). */
  #remove(dir: FsNode, name: string, node: FsNode, path: string, reason: string): void {
    this.#dirs.clear();
    dir.children?.delete(name);
    if (node.children) {
      for (const [childName, child] of [...node.children]) {
        this.#remove(node, childName, child, joinPath(path, childName), reason);
      }
      // Directories are not counted themselves, but whatever replaces one is new.
      this.#remember(path, undefined);
      return;
    }
    this.#remember(path, node);
    if (node.inode) {
      node.inode.links--;
      if (node.inode.links === 0 && node.inode.layerIndex < this.#layerIndex && node.inode.size > 0) {
        this.wasted.push({
          path,
          bytes: node.inode.size,
          layerIndex: node.inode.layerIndex,
          reason: `${reason} in layer ${this.#layerIndex}`,
        });
      }
    }
  }

  /** The first time this layer touches `path`, what the lower layers had there. */
  #remember(path: string, node: FsNode | undefined): void {
    if (this.#before.has(path)) return;
    this.#before.set(path, node ? (node.inode?.size ?? 0) : null);
  }

  #noteLargest(path: string, size: number): void {
    this.#largest.push({ path, size });
    if (this.#largest.length > LARGEST_FILES * 4) this.#trimLargest();
  }

  #trimLargest(): void {
    this.#largest.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
    this.#largest.length = Math.min(this.#largest.length, LARGEST_FILES);
  }

  #summarise(): LayerChanges {
    const changes: LayerChanges = {
      added: 0,
      modified: 0,
      deleted: 0,
      bytesAdded: 0,
      bytesModified: 0,
      bytesDeleted: 0,
      largestFiles: [],
    };
    for (const [path, before] of this.#before) {
      const now = this.#lookupTouched(path);
      const present = now !== undefined && now.type !== 'dir';
      const size = now?.inode?.size ?? 0;
      if (before !== null && present) {
        changes.modified++;
        changes.bytesModified += size;
      } else if (before !== null) {
        changes.deleted++;
        changes.bytesDeleted += before;
      } else if (present) {
        changes.added++;
        changes.bytesAdded += size;
      }
    }
    this.#trimLargest();
    // Files written and then removed again by the same layer are not part of its result.
    changes.largestFiles = this.#largest.filter((f) => this.#lookupReal(f.path)?.type === 'file');
    return changes;
  }

  /**
   * {@link #lookupReal} for a path this layer touched, through the directories the layer
   * resolved ({@link #dirs}, still valid: it is cleared whenever one could go stale), so that
   * most paths cost one lookup in their parent instead of a walk from the root.
   */
  #lookupTouched(path: string): FsNode | undefined {
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    const dir = this.#dirs.get(parent);
    if (dir && dir.path === parent) return dir.node.children?.get(path.slice(slash + 1));
    return this.#lookupReal(path);
  }

  /**
   * {@link lookup} for a path already free of symlinks and `..` (as recorded by this class):
   * a plain walk down the tree, falling back to {@link lookup} if it meets a symlink after all.
   */
  #lookupReal(path: string): FsNode | undefined {
    let node: FsNode | undefined = this.root;
    let start = 0;
    while (node && start <= path.length) {
      const slash = path.indexOf('/', start);
      const end = slash < 0 ? path.length : slash;
      if (end > start) {
        node = node.children?.get(path.slice(start, end));
        if (node?.type === 'symlink' && slash >= 0) return this.lookup(path);
      }
      start = end + 1;
    }
    return node;
  }
}

/** Applies `layers` in order; `undefined` marks a layer that was not analysed. */
export function mergeLayers(
  layers: readonly (Pick<LayerResult, 'entries' | 'files'> | undefined)[],
): MergedFileSystem {
  const fs = new MergedFileSystem();
  for (const layer of layers) fs.applyLayer(layer);
  return fs;
}

function dirNode(mode: number, uid: number, gid: number, mtime: number, layerIndex: number): FsNode {
  return FsNode.dir(mode, uid, gid, mtime, layerIndex);
}

import { describeBytes, finding, savingsSeverity, type AdviceInput } from './advice.js';
import type { ProfileAdvice } from './container-profile.js';

/**
 * Package-manager caches and indexes, by the directory that roots them. Home caches match under
 * any home (`/root`, `/home/app`, `/usr/local/share` for yarn as root in the Node images).
 * Each lies under `var/` or in a directory whose name starts with a dot ({@link packageCacheRoot}
 * relies on that).
 */
const CACHE_ROOTS: readonly { readonly pattern: RegExp; readonly needle: string }[] = [
  { pattern: /^(var\/cache\/apt)\//, needle: 'var/cache/apt/' },
  { pattern: /^(var\/lib\/apt\/lists)\//, needle: 'var/lib/apt/lists/' },
  { pattern: /^(var\/cache\/apk)\//, needle: 'var/cache/apk/' },
  { pattern: /^((?:.*\/)?\.cache\/pip)\//, needle: '.cache/pip/' },
  { pattern: /^((?:.*\/)?\.npm)\//, needle: '.npm/' },
  { pattern: /^((?:.*\/)?\.cache\/yarn)\//, needle: '.cache/yarn/' },
  { pattern: /^((?:.*\/)?\.yarn\/berry\/cache)\//, needle: '.yarn/berry/cache/' },
];

const DOT = 0x2e;

/** The cache directory `path` (relative) lies in, if any. */
export function packageCacheRoot(path: string): string | undefined {
  // Every root is under `var/` or a name starting with a dot: one test rejects most paths.
  if (!path.startsWith('var/') && path.charCodeAt(0) !== DOT && !path.includes('/.')) return undefined;
  for (const { pattern, needle } of CACHE_ROOTS) {
    // A pattern can only match a path that holds its needle: most paths skip every regex.
    if (!path.includes(needle)) continue;
    const match = pattern.exec(path);
    if (match) return match[1];
  }
  return undefined;
}

const imageBytes = (input: AdviceInput): number => input.profile.overview.sizeUncompressed;

/** Files a later layer overwrote or deleted: their bytes still ship in the lower layer. */
export function deadBytesRule(input: AdviceInput): ProfileAdvice[] {
  const wasted = input.fileSystem.wasted;
  const bytes = wasted.reduce((sum, w) => sum + w.bytes, 0);
  if (bytes === 0) return [];
  const paths = [...wasted]
    .sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1))
    .map((w) => `/${w.path}`);
  return [
    finding(
      {
        id: 'dead-bytes',
        title: 'Files overwritten or deleted in later layers',
        detail: `${wasted.length} file(s) written by one layer and replaced or deleted by a later one still ship ${describeBytes(bytes)} in the lower layers; create and remove them in the same RUN step, or build in a separate stage.`,
        estimatedSavingsBytes: bytes,
        severity: savingsSeverity(bytes, imageBytes(input)),
      },
      paths,
    ),
  ];
}

/** apt/apk indexes and caches, pip/npm/yarn caches left in the final file system. */
export function packageCachesRule(input: AdviceInput): ProfileAdvice[] {
  const byRoot = new Map<string, number>();
  const seen = new Set<number>();
  let bytes = 0;
  for (const [path, node] of input.files) {
    if (node.type !== 'file' || !node.inode) continue;
    const root = packageCacheRoot(path);
    if (root === undefined || seen.has(node.inode.id)) continue;
    seen.add(node.inode.id);
    byRoot.set(root, (byRoot.get(root) ?? 0) + node.inode.size);
    bytes += node.inode.size;
  }
  if (bytes === 0) return [];
  const roots = [...byRoot].filter(([, b]) => b > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return [
    finding(
      {
        id: 'package-caches',
        title: 'Package manager caches and lists left in the image',
        detail: `${roots.map(([root]) => `/${root}`).join(', ')} hold ${describeBytes(bytes)} that only the package manager needed while building; remove them in the same RUN step that fills them.`,
        estimatedSavingsBytes: bytes,
        severity: savingsSeverity(bytes, imageBytes(input)),
        suggestion:
          'RUN apt-get update && apt-get install -y --no-install-recommends PACKAGES && rm -rf /var/lib/apt/lists/*\n' +
          'RUN pip install --no-cache-dir -r requirements.txt\nRUN npm ci && npm cache clean --force',
      },
      roots.map(([root]) => `/${root}`),
    ),
  ];
}

/** Caches deleted by a later RUN: the cleanup came one step too late to save anything. */
export function cleanupSameRunRule(input: AdviceInput): ProfileAdvice[] {
  const late = input.fileSystem.wasted.filter(
    (w) => packageCacheRoot(w.path) !== undefined && w.reason.startsWith('deleted'),
  );
  const bytes = late.reduce((sum, w) => sum + w.bytes, 0);
  if (bytes === 0) return [];
  const layers = [...new Set(late.map((w) => w.layerIndex))].sort((a, b) => a - b);
  return [
    finding(
      {
        id: 'dockerfile-cleanup-same-run',
        title: 'Clean up in the same RUN step',
        detail: `Package caches written by layer(s) ${layers.join(', ')} are deleted only by a later step, so their ${describeBytes(bytes)} still ship; delete them in the RUN step that creates them.`,
        estimatedSavingsBytes: bytes,
        severity: savingsSeverity(bytes, imageBytes(input)),
        suggestion:
          'RUN apt-get update && apt-get install -y --no-install-recommends PACKAGES \\\n && rm -rf /var/lib/apt/lists/*',
      },
      late.sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1)).map((w) => `/${w.path}`),
    ),
  ];
}

interface DuplicateGroup {
  readonly size: number;
  readonly firstId: number;
  readonly first: { readonly path: string; readonly layer: number };
  /** The other inodes with this content, by id. */
  more?: Map<number, { readonly path: string; readonly layer: number }>;
}

/**
 * Whether more than one layer writes regular files (a hardlink shares its target's inode, so
 * only file entries make content). Without that no copy can be "by different layers", and
 * grouping every file by content (a third of the advice's time on a single-layer base image)
 * is skipped.
 */
function severalLayersWriteFiles(layers: AdviceInput['layers']): boolean {
  let writers = 0;
  for (const layer of layers) {
    if (layer.result?.entries.some((e) => e.type === 'file' && e.size > 0) && ++writers > 1) return true;
  }
  return false;
}

/** The same content stored as separate files written by different layers. */
export function duplicateFilesRule(input: AdviceInput): ProfileAdvice[] {
  if (!severalLayersWriteFiles(input.layers)) return [];
  // Most contents are stored once: the first copy's inode is all a group holds until a second
  // inode with the same content turns up (then every copy, by inode id).
  const groups = new Map<string, DuplicateGroup>();
  for (const [path, node] of input.files) {
    const inode = node.type === 'file' ? node.inode : undefined;
    if (!inode || inode.size === 0) continue;
    const group = groups.get(inode.sha256);
    if (!group) {
      groups.set(inode.sha256, {
        size: inode.size,
        firstId: inode.id,
        first: { path, layer: inode.layerIndex },
      });
      continue;
    }
    // Hardlinks share the inode: one copy.
    if (inode.id === group.firstId) continue;
    group.more ??= new Map();
    if (!group.more.has(inode.id)) group.more.set(inode.id, { path, layer: inode.layerIndex });
  }
  const dupes = [...groups.values()]
    .filter((g) => g.more && [...g.more.values()].some((c) => c.layer !== g.first.layer))
    .map((g) => {
      const copies = [g.first, ...(g.more?.values() ?? [])];
      return { saving: g.size * (copies.length - 1), paths: copies.map((c) => `/${c.path}`).sort() };
    })
    .sort((a, b) => b.saving - a.saving || ((a.paths[0] ?? '') < (b.paths[0] ?? '') ? -1 : 1));
  const bytes = dupes.reduce((sum, d) => sum + d.saving, 0);
  if (bytes === 0) return [];
  return [
    finding(
      {
        id: 'duplicate-files',
        title: 'Identical files stored by different layers',
        detail: `${dupes.length} file content(s) are stored more than once by different layers, ${describeBytes(bytes)} in extra copies; copy each once, or hardlink or symlink the copies.`,
        estimatedSavingsBytes: bytes,
        severity: savingsSeverity(bytes, imageBytes(input)),
      },
      dupes.flatMap((d) => d.paths),
    ),
  ];
}

/** Files above the threshold: worth a look, though nothing says they are not needed. */
export function largeFilesRule(input: AdviceInput): ProfileAdvice[] {
  const threshold = input.thresholds.largeFileBytes;
  const seen = new Set<number>();
  const large: { path: string; size: number }[] = [];
  for (const [path, node] of input.files) {
    const inode = node.type === 'file' ? node.inode : undefined;
    if (!inode || inode.size < threshold || seen.has(inode.id)) continue;
    seen.add(inode.id);
    large.push({ path: `/${path}`, size: inode.size });
  }
  if (large.length === 0) return [];
  large.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
  const total = large.reduce((sum, f) => sum + f.size, 0);
  return [
    finding(
      {
        id: 'large-files',
        title: 'Large files',
        detail: `${large.length} file(s) of at least ${describeBytes(threshold)} take ${describeBytes(total)}, the largest ${large[0]?.path ?? ''}; check that the image needs them at run time.`,
        estimatedSavingsBytes: 0,
        severity: 'info',
      },
      large.map((f) => f.path),
    ),
  ];
}

/** Many small layers: each one is a separate download, unpack and overlay mount. */
export function smallLayersRule(input: AdviceInput): ProfileAdvice[] {
  const { smallLayerBytes, minSmallLayers } = input.thresholds;
  const small = input.layers
    .map((l, index) => ({ index, result: l.result }))
    .filter((l) => l.result && l.result.entries.length > 0 && l.result.sizeUncompressed < smallLayerBytes);
  if (small.length < minSmallLayers) return [];
  return [
    finding({
      id: 'small-layers',
      title: 'Many small layers',
      detail: `${small.length} of ${input.layers.length} layers (${small.map((l) => l.index).join(', ')}) are smaller than ${describeBytes(smallLayerBytes)} each; merging adjacent RUN, COPY and ADD steps means fewer layers to fetch, unpack and mount.`,
      estimatedSavingsBytes: 0,
      severity: 'low',
    }),
  ];
}

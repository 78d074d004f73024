import type { Platform } from '@berth/oci';
import type { ProfileLayer } from './container-profile.js';
import { diffConfigs, type ConfigChange } from './diff-config.js';
import { diffFileSystems, type FileDiff } from './diff-files.js';
import { diffPackages, type PackageDiff } from './diff-packages.js';
import type { ImageAnalysis } from './profile-image.js';

export interface DiffSide {
  readonly manifestDigest: string;
  readonly indexDigest?: string;
  readonly platform: Platform;
  readonly sizeCompressed: number;
  readonly sizeUncompressed: number;
  readonly layerCount: number;
  readonly os: string | null;
}

export interface DiffSummary {
  /** Right minus left, uncompressed layer bytes (what the image takes once pulled). */
  readonly sizeDelta: number;
  /** Right minus left, compressed layer bytes (what a pull downloads). */
  readonly sizeDeltaCompressed: number;
  readonly filesAdded: number;
  readonly filesRemoved: number;
  readonly filesModified: number;
  readonly packagesAdded: number;
  readonly packagesRemoved: number;
  readonly packagesChanged: number;
  /** Length of the common prefix of layers (same digest at the same position). */
  readonly sharedLayers: number;
  readonly configChanged: number;
}

export interface LayerDiffSide {
  readonly digest: string;
  readonly diffId: string;
  readonly sizeCompressed: number;
  readonly sizeUncompressed: number | null;
  readonly createdBy: string | null;
}

/**
 * One position of the two layer stacks. `shared`: same blob, and every layer below is shared
 * too. `same-content`: same diff ID (uncompressed tar) under another blob (recompressed).
 * `changed`: both sides have a different layer here. `added`/`removed`: only one side has one.
 */
export interface LayerDiff {
  readonly index: number;
  readonly status: 'shared' | 'same-content' | 'changed' | 'added' | 'removed';
  readonly left: LayerDiffSide | null;
  readonly right: LayerDiffSide | null;
  /** The step that built it changed (history `created_by`). */
  readonly createdByChanged: boolean;
}

/** The `diff` document of the HTTP API (../shared/API.md): stable names, add fields freely. */
export interface ImageDiff {
  readonly left: DiffSide;
  readonly right: DiffSide;
  readonly summary: DiffSummary;
  readonly config: ConfigChange[];
  readonly layers: LayerDiff[];
  readonly files: FileDiff;
  readonly packages: PackageDiff;
  readonly dockerfile: { readonly left: string; readonly right: string };
  readonly includeMetadata: boolean;
}

export interface DiffImagesOptions {
  /** Also report files whose only change is their mtime (a rebuild touches every timestamp). */
  readonly includeMetadata?: boolean;
}

/**
 * Compares two analysed images (any two: tags of one repository, different registries, two
 * platforms of one index, unrelated operating systems): size, runtime config field by field,
 * layers, files by content hash, mode, owner and link target (not mtime), packages with their
 * version direction, and both reconstructed Dockerfiles. Pure: everything comes from the two
 * analyses, which share cached layer results, so a diff of two versions with a common base
 * analyses only the layers that differ. The lists are complete and sorted; page them with
 * {@link pageDiffList}. Diffing an image with itself yields no changes.
 *
 * @example
 * const cache = memoryLayerCache();
 * const left = await analyzeImage(source, '1.0', { cache });
 * const right = await analyzeImage(source, '1.1', { cache });
 * const diff = diffImages(left, right);
 * console.log(diff.summary.filesModified, diff.packages.changed);
 */
export function diffImages(
  left: ImageAnalysis,
  right: ImageAnalysis,
  options: DiffImagesOptions = {},
): ImageDiff {
  const includeMetadata = options.includeMetadata === true;
  const files = diffFileSystems(left.fileSystem, right.fileSystem, { includeMetadata });
  const packages = diffPackages(left.profile.packages, right.profile.packages);
  const config = diffConfigs(left.profile.config, right.profile.config);
  const layers = diffLayers(left.profile.layers, right.profile.layers);
  const shared = layers.findIndex((l) => l.status !== 'shared');
  const l = side(left);
  const r = side(right);
  return {
    left: l,
    right: r,
    summary: {
      sizeDelta: r.sizeUncompressed - l.sizeUncompressed,
      sizeDeltaCompressed: r.sizeCompressed - l.sizeCompressed,
      filesAdded: files.added.length,
      filesRemoved: files.removed.length,
      filesModified: files.modified.length,
      packagesAdded: packages.added.length,
      packagesRemoved: packages.removed.length,
      packagesChanged: packages.changed.length,
      sharedLayers: shared < 0 ? layers.length : shared,
      configChanged: config.length,
    },
    config,
    layers,
    files,
    packages,
    dockerfile: { left: left.profile.dockerfile, right: right.profile.dockerfile },
    includeMetadata,
  };
}

function side(analysis: ImageAnalysis): DiffSide {
  const { image, overview } = analysis.profile;
  return {
    manifestDigest: image.manifestDigest,
    ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
    platform: image.platform,
    sizeCompressed: overview.sizeCompressed,
    sizeUncompressed: overview.sizeUncompressed,
    layerCount: overview.layerCount,
    os: overview.os.prettyName ?? overview.os.id,
  };
}

/** Position by position; `shared` only within the common prefix (a layer's meaning depends on those below). */
export function diffLayers(left: readonly ProfileLayer[], right: readonly ProfileLayer[]): LayerDiff[] {
  const out: LayerDiff[] = [];
  let prefix = true;
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const l = left[index];
    const r = right[index];
    let status: LayerDiff['status'];
    if (!l) status = 'added';
    else if (!r) status = 'removed';
    else if (prefix && l.digest === r.digest) status = 'shared';
    else if (l.diffId === r.diffId) status = 'same-content';
    else status = 'changed';
    if (status !== 'shared') prefix = false;
    out.push({
      index,
      status,
      left: l ? layerSide(l) : null,
      right: r ? layerSide(r) : null,
      createdByChanged: (l?.createdBy ?? null) !== (r?.createdBy ?? null),
    });
  }
  return out;
}

function layerSide(layer: ProfileLayer): LayerDiffSide {
  return {
    digest: layer.digest,
    diffId: layer.diffId,
    sizeCompressed: layer.sizeCompressed,
    sizeUncompressed: layer.sizeUncompressed,
    createdBy: layer.createdBy,
  };
}

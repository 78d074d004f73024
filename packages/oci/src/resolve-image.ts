import { OciError } from './errors.js';
import { parseImageConfig, type ImageConfig } from './image-config.js';
import type { ImageSource } from './image-source.js';
import { imageEntries, type Descriptor, type ImageIndex, type ImageManifest } from './manifest.js';
import { formatPlatform, platformMatches, type Platform } from './platform.js';

/** One runnable image, resolved from a tag or digest through any index to its config. */
export interface ResolvedImage {
  readonly source: string;
  /** Set when the reference named an index (multi-arch image). */
  readonly indexDigest?: string;
  readonly index?: ImageIndex;
  /** Platforms the index offers, attestations excluded (just the image's own for a single manifest). */
  readonly platforms: readonly Platform[];
  readonly manifestDigest: string;
  readonly manifestMediaType: string;
  readonly manifestRaw: Buffer;
  readonly manifest: ImageManifest;
  /** The chosen platform, always reported. */
  readonly platform: Platform;
  readonly configRaw: Buffer;
  readonly config: ImageConfig;
}

export interface ResolveImageOptions {
  /** Wanted platform; default linux/amd64, else the index's first image. */
  readonly platform?: Platform;
  readonly signal?: AbortSignal;
  /**
   * Called with the image manifest as soon as it is known, before its config is fetched (a
   * caller can start fetching layers meanwhile).
   */
  readonly onManifest?: (manifest: ImageManifest) => void;
}

const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** Picks the entry of an index matching `wanted`; `platform_not_found` names what exists. */
export function selectPlatform(index: ImageIndex, wanted: Platform | undefined): Descriptor {
  const entries = imageEntries(index);
  if (entries.length === 0)
    throw new OciError('platform_not_found', 'the image index lists no runnable image');
  const target = wanted ?? DEFAULT_PLATFORM;
  const match = entries.find((d) => d.platform && platformMatches(target, d.platform));
  if (match) return match;
  if (!wanted) return entries[0] as Descriptor;
  const available = entries.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown')).join(', ');
  throw new OciError(
    'platform_not_found',
    `the image has no ${formatPlatform(wanted)} variant (available: ${available})`,
  );
}

/**
 * Resolves `reference` (tag or digest) on a source to one image manifest and its config,
 * following an index (nested at most twice) by platform.
 */
export async function resolveImage(
  source: ImageSource,
  reference: string,
  options: ResolveImageOptions = {},
): Promise<ResolvedImage> {
  const { signal } = options;
  let fetched = await source.getManifest(reference, signal);
  let indexDigest: string | undefined;
  let index: ImageIndex | undefined;
  let platforms: Platform[] = [];
  for (let depth = 0; fetched.manifest.kind === 'index'; depth++) {
    if (depth >= 2)
      throw new OciError('unsupported_manifest', 'image indexes nested more than twice are not supported');
    if (!index) {
      index = fetched.manifest;
      indexDigest = fetched.digest;
      platforms = imageEntries(index).flatMap((d) => (d.platform ? [d.platform] : []));
    }
    const chosen = selectPlatform(fetched.manifest, options.platform);
    fetched = await source.getManifest(chosen.digest, signal);
  }
  const manifest = fetched.manifest;
  options.onManifest?.(manifest);
  const configRaw = await source.readBlob(manifest.config, signal);
  const config = parseImageConfig(configRaw);
  const platform: Platform = {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  };
  return {
    source: source.name,
    ...(indexDigest ? { indexDigest } : {}),
    ...(index ? { index } : {}),
    platforms: index ? platforms : [platform],
    manifestDigest: fetched.digest,
    manifestMediaType: fetched.mediaType,
    manifestRaw: fetched.raw,
    manifest,
    platform,
    configRaw,
    config,
  };
}

import {
  isNondistributableLayer,
  resolveImage,
  type Descriptor,
  type ImageManifest,
  type ImageSource,
  type Platform,
  type ResolvedImage,
} from '@berth/oci';
import { AnalysisError, isAnalysisError } from './analysis-error.js';
import { BlobPrefetch } from './blob-prefetch.js';
import { resolveLimits, type AnalysisLimits } from './analysis-limits.js';
import { analyzeLayer, detectorIds, type AnalyzeLayerOptions } from './analyze-layer.js';
import { composeProfile, type ComposeLayer } from './compose-profile.js';
import type { ContainerProfile, ProfileProgress } from './container-profile.js';
import { DEFAULT_DETECTORS, type Detector } from './detectors.js';
import type { LayerCache } from './layer-cache.js';
import type { ProfileCache } from './profile-cache.js';
import { ANALYZER_VERSION, type LayerResult } from './layer-result.js';
import type { MergedFileSystem } from './merged-fs.js';
import { prewarmLayerWorkers } from './layer-worker-pool.js';
import { SingleFlight } from './single-flight.js';

export interface ProfileImageOptions {
  /** Wanted platform of a multi-arch image; default linux/amd64 (else the index's first). */
  readonly platform?: Platform;
  /** Per-layer results shared across images; only complete, verified results are put. */
  readonly cache?: LayerCache;
  readonly signal?: AbortSignal;
  /** Called as layers and bytes complete (at most once per MiB of progress, and per layer). */
  readonly onProgress?: (progress: ProfileProgress) => void;
  readonly limits?: Partial<AnalysisLimits>;
  /** Default {@link DEFAULT_DETECTORS}. */
  readonly detectors?: readonly Detector[];
  /** Analyse layers on worker threads ({@link AnalyzeLayerOptions.worker}). */
  readonly worker?: boolean;
  /**
   * Composed profiles by manifest digest ({@link profileImage} only: {@link analyzeImage} also
   * returns the merged file system, which a cached profile does not have).
   */
  readonly profiles?: ProfileCache;
}

export interface ImageAnalysis {
  readonly profile: ContainerProfile;
  readonly image: ResolvedImage;
  readonly layers: readonly ComposeLayer[];
  /** The merged file system, for file explorers. */
  readonly fileSystem: MergedFileSystem;
}

const PROGRESS_STEP = 1024 * 1024;
const NO_CACHE_FLIGHTS = new SingleFlight<LayerResult>();
const flightsByCache = new WeakMap<LayerCache, SingleFlight<LayerResult>>();

/**
 * Profiles one image: resolves `reference` (tag or digest; through an index by `platform`),
 * analyses its layers in one streaming pass each (in parallel, bounded by
 * `limits.layerConcurrency`; cached layers are not fetched; identical layers in flight are
 * analysed once) and composes the Container Profile.
 *
 * @example
 * const client = new RegistryClient({ keychain: ANONYMOUS_KEYCHAIN });
 * const source = remoteImageSource(client, { registry: 'registry-1.docker.io', repository: 'library/debian' });
 * const profile = await profileImage(source, 'bookworm-slim', {
 *   platform: parsePlatform('linux/arm64'),
 *   cache: memoryLayerCache(),
 *   onProgress: (p) => console.log(`${p.layersDone}/${p.layersTotal} layers`),
 * });
 * console.log(profile.overview.fileCount, profile.packages.length);
 */
export async function profileImage(
  source: ImageSource,
  reference: string,
  options: ProfileImageOptions = {},
): Promise<ContainerProfile> {
  const { profiles } = options;
  if (!profiles) return (await analyzeImage(source, reference, options)).profile;
  return guardAbort(options.signal, async () => {
    const started = performance.now();
    const limits = resolveLimits(options.limits);
    prewarm(options);
    const image = await resolveImage(source, reference, resolveOptions(options));
    const key = `${image.manifestDigest} ${ANALYZER_VERSION} ${detectorIds(options.detectors ?? DEFAULT_DETECTORS).join()}`;
    const cached = await profiles.get(key);
    if (cached) {
      // The same manifest reached through another index (or none) reports that path.
      return {
        ...cached,
        image: {
          manifestDigest: image.manifestDigest,
          ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
          mediaType: image.manifestMediaType,
          platform: image.platform,
          platforms: image.platforms,
        },
      };
    }
    const { profile } = await analyzeResolved(source, image, options, limits, started);
    await profiles.put(key, profile);
    return profile;
  });
}

/** {@link profileImage}, also returning the resolved image, layer results and merged file system. */
export async function analyzeImage(
  source: ImageSource,
  reference: string,
  options: ProfileImageOptions = {},
): Promise<ImageAnalysis> {
  return guardAbort(options.signal, async () => {
    const started = performance.now();
    const limits = resolveLimits(options.limits);
    prewarm(options);
    // Without a layer cache every layer is fetched: the first ones start with the config.
    const prefetch = options.cache ? undefined : new BlobPrefetch(source, options.signal);
    try {
      const image = await resolveImage(source, reference, {
        ...resolveOptions(options),
        ...(prefetch
          ? {
              onManifest: (manifest: ImageManifest) =>
                prefetch.start(firstFetched(manifest.layers, limits.layerConcurrency)),
            }
          : {}),
      });
      return await analyzeResolved(prefetch?.source ?? source, image, options, limits, started);
    } finally {
      prefetch?.discard();
    }
  });
}

/** The layers the analysis fetches first: up to `concurrency` distributable ones, in order. */
function firstFetched(layers: readonly Descriptor[], concurrency: number): Descriptor[] {
  return layers.filter((d) => !isNondistributableLayer(d.mediaType)).slice(0, concurrency);
}

/** A layer worker starts loading while the manifest and config are fetched. */
function prewarm(options: ProfileImageOptions): void {
  if (options.worker) prewarmLayerWorkers(1);
}

function resolveOptions(options: ProfileImageOptions): { platform?: Platform; signal?: AbortSignal } {
  return {
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

async function guardAbort<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    // Whichever layer noticed the abort first (the registry client, a decompressor…), the
    // caller gets one error for it.
    if (signal?.aborted && !isAnalysisError(error, 'aborted')) {
      throw new AnalysisError('aborted', 'the analysis was aborted', { cause: error });
    }
    throw error;
  }
}

async function analyzeResolved(
  source: ImageSource,
  image: ResolvedImage,
  options: ProfileImageOptions,
  limits: Readonly<AnalysisLimits>,
  started: number,
): Promise<ImageAnalysis> {
  const { signal, cache } = options;
  const descriptors = image.manifest.layers;
  const diffIds = image.config.diffIds;
  if (descriptors.length !== diffIds.length) {
    throw new AnalysisError(
      'invalid_image',
      `the manifest lists ${descriptors.length} layers but the config's rootfs.diff_ids has ${diffIds.length}`,
    );
  }

  const progress = { layersDone: 0, layersTotal: descriptors.length, bytesDone: 0, bytesTotal: 0 };
  for (const d of descriptors) progress.bytesTotal += d.size;
  let reported = -1;
  const report = (force: boolean): void => {
    if (!options.onProgress) return;
    if (!force && Math.floor(progress.bytesDone / PROGRESS_STEP) === reported) return;
    reported = Math.floor(progress.bytesDone / PROGRESS_STEP);
    options.onProgress({ ...progress });
  };
  report(true);

  const flights = cache ? flightsFor(cache) : NO_CACHE_FLIGHTS;
  const wantedDetectors = detectorIds(options.detectors ?? DEFAULT_DETECTORS).join();
  const inner = new AbortController();
  const onAbort = (): void => inner.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const layers = await mapBounded(
      descriptors,
      limits.layerConcurrency,
      inner,
      async (descriptor, index) => {
        const diffId = diffIds[index] as string;
        let counted = 0;
        const finish = (): void => {
          progress.bytesDone += descriptor.size - counted;
          progress.layersDone++;
          report(true);
        };
        if (isNondistributableLayer(descriptor.mediaType)) {
          finish();
          return {
            descriptor,
            diffId,
            result: undefined,
            notAnalysedReason: `foreign/non-distributable layer (${descriptor.mediaType}): its content is not served by the registry`,
          };
        }
        const result = await flights.run(
          `${descriptor.digest} ${diffId} ${wantedDetectors}`,
          async (sharedSignal) => {
            const cached = await cache?.get(descriptor.digest);
            if (
              cached &&
              cached.analyzerVersion === ANALYZER_VERSION &&
              cached.diffId === diffId &&
              cached.detectors.join() === wantedDetectors
            ) {
              return cached;
            }
            const layerOptions: AnalyzeLayerOptions = {
              signal: sharedSignal,
              limits,
              detectors: options.detectors ?? DEFAULT_DETECTORS,
              ...(options.worker === undefined ? {} : { worker: options.worker }),
              onBytes: (bytes) => {
                counted += bytes;
                progress.bytesDone += bytes;
                report(false);
              },
            };
            const fresh = await analyzeLayer(source, descriptor, diffId, layerOptions);
            await cache?.put(fresh);
            return fresh;
          },
          inner.signal,
        );
        finish();
        return { descriptor, diffId, result };
      },
    );
    const { profile, fileSystem } = composeProfile({
      image,
      layers,
      durationMs: Math.round(performance.now() - started),
    });
    return { profile, image, layers, fileSystem };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function flightsFor(cache: LayerCache): SingleFlight<LayerResult> {
  let flights = flightsByCache.get(cache);
  if (!flights) {
    flights = new SingleFlight();
    flightsByCache.set(cache, flights);
  }
  return flights;
}

/**
 * Maps with at most `concurrency` calls running. On the first failure no new work starts and
 * `controller` is aborted, so the calls in flight stop early; the first error is thrown.
 */
async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  controller: AbortController,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

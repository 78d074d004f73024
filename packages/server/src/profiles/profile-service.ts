import {
  analyzeImage,
  type LayerCache,
  type LayerResult,
  mergeLayers,
  type MergedFileSystem,
} from '@berth/analysis';
import { resolveImage, isOciError, formatPlatform, redact, type EndpointPolicy } from '@berth/oci';
import { isAnalysisError } from '@berth/analysis';
import type { ConnectorService } from '../connectors/connector-service.js';
import { AppError } from '../errors.js';
import type { JobHandler, JobQueue } from '../jobs/job-queue.js';
import { ownedBy, type OwnedStores, type Stores } from '../stores/stores.js';
import { openImage, type ImageSpec } from './image-locator.js';
import type { ProfileProgress, ProfileRecord, ProfileStore } from './profile-store.js';

export const PROFILE_JOB = 'profile.analyze';

export interface ProfileServiceDeps {
  readonly stores: Stores;
  readonly profiles: ProfileStore;
  readonly layerCache: LayerCache;
  readonly connectors: ConnectorService;
  readonly jobs: JobQueue;
  readonly endpointPolicy: EndpointPolicy;
  /** Where a problem that does not stop an analysis is reported; default one line on stderr. */
  readonly warn?: (message: string) => void;
}

const warnOnStderr = (message: string): void => void process.stderr.write(`berth: ${message}\n`);

/**
 * An analysis' progress on its profile row: one write at a time, the latest progress wins, and
 * a failed write (the database briefly away) never stops the analysis — it is reported once.
 * `settle()` waits for the write in flight and drops the rest, so that the outcome written
 * after it is never overwritten by a late progress write.
 */
function progressWriter(write: (progress: ProfileProgress) => Promise<void>, warn: (error: unknown) => void) {
  let next: ProfileProgress | undefined;
  let inFlight: Promise<void> | undefined;
  let warned = false;
  const pump = async (): Promise<void> => {
    try {
      for (let progress = next; progress; progress = next) {
        next = undefined;
        try {
          await write(progress);
        } catch (error) {
          if (!warned) warn(error);
          warned = true;
        }
      }
    } finally {
      inFlight = undefined;
    }
  };
  return {
    push(progress: ProfileProgress): void {
      next = progress;
      inFlight ??= pump();
    },
    async settle(): Promise<void> {
      next = undefined;
      await inFlight;
    },
  };
}

/** Registry and analysis failures become problems with their precise codes. */
function asProblem(error: unknown): unknown {
  if (isOciError(error)) {
    const status =
      error.code === 'not_found' || error.code === 'platform_not_found'
        ? 404
        : error.code === 'unauthorized' || error.code === 'denied'
          ? 422
          : error.code === 'rate_limited'
            ? 429
            : 502;
    return new AppError(status, error.code, error.message, { cause: error });
  }
  if (isAnalysisError(error)) return new AppError(422, error.code, error.message, { cause: error });
  return error;
}

/**
 * Container Profiles on the server: a request resolves the image to its manifest digest (a
 * manifest and a config, no layers), answers at once when that manifest was analysed
 * before — by anyone — and otherwise queues one analysis per manifest digest, however many
 * users ask. Layer results live in the database and are shared by every image.
 */
export function createProfileService(deps: ProfileServiceDeps) {
  const trees = new Map<string, MergedFileSystem>();

  async function request(owned: OwnedStores, spec: ImageSpec): Promise<ProfileRecord> {
    const image = await openImage(owned, deps.connectors, spec, deps.endpointPolicy);
    let resolved;
    try {
      resolved = await resolveImage(
        image.source,
        image.reference,
        image.platform ? { platform: image.platform } : {},
      );
    } catch (error) {
      throw asProblem(error);
    } finally {
      await image.close();
    }
    const { record, created } = await deps.profiles.obtain(
      resolved.manifestDigest,
      owned.ownerId,
      image.grantKey,
    );
    if (created || record.status === 'failed') {
      if (record.status === 'failed')
        await deps.profiles.update(record.id, { status: 'queued', error: null });
      await deps.jobs.enqueue({
        kind: PROFILE_JOB,
        key: `profile:${resolved.manifestDigest}`,
        ownerId: owned.ownerId,
        ...(image.grantKey ? { connectorId: image.grantKey } : {}),
        payload: {
          profileId: record.id,
          spec: { ...spec, platform: formatPlatform(resolved.platform) },
          // Pin the content: the index (for the platform list) or the manifest itself.
          reference: resolved.indexDigest ?? resolved.manifestDigest,
        },
        maxAttempts: 3,
      });
      return { ...record, status: 'queued', error: null };
    }
    // Asked again while it waits for a retry (the registry was unreachable): try now.
    if (record.status === 'queued') await deps.jobs.expedite(`profile:${resolved.manifestDigest}`);
    return record;
  }

  const handler: JobHandler = async (job, context) => {
    const { profileId, spec, reference } = job.payload as {
      profileId: string;
      spec: ImageSpec;
      reference: string;
    };
    if (!job.ownerId) return;
    const owned = ownedBy(deps.stores, job.ownerId);
    await deps.profiles.update(profileId, { status: 'running' });
    const image = await openImage(owned, deps.connectors, spec, deps.endpointPolicy);
    const progressWrites = progressWriter(
      async (progress) => deps.profiles.update(profileId, { progress }),
      (error) =>
        (deps.warn ?? warnOnStderr)(
          `profile ${profileId}: could not record the analysis progress (${redact(error instanceof Error ? error.message : String(error))}); the analysis goes on`,
        ),
    );
    let last = 0;
    try {
      const analysis = await analyzeImage(image.source, reference, {
        ...(image.platform ? { platform: image.platform } : {}),
        cache: deps.layerCache,
        signal: context.signal,
        onProgress: (progress) => {
          const now = Date.now();
          if (now - last < 200 && progress.layersDone < progress.layersTotal) return;
          last = now;
          progressWrites.push(progress);
        },
      });
      await progressWrites.settle();
      await deps.profiles.update(profileId, {
        status: 'done',
        profile: analysis.profile,
        error: null,
        progress: {
          layersDone: analysis.profile.layers.length,
          layersTotal: analysis.profile.layers.length,
          bytesDone: analysis.profile.overview.sizeCompressed,
          bytesTotal: analysis.profile.overview.sizeCompressed,
        },
      });
    } catch (error) {
      await progressWrites.settle();
      const retryable = (error as { retryable?: boolean }).retryable === true && job.attempts < 3;
      // The analysis error is the one to keep (the job records it): a failing status write is only told.
      await deps.profiles
        .update(profileId, {
          status: retryable ? 'queued' : 'failed',
          error: error instanceof Error ? error.message : String(error),
        })
        .catch((writeError: unknown) =>
          (deps.warn ?? warnOnStderr)(
            `profile ${profileId}: could not record the failure (${redact(writeError instanceof Error ? writeError.message : String(writeError))})`,
          ),
        );
      throw error;
    } finally {
      await image.close();
    }
  };

  /** The merged file system of a finished profile, rebuilt from the stored layer results. */
  async function fileSystem(
    record: ProfileRecord,
  ): Promise<{ fs: MergedFileSystem; layers: (LayerResult | undefined)[] }> {
    const profile = record.profile;
    if (!profile) throw new AppError(409, 'profile_not_ready', 'the profile is still being analysed');
    const layers = await Promise.all(profile.layers.map((l) => deps.layerCache.get(l.digest)));
    let fs = trees.get(record.id);
    if (!fs) {
      fs = mergeLayers(layers);
      if (trees.size >= 8) trees.delete(trees.keys().next().value as string);
      trees.set(record.id, fs);
    }
    return { fs, layers };
  }

  return { request, handler, fileSystem };
}

export type ProfileService = ReturnType<typeof createProfileService>;

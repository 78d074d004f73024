import {
  analyzeImage,
  diffImageFile,
  diffImages,
  isAnalysisError,
  type FileContentDiff,
  type ImageAnalysis,
  type LayerCache,
} from '@berth/analysis';
import { formatPlatform, isOciError, redact, resolveImage, type EndpointPolicy } from '@berth/oci';
import type { ConnectorService } from '../connectors/connector-service.js';
import { AppError } from '../errors.js';
import type { JobHandler, JobQueue } from '../jobs/job-queue.js';
import { openImage, type ImageSpec, type OpenedImage } from '../profiles/image-locator.js';
import { ownedBy, type OwnedStores, type Stores } from '../stores/stores.js';
import type { DiffRecord, DiffStore } from './diff-store.js';

export const DIFF_JOB = 'diff.compute';

interface Side {
  readonly spec: ImageSpec;
  /** Pinned content: the index digest (platform in spec) or the manifest digest. */
  readonly reference: string;
}
/** Each user reaches the two images their own way (their connectors): kept per user. */
type SidesByOwner = Record<string, { left: Side; right: Side }>;

export interface DiffServiceDeps {
  readonly stores: Stores;
  readonly diffs: DiffStore;
  readonly layerCache: LayerCache;
  readonly connectors: ConnectorService;
  readonly jobs: JobQueue;
  readonly endpointPolicy: EndpointPolicy;
  /** Where problems that do not stop a diff are told (stderr by default). */
  readonly warn?: (message: string) => void;
}

const warnOnStderr = (message: string): void => void process.stderr.write(`berth: ${message}\n`);
const messageOf = (error: unknown): string => redact(error instanceof Error ? error.message : String(error));

function asProblem(error: unknown): unknown {
  if (isOciError(error)) {
    const status =
      error.code === 'not_found' || error.code === 'platform_not_found'
        ? 404
        : error.code === 'unauthorized' || error.code === 'denied'
          ? 422
          : 502;
    return new AppError(status, error.code, error.message, { cause: error });
  }
  if (isAnalysisError(error)) {
    const status = error.code === 'file_not_found' ? 404 : error.code === 'file_too_large' ? 413 : 422;
    return new AppError(status, error.code, error.message, { cause: error });
  }
  return error;
}

/**
 * Image diffs on the server: both images are resolved to manifest digests first; one diff is
 * computed per pair (and metadata option) for everyone who can reach both, reusing every cached
 * layer result, so two versions that share a base analyse only what differs.
 */
export function createDiffService(deps: DiffServiceDeps) {
  async function pin(
    owned: OwnedStores,
    spec: ImageSpec,
  ): Promise<{ side: Side; manifestDigest: string; grantKey: string }> {
    const image = await openImage(owned, deps.connectors, spec, deps.endpointPolicy);
    try {
      const resolved = await resolveImage(
        image.source,
        image.reference,
        image.platform ? { platform: image.platform } : {},
      );
      return {
        side: {
          spec: { ...spec, platform: formatPlatform(resolved.platform) },
          reference: resolved.indexDigest ?? resolved.manifestDigest,
        },
        manifestDigest: resolved.manifestDigest,
        grantKey: image.grantKey,
      };
    } catch (error) {
      throw asProblem(error);
    } finally {
      await image.close();
    }
  }

  async function analyse(
    owned: OwnedStores,
    side: Side,
    signal?: AbortSignal,
  ): Promise<{ image: OpenedImage; analysis: ImageAnalysis }> {
    const image = await openImage(owned, deps.connectors, side.spec, deps.endpointPolicy);
    try {
      const analysis = await analyzeImage(image.source, side.reference, {
        ...(image.platform ? { platform: image.platform } : {}),
        cache: deps.layerCache,
        ...(signal ? { signal } : {}),
      });
      return { image, analysis };
    } catch (error) {
      await image.close();
      throw asProblem(error);
    }
  }

  async function request(
    owned: OwnedStores,
    left: ImageSpec,
    right: ImageSpec,
    includeMetadata: boolean,
  ): Promise<DiffRecord> {
    const [l, r] = await Promise.all([pin(owned, left), pin(owned, right)]);
    const pairKey = `${l.manifestDigest}|${r.manifestDigest}|${includeMetadata ? 1 : 0}`;
    const mine = { left: l.side, right: r.side };
    const { record, created } = await deps.diffs.obtain(pairKey, { [owned.ownerId]: mine }, owned.ownerId, [
      l.grantKey,
      r.grantKey,
    ]);
    const sides = { ...(record.sides as SidesByOwner), [owned.ownerId]: mine };
    if (!created) await deps.diffs.update(record.id, { sides });
    if (created || record.status === 'failed') {
      await deps.diffs.update(record.id, { status: 'queued', error: null });
      await deps.jobs.enqueue({
        kind: DIFF_JOB,
        key: `diff:${pairKey}`,
        ownerId: owned.ownerId,
        payload: { diffId: record.id, includeMetadata },
        maxAttempts: 3,
      });
      return { ...record, status: 'queued', error: null, sides };
    }
    // Asked again while it waits for a retry: try now.
    if (record.status === 'queued') await deps.jobs.expedite(`diff:${pairKey}`);
    return { ...record, sides };
  }

  const handler: JobHandler = async (job, context) => {
    const { diffId, includeMetadata } = job.payload as { diffId: string; includeMetadata: boolean };
    if (!job.ownerId) return;
    const owned = ownedBy(deps.stores, job.ownerId);
    const record = await deps.diffs.get(job.ownerId, diffId);
    const sides = (record?.sides as SidesByOwner | undefined)?.[job.ownerId];
    if (!record || !sides) return;
    await deps.diffs.update(diffId, { status: 'running', progress: { sidesDone: 0, sidesTotal: 2 } });
    const warn = deps.warn ?? warnOnStderr;
    const opened: OpenedImage[] = [];
    try {
      const left = await analyse(owned, sides.left, context.signal);
      opened.push(left.image);
      // Progress is a courtesy: a write that fails is told once and the diff goes on.
      await deps.diffs
        .update(diffId, { progress: { sidesDone: 1, sidesTotal: 2 } })
        .catch((error: unknown) =>
          warn(`diff ${diffId}: could not record the progress (${messageOf(error)}); the diff goes on`),
        );
      const right = await analyse(owned, sides.right, context.signal);
      opened.push(right.image);
      const diff = diffImages(left.analysis, right.analysis, { includeMetadata });
      await deps.diffs.update(diffId, {
        status: 'done',
        diff,
        error: null,
        progress: { sidesDone: 2, sidesTotal: 2 },
      });
    } catch (error) {
      // The analysis error is the one to keep: a failing status write is only told.
      await deps.diffs
        .update(diffId, { status: 'failed', error: error instanceof Error ? error.message : String(error) })
        .catch((writeError: unknown) =>
          warn(`diff ${diffId}: could not record the failure (${messageOf(writeError)})`),
        );
      throw error;
    } finally {
      await Promise.all(opened.map((o) => o.close()));
    }
  };

  /** A unified diff of one file present in both images, read on demand from the layers that hold it. */
  async function fileDiff(owned: OwnedStores, record: DiffRecord, path: string): Promise<FileContentDiff> {
    const sides = (record.sides as SidesByOwner)[owned.ownerId];
    if (!sides) throw new AppError(404, 'not_found', 'diff was not found');
    const opened: OpenedImage[] = [];
    try {
      const left = await analyse(owned, sides.left);
      opened.push(left.image);
      const right = await analyse(owned, sides.right);
      opened.push(right.image);
      return await diffImageFile(
        { source: left.image.source, analysis: left.analysis },
        { source: right.image.source, analysis: right.analysis },
        path,
      );
    } catch (error) {
      throw asProblem(error);
    } finally {
      await Promise.all(opened.map((o) => o.close()));
    }
  }

  return { request, handler, fileDiff };
}

export type DiffService = ReturnType<typeof createDiffService>;

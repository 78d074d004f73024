import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type ApiClient } from '../api/api-client.js';
import type { AnalysisProgress, DiffState, ImageSpec, ProfileState } from '../api/api-types.js';
import { resolveTreePath } from './ls.js';

const POLL_MS = 250;

/** `--server` cannot be combined with the options that say how to reach a registry. */
export function checkServerOptions(
  options: { server?: boolean; creds?: string; insecure?: boolean; ociLayout?: string },
  usage: (message: string) => never,
): void {
  if (!options.server) return;
  if (options.creds !== undefined || options.insecure || options.ociLayout !== undefined)
    usage(
      '--server reads images through your connectors: --creds, --insecure and --oci-layout are for stand-alone use',
    );
}

export interface ServerImage {
  readonly spec: ImageSpec;
  /** For messages: `CONNECTOR/REPOSITORY:TAG`, or the reference. */
  readonly name: string;
}

/**
 * Names an image for the server: `CONNECTOR/REPOSITORY[:TAG|@DIGEST]` when it starts with one of
 * your connectors (name or id, as `berth ls` takes them), which reads it with that connector's
 * credentials; anything else is a public image reference the server pulls anonymously.
 */
export async function resolveServerImage(
  api: ApiClient,
  text: string,
  platform?: string,
): Promise<ServerImage> {
  const withPlatform = platform ? { platform } : {};
  try {
    const { connector, repository } = await resolveTreePath(api, text);
    if (repository !== undefined) {
      const at = repository.indexOf('@');
      const colon = repository.lastIndexOf(':');
      const [name, reference] =
        at >= 0
          ? [repository.slice(0, at), repository.slice(at + 1)]
          : colon > repository.lastIndexOf('/')
            ? [repository.slice(0, colon), repository.slice(colon + 1)]
            : [repository, 'latest'];
      return {
        spec: { connectorId: connector.id, repository: name, reference, ...withPlatform },
        name: `${connector.name}/${name}${at >= 0 ? '@' : ':'}${reference}`,
      };
    }
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'not_found')) throw error;
  }
  return { spec: { ref: text, ...withPlatform }, name: text };
}

/** Asks the server for a profile and follows the analysis to its end. */
export async function profileThroughServer<P>(
  api: ApiClient,
  spec: ImageSpec,
  onProgress: (progress: AnalysisProgress) => void,
): Promise<{ id: string; profile: P }> {
  let state = await api.post<ProfileState<P>>('/profiles', { image: spec });
  for (;;) {
    if (state.progress) onProgress(state.progress);
    if (state.status === 'done' && state.profile !== undefined)
      return { id: state.id, profile: state.profile };
    if (state.status === 'failed')
      throw new ApiError(422, 'analysis_failed', state.error ?? 'the analysis failed');
    await sleep(POLL_MS);
    state = await api.get<ProfileState<P>>(`/profiles/${encodeURIComponent(state.id)}`);
  }
}

interface DiffLists {
  files: Record<'added' | 'removed' | 'modified', unknown[]>;
  summary: { filesAdded: number; filesRemoved: number; filesModified: number };
}

/**
 * Asks the server for a diff, follows it to its end, and joins the file lists the server
 * pages (`/diffs/:id/files`), so the result is the whole diff as `berth diff` prints it.
 */
export async function diffThroughServer<D extends DiffLists>(
  api: ApiClient,
  left: ImageSpec,
  right: ImageSpec,
  includeMetadata: boolean,
  onProgress: (sidesDone: number, sidesTotal: number) => void,
): Promise<D> {
  let state = await api.post<DiffState<D>>('/diffs', {
    left: { image: left },
    right: { image: right },
    includeMetadata,
  });
  while (state.status !== 'done' || state.diff === undefined) {
    if (state.status === 'failed') throw new ApiError(422, 'diff_failed', state.error ?? 'the diff failed');
    onProgress(state.progress?.sidesDone ?? 0, state.progress?.sidesTotal ?? 2);
    await sleep(POLL_MS);
    state = await api.get<DiffState<D>>(`/diffs/${encodeURIComponent(state.id)}`);
  }
  const diff = state.diff;
  const totals = {
    added: diff.summary.filesAdded,
    removed: diff.summary.filesRemoved,
    modified: diff.summary.filesModified,
  };
  for (const change of ['added', 'removed', 'modified'] as const) {
    const list = diff.files[change];
    let cursor: string | null = list.length < totals[change] ? String(list.length) : null;
    while (cursor !== null) {
      const page: { items: unknown[]; nextCursor: string | null } = await api.get(
        `/diffs/${encodeURIComponent(state.id)}/files`,
        {
          query: { change, cursor, limit: 500 },
        },
      );
      list.push(...page.items);
      cursor = page.nextCursor;
    }
  }
  return diff;
}

/** `cyclonedx` → the API's `cyclonedx-json`. */
export async function sbomThroughServer(
  api: ApiClient,
  profileId: string,
  format: 'cyclonedx' | 'spdx',
): Promise<unknown> {
  return api.get(`/profiles/${encodeURIComponent(profileId)}/sbom`, { query: { format: `${format}-json` } });
}

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OciLayout } from './image-spec.js';
import { REF_NAME_ANNOTATION } from './oci-layout.js';
import type { RunningRegistry } from './registry.js';
import { runCommand } from './run-command.js';
import { TestkitError } from './testkit-error.js';

export interface PushImageOptions {
  /** `oci` (default) pushes the layout's manifests unchanged; `v2s2` converts to Docker schema 2. */
  readonly format?: 'oci' | 'v2s2';
  /** Push a whole index with every image in it (`skopeo copy --all`). */
  readonly all?: boolean;
}

const PUSH_TIMEOUT_MS = 300_000;

/**
 * Pushes `tag` from an OCI layout to `registry` as `destination` (`repo:tag`) with
 * `skopeo copy`, straight to the registry (not through the recording proxy) and as the pusher.
 *
 * In `oci` format the push uses `--preserve-digests` and then checks that the digest that landed
 * is the layout's, so a zstd or uncompressed layer can never be silently swapped for a gzip
 * blob from skopeo's blob-info cache (skopeo would otherwise be free to "reuse" a known
 * compressed variant). `v2s2` rewrites the manifest (and gzip-compresses layers Docker schema 2
 * cannot describe), so its digest differs from the layout's.
 *
 * @example
 * const { digest } = await pushImage(layout, 'app', registry, 'team/app:1');
 */
export async function pushImage(
  layout: OciLayout | string,
  tag: string,
  registry: Pick<RunningRegistry, 'pushHost' | 'pushCredentials'>,
  destination: string,
  options: PushImageOptions = {},
): Promise<{ digest: string }> {
  const dir = typeof layout === 'string' ? layout : layout.dir;
  const format = options.format ?? 'oci';
  const scratch = await mkdtemp(join(tmpdir(), 'berth-push-'));
  try {
    const digestFile = join(scratch, 'digest');
    const credentials = registry.pushCredentials;
    // An auth file keeps the password out of argv (ps, error messages).
    const authFile = join(scratch, 'auth.json');
    if (credentials) {
      const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
      await writeFile(authFile, JSON.stringify({ auths: { [registry.pushHost]: { auth } } }), {
        mode: 0o600,
      });
    }
    await runCommand(
      'skopeo',
      [
        // Do not depend on the machine's /etc/containers/policy.json.
        '--insecure-policy',
        'copy',
        '--quiet',
        '--dest-tls-verify=false',
        ...(credentials ? ['--dest-authfile', authFile] : ['--dest-no-creds']),
        ...(options.all ? ['--all'] : []),
        ...(format === 'oci' ? ['--preserve-digests'] : ['--format', 'v2s2']),
        '--digestfile',
        digestFile,
        `oci:${dir}:${tag}`,
        `docker://${registry.pushHost}/${destination}`,
      ],
      { timeoutMs: PUSH_TIMEOUT_MS },
    );
    const digest = (await readFile(digestFile, 'utf8')).trim();
    if (format === 'oci') {
      const expected = await taggedDigest(dir, tag);
      if (expected !== digest) {
        throw new TestkitError(
          'digest_mismatch',
          `pushed ${destination} landed as ${digest}, but the layout's ${tag} is ${expected}`,
        );
      }
    }
    return { digest };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function taggedDigest(dir: string, tag: string): Promise<string | undefined> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  return index.manifests.find((entry) => entry.annotations?.[REF_NAME_ANNOTATION] === tag)?.digest;
}

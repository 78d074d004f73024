import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAttestationManifest } from './attestation-manifest.js';
import { buildImage } from './image-builder.js';
import type { BlobSink } from './image-builder.js';
import type {
  AddIndexOptions,
  BuiltImage,
  BuiltIndex,
  Descriptor,
  ImageSpec,
  OciLayout,
} from './image-spec.js';
import { MEDIA_TYPES } from './media-types.js';
import { TestkitError } from './testkit-error.js';

/** The annotation that names a tag in an OCI layout's index.json (image-spec annotations.md). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/**
 * Creates (or reopens) an OCI image layout directory (image-spec image-layout.md), in a fresh
 * temp dir by default, and returns a builder that writes deterministic images into it: the same
 * specs always give byte-identical blobs and therefore the same digests.
 *
 * @example
 * const layout = await createLayout();
 * const image = await layout.addImage('app', {
 *   layers: [{ entries: [{ type: 'file', path: 'hello.txt', content: 'hi' }], compression: 'zstd' }],
 *   config: { cmd: ['/bin/sh'] },
 * });
 * await pushImage(layout, 'app', registry, 'library/app:1');
 * await layout.remove();
 */
export async function createLayout(dir?: string): Promise<OciLayout> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), 'berth-layout-')));
  const blobsDir = join(root, 'blobs', 'sha256');
  await mkdir(blobsDir, { recursive: true });
  await writeFile(join(root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const indexPath = join(root, 'index.json');
  if (!(await exists(indexPath)))
    await writeIndexJson(indexPath, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] });

  const writeBlob = async (content: string | Uint8Array): Promise<{ digest: string; size: number }> => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const hex = createHash('sha256').update(bytes).digest('hex');
    const path = join(blobsDir, hex);
    if (!(await exists(path))) {
      const tmp = join(blobsDir, `.tmp-${randomBytes(8).toString('hex')}`);
      await writeFile(tmp, bytes);
      await rename(tmp, path);
    }
    return { digest: `sha256:${hex}`, size: bytes.byteLength };
  };
  const sink: BlobSink = { blobsDir, scratchDir: root, writeBlob };

  // index.json is read-modify-written: serialise tag updates from concurrent builds.
  let indexLock: Promise<unknown> = Promise.resolve();
  const tag = (name: string, descriptor: Descriptor): Promise<void> => {
    checkTag(name);
    const update = indexLock.then(async () => {
      const index = JSON.parse(await readFile(indexPath, 'utf8')) as IndexJson;
      const manifests = index.manifests.filter((entry) => entry.annotations?.[REF_NAME_ANNOTATION] !== name);
      manifests.push({
        ...descriptor,
        annotations: { ...descriptor.annotations, [REF_NAME_ANNOTATION]: name },
      });
      await writeIndexJson(indexPath, { ...index, manifests });
    });
    indexLock = update.catch(() => undefined);
    return update;
  };

  return {
    dir: root,
    addImage: async (name: string, spec: ImageSpec): Promise<BuiltImage> => {
      checkTag(name);
      const { image, descriptor } = await buildImage(sink, spec);
      await tag(name, descriptor);
      return image;
    },
    addIndex: async (
      name: string,
      specs: ImageSpec[],
      options: AddIndexOptions = {},
    ): Promise<BuiltIndex> => {
      checkTag(name);
      if (specs.length === 0) throw new TestkitError('invalid_argument', 'an index needs at least one image');
      const built: { image: BuiltImage; descriptor: Descriptor }[] = [];
      for (const spec of specs) built.push(await buildImage(sink, spec));
      const manifests = built.map((entry) => entry.descriptor);
      let attestationDigest: string | undefined;
      const first = manifests[0];
      if (options.attestation && first) {
        const attestation = await writeAttestationManifest(sink, first);
        attestationDigest = attestation.digest;
        manifests.push(attestation);
      }
      const index = await sink.writeBlob(
        JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }),
      );
      await tag(name, { mediaType: MEDIA_TYPES.ociIndex, digest: index.digest, size: index.size });
      return {
        indexDigest: index.digest,
        images: built.map((entry) => entry.image),
        ...(attestationDigest ? { attestationDigest } : {}),
      };
    },
    writeBlob,
    tag,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

function checkTag(name: string): void {
  // skopeo's and umoci's `oci:DIR:TAG` references split at the first ':'.
  if (name.length === 0 || name.includes(':')) {
    throw new TestkitError('invalid_argument', `layout tag must be non-empty and contain no ':': ${name}`);
  }
}

async function writeIndexJson(path: string, index: IndexJson): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(8).toString('hex')}`;
  await writeFile(tmp, JSON.stringify(index));
  await rename(tmp, path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

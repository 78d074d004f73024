import type { BlobSink } from './image-builder.js';
import type { Descriptor } from './image-spec.js';
import { MEDIA_TYPES } from './media-types.js';

const PREDICATE_TYPE = 'https://slsa.dev/provenance/v0.2';

/**
 * Writes an attestation manifest the way BuildKit attaches provenance to an image index
 * (BuildKit docs, "Attestation storage"): an image manifest whose single layer is an in-toto
 * statement, listed in the index with platform `unknown/unknown` and the
 * `vnd.docker.reference.type`/`vnd.docker.reference.digest` annotations pointing at the image.
 *
 * @example
 * const descriptor = await writeAttestationManifest(sink, imageDescriptor);
 */
export async function writeAttestationManifest(sink: BlobSink, subject: Descriptor): Promise<Descriptor> {
  const statement = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: PREDICATE_TYPE,
    subject: [
      {
        name: 'pkg:docker/berth-testkit/fixture',
        digest: { sha256: subject.digest.slice('sha256:'.length) },
      },
    ],
    predicate: {
      builder: { id: '' },
      buildType: 'https://mobyproject.org/buildkit@v1',
      metadata: { buildInvocationID: 'berth-testkit', buildStartedOn: '2024-01-01T00:00:00Z' },
    },
  };
  const layer = await sink.writeBlob(JSON.stringify(statement));
  const config = await sink.writeBlob(
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  );
  const manifest = await sink.writeBlob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
      layers: [
        {
          mediaType: MEDIA_TYPES.inToto,
          digest: layer.digest,
          size: layer.size,
          annotations: { 'in-toto.io/predicate-type': PREDICATE_TYPE },
        },
      ],
    }),
  );
  return {
    mediaType: MEDIA_TYPES.ociManifest,
    digest: manifest.digest,
    size: manifest.size,
    annotations: {
      'vnd.docker.reference.digest': subject.digest,
      'vnd.docker.reference.type': 'attestation-manifest',
    },
    platform: { architecture: 'unknown', os: 'unknown' },
  };
}

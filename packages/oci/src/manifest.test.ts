import { describe, expect, it } from 'vitest';
import { imageEntries, parseManifest } from './manifest.js';
import { MediaType } from './media-types.js';
import { selectPlatform } from './resolve-image.js';
import { isOciError } from './errors.js';
import { parsePlatform, platformMatches, formatPlatform } from './platform.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const enc = (o: unknown) => Buffer.from(JSON.stringify(o));

const index = {
  schemaVersion: 2,
  mediaType: MediaType.OciIndex,
  manifests: [
    {
      mediaType: MediaType.OciManifest,
      digest: d('a'),
      size: 10,
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      mediaType: MediaType.OciManifest,
      digest: d('b'),
      size: 11,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    },
    {
      mediaType: MediaType.OciManifest,
      digest: d('c'),
      size: 12,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': d('a'),
      },
    },
  ],
};

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseManifest', () => {
  it('parses an OCI image manifest', () => {
    const m = parseManifest(
      enc({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: d('1'), size: 100 },
        layers: [
          { mediaType: MediaType.OciLayerGzip, digest: d('2'), size: 200, annotations: { a: 'b', n: 1 } },
        ],
      }),
    );
    expect(m).toEqual({
      kind: 'manifest',
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: d('1'), size: 100 },
      layers: [{ mediaType: MediaType.OciLayerGzip, digest: d('2'), size: 200, annotations: { a: 'b' } }],
    });
  });

  it('infers the media type from Content-Type, then from the shape', () => {
    const body = {
      schemaVersion: 2,
      config: { mediaType: MediaType.DockerConfig, digest: d('1'), size: 1 },
      layers: [],
    };
    expect(parseManifest(enc(body), `${MediaType.DockerManifest}; charset=utf-8`).mediaType).toBe(
      MediaType.DockerManifest,
    );
    expect(parseManifest(enc(body)).mediaType).toBe(MediaType.OciManifest);
    expect(parseManifest(enc({ schemaVersion: 2, manifests: [] })).kind).toBe('index');
  });

  it('parses a Docker manifest list and keeps platform variants', () => {
    const m = parseManifest(enc({ ...index, mediaType: MediaType.DockerManifestList }));
    expect(m.kind).toBe('index');
    if (m.kind !== 'index') return;
    expect(m.manifests[1]?.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  });

  it('rejects Docker schema 1 with unsupported_manifest', () => {
    const e = errorOf(() => parseManifest(enc({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] })));
    expect(isOciError(e, 'unsupported_manifest')).toBe(true);
    expect((e as Error).message).toMatch(/schema 1/);
    expect(
      isOciError(
        errorOf(() => parseManifest(enc({ schemaVersion: 2 }), MediaType.DockerSchema1Signed)),
        'unsupported_manifest',
      ),
    ).toBe(true);
  });

  it.each([
    ['not json', Buffer.from('{'), /not valid JSON/],
    ['an array', enc([]), /not a JSON object/],
    ['schemaVersion 3', enc({ schemaVersion: 3 }), /schemaVersion 3/],
    ['no layers', enc({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: {} }), /no "layers"/],
    [
      'bad digest',
      enc({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: 'x', digest: 'sha256:zz', size: 1 },
        layers: [],
      }),
      /config.digest is invalid/,
    ],
    [
      'negative size',
      enc({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: 'x', digest: d('1'), size: -1 },
        layers: [],
      }),
      /config.size/,
    ],
    [
      'fractional size',
      enc({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: 'x', digest: d('1'), size: 1.5 },
        layers: [],
      }),
      /config.size/,
    ],
    [
      'platform without os',
      enc({
        schemaVersion: 2,
        manifests: [{ mediaType: 'x', digest: d('1'), size: 1, platform: { architecture: 'amd64' } }],
      }),
      /platform needs/,
    ],
  ])('rejects %s with invalid_manifest', (_name, raw, message) => {
    const e = errorOf(() => parseManifest(raw));
    expect(isOciError(e, 'invalid_manifest')).toBe(true);
    expect((e as Error).message).toMatch(message);
  });

  it('rejects artifacts that are neither manifests nor indexes', () => {
    expect(
      isOciError(
        errorOf(() => parseManifest(enc({ schemaVersion: 2, mediaType: 'application/vnd.cncf.helm.chart' }))),
        'unsupported_manifest',
      ),
    ).toBe(true);
  });
});

describe('platforms', () => {
  const parsed = parseManifest(enc(index));
  if (parsed.kind !== 'index') throw new Error('index expected');

  it('excludes attestation manifests from the runnable images', () => {
    expect(imageEntries(parsed).map((e) => e.digest)).toEqual([d('a'), d('b')]);
  });

  it('selects linux/amd64 by default and any platform on request', () => {
    expect(selectPlatform(parsed, undefined).digest).toBe(d('a'));
    expect(selectPlatform(parsed, parsePlatform('linux/arm64')).digest).toBe(d('b'));
    expect(selectPlatform(parsed, parsePlatform('linux/arm64/v8')).digest).toBe(d('b'));
  });

  it('names the available platforms when the wanted one is missing', () => {
    const e = errorOf(() => selectPlatform(parsed, parsePlatform('linux/s390x')));
    expect(isOciError(e, 'platform_not_found')).toBe(true);
    expect((e as Error).message).toBe(
      'the image has no linux/s390x variant (available: linux/amd64, linux/arm64/v8)',
    );
  });

  it('falls back to the first image when amd64 is absent and none was asked for', () => {
    const only = parseManifest(enc({ ...index, manifests: index.manifests.slice(1) }));
    if (only.kind !== 'index') throw new Error('index expected');
    expect(selectPlatform(only, undefined).digest).toBe(d('b'));
  });

  it('parses, formats and matches platform strings', () => {
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(platformMatches(parsePlatform('linux/arm'), parsePlatform('linux/arm/v7'))).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v6'), parsePlatform('linux/arm/v7'))).toBe(false);
    expect(() => parsePlatform('linux')).toThrow(/os\/architecture/);
    expect(() => parsePlatform('a/b/c/d')).toThrow(/os\/architecture/);
  });
});

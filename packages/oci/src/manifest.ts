import { OciError } from './errors.js';
import { parseDigest } from './digest.js';
import { MediaType, isImageManifestMediaType, isIndexMediaType, isSchema1MediaType } from './media-types.js';
import { isUnknownPlatform, type Platform } from './platform.js';

/** A content descriptor (OCI image-spec `descriptor.md`). */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
  readonly artifactType?: string;
}

export interface ImageManifest {
  readonly kind: 'manifest';
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly kind: 'index';
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type Manifest = ImageManifest | ImageIndex;

/**
 * Parses manifest bytes exactly as received. The media type comes from the document's own
 * `mediaType` field, else from the response's `Content-Type`, else from its shape (OCI allows
 * the field to be absent). Docker schema 1 is refused: it carries no content-addressed config.
 */
export function parseManifest(raw: Uint8Array, contentType?: string): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch (cause) {
    throw new OciError('invalid_manifest', 'the manifest is not valid JSON', { cause });
  }
  if (!isObject(doc)) throw new OciError('invalid_manifest', 'the manifest is not a JSON object');
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const headerType = contentType?.split(';')[0]?.trim();
  if (
    doc.schemaVersion === 1 ||
    (declared && isSchema1MediaType(declared)) ||
    (headerType && isSchema1MediaType(headerType))
  ) {
    throw new OciError(
      'unsupported_manifest',
      'Docker schema 1 manifests are not supported (deprecated since 2017); push the image again with a current Docker or Buildah',
    );
  }
  if (doc.schemaVersion !== 2) {
    throw new OciError(
      'invalid_manifest',
      `unexpected manifest schemaVersion ${JSON.stringify(doc.schemaVersion)}`,
    );
  }
  const mediaType =
    declared ??
    (headerType && (isIndexMediaType(headerType) || isImageManifestMediaType(headerType))
      ? headerType
      : undefined) ??
    (Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest);

  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(doc.manifests))
      throw new OciError('invalid_manifest', 'the image index has no "manifests" array');
    return {
      kind: 'index',
      schemaVersion: 2,
      mediaType,
      manifests: doc.manifests.map((d, i) => parseDescriptor(d, `manifests[${i}]`)),
      ...optionalSubject(doc),
      ...optionalAnnotations(doc.annotations),
    };
  }
  if (isImageManifestMediaType(mediaType)) {
    if (!Array.isArray(doc.layers))
      throw new OciError('invalid_manifest', 'the image manifest has no "layers" array');
    return {
      kind: 'manifest',
      schemaVersion: 2,
      mediaType,
      config: parseDescriptor(doc.config, 'config'),
      layers: doc.layers.map((d, i) => parseDescriptor(d, `layers[${i}]`)),
      ...optionalSubject(doc),
      ...(typeof doc.artifactType === 'string' ? { artifactType: doc.artifactType } : {}),
      ...optionalAnnotations(doc.annotations),
    };
  }
  throw new OciError(
    'unsupported_manifest',
    `manifest media type "${mediaType}" is not an image manifest or index`,
  );
}

export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw new OciError('invalid_manifest', `${where} is not a descriptor object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType.length === 0) {
    throw new OciError('invalid_manifest', `${where}.mediaType is missing`);
  }
  if (typeof digest !== 'string') throw new OciError('invalid_manifest', `${where}.digest is missing`);
  try {
    parseDigest(digest);
  } catch (cause) {
    throw new OciError('invalid_manifest', `${where}.digest is invalid`, { cause });
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new OciError('invalid_manifest', `${where}.size must be a non-negative integer`);
  }
  const out: { -readonly [K in keyof Descriptor]: Descriptor[K] } = { mediaType, digest, size };
  if (Array.isArray(value.urls) && value.urls.every((u) => typeof u === 'string')) out.urls = value.urls;
  const annotations = optionalAnnotations(value.annotations).annotations;
  if (annotations) out.annotations = annotations;
  if (typeof value.artifactType === 'string') out.artifactType = value.artifactType;
  if (isObject(value.platform)) {
    const p = value.platform;
    if (typeof p.os !== 'string' || typeof p.architecture !== 'string') {
      throw new OciError('invalid_manifest', `${where}.platform needs "os" and "architecture"`);
    }
    out.platform = {
      os: p.os,
      architecture: p.architecture,
      ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}),
      ...(typeof p['os.version'] === 'string' ? { osVersion: p['os.version'] } : {}),
    };
  }
  return out;
}

/**
 * The runnable images of an index: attestation manifests (BuildKit's `unknown/unknown`
 * entries and anything annotated `vnd.docker.reference.type`) and nested non-image entries excluded.
 */
export function imageEntries(index: ImageIndex): Descriptor[] {
  return index.manifests.filter(
    (d) =>
      !isUnknownPlatform(d.platform) &&
      d.annotations?.['vnd.docker.reference.type'] === undefined &&
      (isImageManifestMediaType(d.mediaType) || isIndexMediaType(d.mediaType)),
  );
}

function optionalSubject(doc: Record<string, unknown>): { subject?: Descriptor } {
  return doc.subject === undefined ? {} : { subject: parseDescriptor(doc.subject, 'subject') };
}

function optionalAnnotations(value: unknown): { annotations?: Readonly<Record<string, string>> } {
  if (!isObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return { annotations: out };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

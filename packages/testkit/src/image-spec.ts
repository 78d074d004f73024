/** What a test asks the deterministic image builder for, and what it gets back. */

interface Ownership {
  /** Permission bits, including setuid/setgid/sticky (e.g. 0o4755). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch; default 0. */
  mtime?: number;
}

/** One tar entry. Defaults: mode 0644 for files, 0755 for dirs, 0777 for symlinks; uid, gid and mtime 0. */
export type EntrySpec =
  | ({
      type: 'file';
      path: string;
      content: string | Uint8Array;
      /** Written as PAX `SCHILY.xattr.<name>` records, e.g. `security.capability`. */
      xattrs?: Record<string, string | Uint8Array>;
    } & Ownership)
  | ({ type: 'dir'; path: string } & Ownership)
  | ({ type: 'symlink'; path: string; target: string } & Ownership)
  | ({ type: 'hardlink'; path: string; target: string } & Ownership)
  | ({
      type: 'device';
      path: string;
      device: 'char' | 'block' | 'fifo';
      major?: number;
      minor?: number;
    } & Ownership)
  /** Writes `dirname/.wh.basename` (OCI image-spec layer.md "Whiteouts"). */
  | ({ type: 'whiteout'; path: string } & Ownership)
  /** Writes `path/.wh..wh..opq` (an opaque directory). */
  | ({ type: 'opaque'; path: string } & Ownership);

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** Exactly one of `entries`, `fromDir` or `fromTar`. */
export interface LayerSpec {
  entries?: EntrySpec[];
  /** Tar this directory with GNU tar's deterministic flags (names without a leading `./`). */
  fromDir?: string;
  /** An existing uncompressed tar file, used byte for byte. */
  fromTar?: string;
  /** Default gzip. */
  compression?: LayerCompression;
  /** The history entry's `created_by`. */
  createdBy?: string;
}

export interface ImageConfigSpec {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  /** `80/tcp`, `53/udp`… */
  exposedPorts?: string[];
  volumes?: string[];
  labels?: Record<string, string>;
  stopSignal?: string;
}

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageSpec {
  layers: LayerSpec[];
  /** Default linux/amd64. */
  platform?: PlatformSpec;
  /** Default 2024-01-01T00:00:00Z. */
  created?: string;
  config?: ImageConfigSpec;
  /** Default: one entry per layer, from its `createdBy`. Not checked against the layers, so tests can build inconsistent images. */
  history?: { createdBy: string; emptyLayer?: boolean }[];
  /** Manifest annotations. */
  annotations?: Record<string, string>;
}

export interface BuiltLayer {
  digest: string;
  diffId: string;
  size: number;
  uncompressedSize: number;
  mediaType: string;
}

export interface BuiltImage {
  manifestDigest: string;
  manifestSize: number;
  configDigest: string;
  /** The manifest's media type. */
  mediaType: string;
  layers: BuiltLayer[];
}

export interface BuiltIndex {
  indexDigest: string;
  images: BuiltImage[];
  attestationDigest?: string;
}

/** A content descriptor (OCI image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: PlatformSpec;
  annotations?: Record<string, string>;
}

export interface AddIndexOptions {
  /** Add a BuildKit-style attestation manifest for the first image. */
  attestation?: boolean;
}

/** An OCI image layout directory (OCI image-spec image-layout.md) that fixtures are written into. */
export interface OciLayout {
  readonly dir: string;
  /** Builds an image and tags it (`org.opencontainers.image.ref.name`); tags must not contain ':'. */
  addImage(tag: string, spec: ImageSpec): Promise<BuiltImage>;
  /** Builds one image per spec and an OCI index over them, tagged as `tag`. */
  addIndex(tag: string, specs: ImageSpec[], options?: AddIndexOptions): Promise<BuiltIndex>;
  /** Stores arbitrary bytes (e.g. a hand-written manifest) as a blob. */
  writeBlob(content: string | Uint8Array): Promise<{ digest: string; size: number }>;
  /** Points `tag` at an existing blob in index.json, replacing a previous entry with that tag. */
  tag(tag: string, descriptor: Descriptor): Promise<void>;
  /** Deletes the directory. */
  remove(): Promise<void>;
}

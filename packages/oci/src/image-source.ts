import type { Readable } from 'node:stream';
import type { Descriptor } from './manifest.js';
import type { BlobOptions, FetchedManifest } from './registry-client.js';

/**
 * Where images come from: a remote registry repository or an OCI image layout directory.
 * The analysis engine reads images through this interface only. Like go-containerregistry's
 * sources, everything is fetched lazily and verified.
 */
export interface ImageSource {
  /** For messages: `localhost:5000/team/app` or `oci-layout:/path/to/dir`. */
  readonly name: string;
  /** A manifest or index by tag or digest, verified against the digest when one is given. */
  getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
  /** A blob as a stream that fails at EOF unless its digest and size match the descriptor. */
  openBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, options?: BlobOptions): Promise<Readable>;
  /** A small blob (config) read whole, verified and size-capped. */
  readBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, signal?: AbortSignal): Promise<Buffer>;
}

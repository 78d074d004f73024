import { createHash, type Hash } from 'node:crypto';
import { OciError } from './errors.js';

/** Content digest algorithms the client can verify (OCI image-spec "Digests", registered algorithms). */
export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };
// image-spec: algorithm-component [a-z0-9]+ joined by [+._-]; encoded [a-zA-Z0-9=_-]+
const DIGEST_SHAPE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly encoded: string;
}

/**
 * Parses and validates a digest such as `sha256:4f3c…`. Registered algorithms must use their
 * exact lower-case hex length; anything else is rejected rather than passed through unverified.
 */
export function parseDigest(digest: string): ParsedDigest {
  const match = DIGEST_SHAPE.exec(digest);
  if (!match)
    throw new OciError(
      'invalid_argument',
      `"${truncate(digest)}" is not a digest (expected sha256:<64 hex>)`,
    );
  const algorithm = match[1] as string;
  const encoded = match[2] as string;
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new OciError(
      'invalid_argument',
      `digest algorithm "${algorithm}" is not supported (sha256, sha512)`,
    );
  }
  if (encoded.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(encoded)) {
    throw new OciError(
      'invalid_argument',
      `"${truncate(digest)}" is not a valid ${algorithm} digest (${HEX_LENGTH[algorithm]} lower-case hex characters)`,
    );
  }
  return { algorithm, encoded };
}

export function isDigest(value: string): boolean {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

/** Starts an incremental hash for the algorithm of `digest` (used to verify streams). */
export function createDigester(digest: string): { readonly hash: Hash; readonly algorithm: DigestAlgorithm } {
  const { algorithm } = parseDigest(digest);
  return { hash: createHash(algorithm), algorithm };
}

export function computeDigest(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** `sha256:4f3c2b1a0e9d` — twelve characters of the hex, as registries and UIs show. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest.slice(0, 12) : `${digest.slice(0, colon)}:${digest.slice(colon + 1, colon + 13)}`;
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

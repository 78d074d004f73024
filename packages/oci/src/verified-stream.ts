import { Transform, type TransformCallback } from 'node:stream';
import { OciError } from './errors.js';
import { createDigester } from './digest.js';

/**
 * A pass-through stream that hashes and counts the bytes flowing through it and fails at EOF
 * with `digest_mismatch` / `size_mismatch` when they differ from the descriptor. It fails early,
 * without reading further, once more bytes than expected have arrived.
 */
export class VerifyingStream extends Transform {
  readonly #expectedDigest: string | undefined;
  readonly #expectedSize: number | undefined;
  readonly #hash;
  #bytes = 0;

  constructor(expected: { readonly digest?: string; readonly size?: number }) {
    super();
    this.#expectedDigest = expected.digest;
    this.#expectedSize = expected.size;
    this.#hash = expected.digest === undefined ? undefined : createDigester(expected.digest).hash;
  }

  get bytesRead(): number {
    return this.#bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.byteLength;
    if (this.#expectedSize !== undefined && this.#bytes > this.#expectedSize) {
      callback(
        new OciError(
          'size_mismatch',
          `blob ${this.#expectedDigest ?? ''} is longer than the ${this.#expectedSize} bytes its descriptor declares`,
        ),
      );
      return;
    }
    this.#hash?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#expectedSize !== undefined && this.#bytes !== this.#expectedSize) {
      callback(
        new OciError(
          'size_mismatch',
          `blob ${this.#expectedDigest ?? ''} ended after ${this.#bytes} of ${this.#expectedSize} bytes`,
          {
            retryable: true,
          },
        ),
      );
      return;
    }
    if (this.#hash && this.#expectedDigest !== undefined) {
      const algorithm = this.#expectedDigest.slice(0, this.#expectedDigest.indexOf(':'));
      const actual = `${algorithm}:${this.#hash.digest('hex')}`;
      if (actual !== this.#expectedDigest) {
        callback(
          new OciError(
            'digest_mismatch',
            `blob content does not match its digest: expected ${this.#expectedDigest}, got ${actual}`,
          ),
        );
        return;
      }
    }
    callback();
  }
}

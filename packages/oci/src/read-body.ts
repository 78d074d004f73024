import type { Readable } from 'node:stream';
import { OciError, type OciErrorCode } from './errors.js';

/**
 * Reads a whole stream into memory, refusing more than `limit` bytes; the stream is destroyed
 * as soon as the limit is crossed, so a hostile server cannot make us buffer more.
 */
export async function readLimited(
  body: Readable | AsyncIterable<Uint8Array>,
  limit: number,
  what: string,
  code: OciErrorCode = 'response_too_large',
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > limit) {
      if ('destroy' in body && typeof body.destroy === 'function') body.destroy();
      throw new OciError(code, `${what} is larger than the ${formatBytes(limit)} limit`);
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

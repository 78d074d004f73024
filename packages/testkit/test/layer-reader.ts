import { Readable } from 'node:stream';
import { extract } from 'tar-stream';

/** A tar header as a test compares it. */
export interface ReadEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname: string | null;
  size: number;
  content: string;
}

/** Reads every header of an uncompressed tar with tar-stream (an independent reader). */
export async function readTar(tar: Uint8Array): Promise<ReadEntry[]> {
  const entries: ReadEntry[] = [];
  const extractor = extract();
  Readable.from([Buffer.from(tar)]).pipe(extractor);
  for await (const entry of extractor) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const header = entry.header;
    entries.push({
      name: header.name,
      type: header.type ?? 'file',
      mode: header.mode ?? 0,
      uid: header.uid ?? 0,
      gid: header.gid ?? 0,
      mtime: (header.mtime?.getTime() ?? 0) / 1000,
      linkname: header.linkname ?? null,
      size: header.size ?? 0,
      content: Buffer.concat(chunks).toString('utf8'),
    });
  }
  return entries;
}

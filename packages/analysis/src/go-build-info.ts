/**
 * Go build information embedded in binaries by the Go toolchain (Go ≥ 1.18 inline format, as
 * read by the standard library's debug/buildinfo): a 32-byte header starting with
 * `"\xff Go buildinf:"` at a 16-byte aligned offset, then the Go version and the module info as
 * varint-length-prefixed strings. Found by a streaming scan, so a binary is never buffered.
 */

export interface GoModule {
  readonly path: string;
  readonly version: string;
}

export interface GoBuildInfo {
  readonly goVersion: string;
  /** The main package's import path (`path` line). */
  readonly path: string;
  /** The main module (`mod` line), absent for GOPATH builds. */
  readonly main?: GoModule;
  /** Dependencies (`dep` lines, with `=>` replacements applied). */
  readonly deps: readonly GoModule[];
}

export const GO_BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const FLAGS_VERSION_INLINE = 0x2;
/** Header + version + module info of even a large binary (Kubernetes: ~30 KiB). */
const MAX_CAPTURE = 512 * 1024;

/**
 * Feed it a file's data in order; afterwards {@link result} holds the build info if the file is
 * a Go ≥ 1.18 binary. Only the bytes from the magic on (at most 512 KiB) are kept.
 */
export class GoBuildInfoScanner {
  #offset = 0;
  #tail: Buffer = Buffer.alloc(0);
  #captured: Buffer[] | undefined;
  #capturedBytes = 0;

  feed(chunk: Buffer): void {
    if (this.#captured) {
      this.#capture(chunk);
      return;
    }
    // A magic split across chunks: look in the last bytes of the previous chunk plus the start of this one.
    if (this.#tail.length > 0) {
      const joined = Buffer.concat([this.#tail, chunk.subarray(0, GO_BUILDINFO_MAGIC.length - 1)]);
      const at = this.#find(joined, this.#offset - this.#tail.length);
      if (at >= 0) {
        this.#captured = [];
        this.#capture(Buffer.concat([joined.subarray(at), chunk.subarray(GO_BUILDINFO_MAGIC.length - 1)]));
        this.#offset += chunk.length;
        return;
      }
    }
    const at = this.#find(chunk, this.#offset);
    this.#offset += chunk.length;
    if (at >= 0) {
      this.#captured = [];
      this.#capture(chunk.subarray(at));
      return;
    }
    const keep = GO_BUILDINFO_MAGIC.length - 1;
    this.#tail = Buffer.from(Buffer.concat([this.#tail, chunk.subarray(-keep)]).subarray(-keep));
  }

  result(): GoBuildInfo | undefined {
    return this.#captured ? parseGoBuildInfo(Buffer.concat(this.#captured)) : undefined;
  }

  /** First 16-byte aligned (in the file) occurrence of the magic in `buffer`, which starts at `base`. */
  #find(buffer: Buffer, base: number): number {
    let at = buffer.indexOf(GO_BUILDINFO_MAGIC);
    while (at >= 0 && (base + at) % 16 !== 0) at = buffer.indexOf(GO_BUILDINFO_MAGIC, at + 1);
    return at;
  }

  #capture(chunk: Buffer): void {
    const take = Math.min(chunk.length, MAX_CAPTURE - this.#capturedBytes);
    if (take <= 0) return;
    this.#captured?.push(Buffer.from(chunk.subarray(0, take)));
    this.#capturedBytes += take;
  }
}

/** Parses the build info that starts at the magic; undefined for older (pointer) formats or garbage. */
export function parseGoBuildInfo(data: Buffer): GoBuildInfo | undefined {
  if (data.length < HEADER_SIZE || !data.subarray(0, GO_BUILDINFO_MAGIC.length).equals(GO_BUILDINFO_MAGIC)) {
    return undefined;
  }
  const flags = data[15] as number;
  if (!(flags & FLAGS_VERSION_INLINE)) return undefined;
  let pos = HEADER_SIZE;
  const readString = (): Buffer | undefined => {
    let length = 0;
    let shift = 0;
    for (;;) {
      const byte = data[pos++];
      if (byte === undefined || shift > 28) return undefined;
      length |= (byte & 0x7f) << shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    if (pos + length > data.length) return undefined;
    const value = data.subarray(pos, pos + length);
    pos += length;
    return value;
  };
  const version = readString()?.toString('utf8');
  let modinfo = readString();
  if (!version?.startsWith('go') || modinfo === undefined) return undefined;
  // Since Go 1.18 the module info is wrapped in 16-byte sentinels (debug/buildinfo strips them so).
  if (modinfo.length >= 33 && modinfo[modinfo.length - 17] === 0x0a)
    modinfo = modinfo.subarray(16, modinfo.length - 16);
  return { goVersion: version, ...parseModInfo(modinfo.toString('utf8')) };
}

function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  let path = '';
  let main: GoModule | undefined;
  const deps: GoModule[] = [];
  for (const line of text.split('\n')) {
    const [kind, a = '', b = ''] = line.split('\t');
    if (kind === 'path') path = a;
    else if (kind === 'mod') main = { path: a, version: b };
    else if (kind === 'dep') deps.push({ path: a, version: b });
    else if (kind === '=>' && deps.length > 0) deps[deps.length - 1] = { path: a, version: b };
  }
  return { path, ...(main ? { main } : {}), deps };
}

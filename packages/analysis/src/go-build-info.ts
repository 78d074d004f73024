/**
 * Go build information embedded in binaries by the Go toolchain, as read by the standard
 * library's debug/buildinfo: a 32-byte header starting with `"\xff Go buildinf:"` at a 16-byte
 * aligned offset. Since Go 1.18 the Go version and the module info follow it inline as
 * varint-length-prefixed strings. Go 1.13–1.17 wrote instead the pointer size, an endianness
 * flag and two pointers (virtual addresses) to the Go string headers of `runtime.buildVersion`
 * and `runtime.modinfo`, whose bytes live in `.rodata`, before the header in the file; those
 * are resolved through the ELF program headers. Found by a streaming scan, so a binary is never
 * buffered: for ELF files the scan also keeps the program headers and the few places that can
 * hold the strings (`go1.` and the module info sentinel), bounded in number and size.
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
const FLAGS_BIG_ENDIAN = 0x1;
/** Header + version + module info of even a large binary (Kubernetes: ~30 KiB). */
const MAX_CAPTURE = 512 * 1024;
const ELF_MAGIC = Buffer.from('\x7fELF', 'latin1');
/** ELF header and program headers: Go's linker puts them in the first few hundred bytes. */
const ELF_HEAD_BYTES = 4096;
/** The module info sentinel that starts `runtime.modinfo` (cmd/go modload `infoStart`). */
const MODINFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const MODINFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const VERSION_PREFIX = Buffer.from('go1.', 'latin1');
/** debug/buildinfo refuses longer strings. */
const MAX_STRING = 1 << 20;
const VERSION_CAPTURE = 64;
const MAX_VERSION_CANDIDATES = 256;
const MAX_MODINFO_CANDIDATES = 4;
const PATTERN_OVERLAP = MODINFO_START.length - 1;

/** Bytes being collected from a file offset on, as the stream passes it. */
interface Capture {
  readonly offset: number;
  length: number;
  readonly parts: Buffer[];
  got: number;
  /** Stop once this marker has been captured (the module info's end sentinel). */
  readonly until?: Buffer;
}

/**
 * Feed it a file's data in order; afterwards {@link result} holds the build info if the file is
 * a Go binary (Go ≥ 1.18 anywhere; Go 1.13–1.17 in ELF files). Only the bytes from the magic on
 * (at most 512 KiB) and, for ELF files, a bounded set of small captures are kept.
 */
export class GoBuildInfoScanner {
  #offset = 0;
  #tail: Buffer = Buffer.alloc(0);
  #magicOffset = -1;
  #captured: Buffer[] | undefined;
  #capturedBytes = 0;
  /** ELF files only: the head, and the candidate strings of the pre-1.18 format. */
  #elf: { head: Buffer[]; headBytes: number } | undefined;
  /** An ELF file whose head carries Go's build-ID note: only those get the pre-1.18 scan. */
  #goElf = false;
  #notElf = false;
  /** The last bytes of the previous chunk, for patterns split across chunks. */
  #scanTail: Buffer = Buffer.alloc(0);
  #versions: Capture[] = [];
  #modinfos: Capture[] = [];
  /** The two string headers the pre-1.18 header points at, once it is known. */
  #stringHeaders: Capture[] | undefined;

  feed(chunk: Buffer): void {
    const base = this.#offset;
    this.#offset += chunk.length;
    this.#scanMagic(chunk, base);
    this.#trackElf(chunk, base);
    if (this.#goElf) this.#scanLegacy(chunk, base);
  }

  #scanMagic(chunk: Buffer, base: number): void {
    if (this.#captured) {
      this.#capture(chunk);
      return;
    }
    // A magic split across chunks: look in the last bytes of the previous chunk plus the start of this one.
    if (this.#tail.length > 0) {
      const joined = Buffer.concat([this.#tail, chunk.subarray(0, GO_BUILDINFO_MAGIC.length - 1)]);
      const at = this.#find(joined, base - this.#tail.length);
      if (at >= 0) {
        this.#captured = [];
        this.#magicOffset = base - this.#tail.length + at;
        this.#capture(Buffer.concat([joined.subarray(at), chunk.subarray(GO_BUILDINFO_MAGIC.length - 1)]));
        return;
      }
    }
    const at = this.#find(chunk, base);
    if (at >= 0) {
      this.#captured = [];
      this.#magicOffset = base + at;
      this.#capture(chunk.subarray(at));
      return;
    }
    const keep = GO_BUILDINFO_MAGIC.length - 1;
    this.#tail = Buffer.from(Buffer.concat([this.#tail, chunk.subarray(-keep)]).subarray(-keep));
  }

  result(): GoBuildInfo | undefined {
    if (!this.#captured) return undefined;
    const data = Buffer.concat(this.#captured);
    const inline = parseGoBuildInfo(data);
    if (inline || data.length < HEADER_SIZE || (data[15] as number) & FLAGS_VERSION_INLINE) return inline;
    return this.#legacy(data);
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

  /** Keeps the head of ELF files; anything else skips the pre-1.18 work from its 4th byte on. */
  #trackElf(chunk: Buffer, base: number): void {
    if (this.#notElf || base >= ELF_HEAD_BYTES) return;
    if (base === 0 && chunk.length >= ELF_MAGIC.length && chunk.compare(ELF_MAGIC, 0, 4, 0, 4) !== 0) {
      // Decided from the first chunk alone, without keeping anything (scripts, data files).
      this.#notElf = true;
      return;
    }
    const elf = (this.#elf ??= { head: [], headBytes: 0 });
    const piece = chunk.subarray(0, ELF_HEAD_BYTES - base);
    elf.head.push(Buffer.from(piece));
    elf.headBytes += piece.length;
    if (elf.headBytes >= ELF_MAGIC.length && base < ELF_MAGIC.length) {
      if (!joined(elf.head).subarray(0, ELF_MAGIC.length).equals(ELF_MAGIC)) {
        this.#notElf = true;
        this.#elf = undefined;
        return;
      }
    }
    // Decided once, when the head is complete: scanning every ELF file's bytes for the
    // pre-1.18 strings would cost as much as hashing them.
    if (elf.headBytes >= ELF_HEAD_BYTES) this.#goElf = hasGoBuildIdNote(joined(elf.head));
  }

  /** Candidate strings for the pre-1.18 format, and the string headers once the header is read. */
  #scanLegacy(chunk: Buffer, base: number): void {
    for (const capture of [...this.#versions, ...this.#modinfos, ...(this.#stringHeaders ?? [])]) {
      fill(capture, chunk, base);
    }
    // Patterns that start in the previous chunk's last bytes.
    const overlap = this.#scanTail;
    if (overlap.length > 0) {
      const joined = Buffer.concat([overlap, chunk.subarray(0, PATTERN_OVERLAP)]);
      this.#candidates(joined, base - overlap.length, overlap.length, chunk, base);
    }
    this.#candidates(chunk, base, chunk.length, chunk, base);
    this.#scanTail = Buffer.from(
      Buffer.concat([overlap, chunk.subarray(-PATTERN_OVERLAP)]).subarray(-PATTERN_OVERLAP),
    );
    if (!this.#stringHeaders && this.#captured && this.#capturedBytes >= HEADER_SIZE) {
      this.#locateHeaders();
      for (const capture of this.#stringHeaders ?? []) fill(capture, chunk, base);
    }
  }

  /**
   * Registers captures for pattern matches in `buffer` (at `bufferBase`) that start before
   * `limit`, then fills them from `chunk` (at `base`) onwards.
   */
  #candidates(buffer: Buffer, bufferBase: number, limit: number, chunk: Buffer, base: number): void {
    const add = (list: Capture[], max: number, pattern: Buffer, length: number, until?: Buffer): void => {
      for (let at = buffer.indexOf(pattern); at >= 0 && at < limit; at = buffer.indexOf(pattern, at + 1)) {
        if (list.length >= max) return;
        const offset = bufferBase + at;
        // Wholly inside the previous chunk: found there already.
        if (offset + pattern.length <= base) continue;
        const capture: Capture = { offset, length, parts: [], got: 0, ...(until ? { until } : {}) };
        if (offset < base) {
          // Its first bytes are in the previous chunk's tail.
          const head = buffer.subarray(at, base - bufferBase);
          capture.parts.push(Buffer.from(head));
          capture.got = head.length;
        }
        fill(capture, chunk, base);
        list.push(capture);
      }
    };
    add(this.#versions, MAX_VERSION_CANDIDATES, VERSION_PREFIX, VERSION_CAPTURE);
    add(this.#modinfos, MAX_MODINFO_CANDIDATES, MODINFO_START, MAX_STRING, MODINFO_END);
  }

  /** Reads the pre-1.18 header's two pointers and starts capturing the string headers they name. */
  #locateHeaders(): void {
    const data = Buffer.concat(this.#captured ?? []).subarray(0, HEADER_SIZE);
    const layout = legacyHeader(data);
    const head = this.#elf && Buffer.concat(this.#elf.head);
    this.#stringHeaders = [];
    if (!layout || !head) return;
    const segments = elfLoadSegments(head);
    for (const address of layout.pointers) {
      const offset = segments && fileOffset(segments, address);
      // Offsets already streamed past are read from the bytes kept after the magic, if at all.
      if (offset === undefined) continue;
      const capture: Capture = { offset, length: 2 * layout.ptrSize, parts: [], got: 0 };
      this.#stringHeaders.push(capture);
    }
  }

  #legacy(data: Buffer): GoBuildInfo | undefined {
    const layout = legacyHeader(data);
    const head = this.#elf && Buffer.concat(this.#elf.head);
    if (!layout || !head) return undefined;
    const segments = elfLoadSegments(head);
    if (!segments) return undefined;
    const bytesAt = (offset: number, length: number, from: readonly Capture[]): Buffer | undefined => {
      // From the bytes kept after the magic, or a capture that starts exactly there.
      const rel = offset - this.#magicOffset;
      if (rel >= 0 && rel + length <= data.length) return data.subarray(rel, rel + length);
      const capture = from.find((c) => c.offset === offset && c.got >= length);
      return capture ? Buffer.concat(capture.parts).subarray(0, length) : undefined;
    };
    const readString = (address: number, candidates: readonly Capture[]): Buffer | undefined => {
      const headerOffset = fileOffset(segments, address);
      if (headerOffset === undefined) return undefined;
      const header = bytesAt(headerOffset, 2 * layout.ptrSize, this.#stringHeaders ?? []);
      if (!header) return undefined;
      const pointer = layout.read(header, 0);
      const length = layout.read(header, layout.ptrSize);
      if (length === 0) return Buffer.alloc(0);
      if (length > MAX_STRING) return undefined;
      const offset = fileOffset(segments, pointer, length);
      return offset === undefined ? undefined : bytesAt(offset, length, candidates);
    };
    const version = readString(layout.pointers[0], this.#versions)?.toString('utf8');
    if (!version?.startsWith('go')) return undefined;
    let modinfo = readString(layout.pointers[1], this.#modinfos) ?? Buffer.alloc(0);
    if (modinfo.length >= 33 && modinfo[modinfo.length - 17] === 0x0a)
      modinfo = modinfo.subarray(16, modinfo.length - 16);
    return { goVersion: version, ...parseModInfo(modinfo.toString('utf8')) };
  }
}

function fill(capture: Capture, chunk: Buffer, base: number): void {
  if (capture.got >= capture.length) return;
  const start = capture.offset + capture.got;
  if (start < base || start >= base + chunk.length) return;
  const take = Math.min(capture.length - capture.got, base + chunk.length - start);
  capture.parts.push(Buffer.from(chunk.subarray(start - base, start - base + take)));
  capture.got += take;
  if (capture.until) {
    const all = Buffer.concat(capture.parts);
    const end = all.indexOf(capture.until, Math.max(0, capture.got - take - capture.until.length));
    if (end >= 0) {
      capture.length = end + capture.until.length;
      capture.parts.splice(0, capture.parts.length, all.subarray(0, capture.length));
      capture.got = capture.length;
    }
  }
}

interface LegacyHeader {
  readonly ptrSize: 4 | 8;
  readonly read: (buffer: Buffer, at: number) => number;
  readonly pointers: readonly [number, number];
}

/** The pre-1.18 header: pointer size at 14, flags at 15 (bit 0 big-endian), two pointers at 16. */
function legacyHeader(data: Buffer): LegacyHeader | undefined {
  if (data.length < HEADER_SIZE || !data.subarray(0, GO_BUILDINFO_MAGIC.length).equals(GO_BUILDINFO_MAGIC)) {
    return undefined;
  }
  const ptrSize = data[14];
  const flags = data[15] as number;
  if ((ptrSize !== 4 && ptrSize !== 8) || (flags & ~FLAGS_BIG_ENDIAN) !== 0) return undefined;
  const big = (flags & FLAGS_BIG_ENDIAN) !== 0;
  const read = (buffer: Buffer, at: number): number => {
    if (ptrSize === 4) return big ? buffer.readUInt32BE(at) : buffer.readUInt32LE(at);
    const value = big ? buffer.readBigUInt64BE(at) : buffer.readBigUInt64LE(at);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
  };
  return { ptrSize, read, pointers: [read(data, 16), read(data, 16 + ptrSize)] };
}

const PT_NOTE = 4;
const NOTE_GO_BUILDID = 4;

/**
 * Whether the ELF file's head holds Go's `.note.go.buildid` (owner `Go`, type 4), which the Go
 * linker writes into a PT_NOTE segment right after the ELF headers of every `go build` binary.
 */
export function hasGoBuildIdNote(head: Buffer): boolean {
  const table = elfProgramHeaders(head);
  if (!table) return false;
  for (const ph of table.headers) {
    if (ph.type !== PT_NOTE || ph.offset + ph.filesz > head.length) continue;
    let at = ph.offset;
    const end = ph.offset + ph.filesz;
    while (at + 12 <= end) {
      const namesz = table.u32(at);
      const descsz = table.u32(at + 4);
      const type = table.u32(at + 8);
      const name = at + 12;
      if (namesz > end - name) break;
      if (type === NOTE_GO_BUILDID && namesz === 3 && head.toString('latin1', name, name + 2) === 'Go')
        return true;
      if (namesz === 4 && type === NOTE_GO_BUILDID && head.toString('latin1', name, name + 3) === 'Go\0')
        return true;
      at = name + align4(namesz) + align4(descsz);
    }
  }
  return false;
}

/** The pieces as one buffer (the only piece itself, uncopied, when there is one). */
function joined(pieces: readonly Buffer[]): Buffer {
  return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

interface LoadSegment {
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
}

const PT_LOAD = 1;

interface ProgramHeader extends LoadSegment {
  readonly type: number;
}

/** The program header table of an ELF file from its head, with its byte order's u32 reader. */
function elfProgramHeaders(
  head: Buffer,
): { headers: ProgramHeader[]; u32: (at: number) => number } | undefined {
  if (head.length < 52 || !head.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
  const cls = head[4];
  const endian = head[5];
  if ((cls !== 1 && cls !== 2) || (endian !== 1 && endian !== 2)) return undefined;
  const is64 = cls === 2;
  const big = endian === 2;
  const u16 = (at: number): number => (big ? head.readUInt16BE(at) : head.readUInt16LE(at));
  const u32 = (at: number): number => (big ? head.readUInt32BE(at) : head.readUInt32LE(at));
  const u64 = (at: number): number => {
    const value = big ? head.readBigUInt64BE(at) : head.readBigUInt64LE(at);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
  };
  if (is64 && head.length < 64) return undefined;
  const phoff = is64 ? u64(32) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  if (phentsize < (is64 ? 56 : 32) || phoff + phnum * phentsize > head.length) return undefined;
  const headers: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    headers.push(
      is64
        ? { type: u32(at), offset: u64(at + 8), vaddr: u64(at + 16), filesz: u64(at + 32) }
        : { type: u32(at), offset: u32(at + 4), vaddr: u32(at + 8), filesz: u32(at + 16) },
    );
  }
  return { headers, u32 };
}

/**
 * The PT_LOAD program headers of an ELF file, from its head (ELF header + program header
 * table). Undefined when the table is not within `head` or the header is malformed.
 */
export function elfLoadSegments(head: Buffer): LoadSegment[] | undefined {
  return elfProgramHeaders(head)
    ?.headers.filter((h) => h.type === PT_LOAD)
    .map(({ offset, vaddr, filesz }) => ({ offset, vaddr, filesz }));
}

/** The file offset of `length` bytes at virtual address `address`, if one PT_LOAD segment holds them all. */
function fileOffset(segments: readonly LoadSegment[], address: number, length = 1): number | undefined {
  for (const s of segments) {
    if (address >= s.vaddr && address + length <= s.vaddr + s.filesz) return s.offset + (address - s.vaddr);
  }
  return undefined;
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

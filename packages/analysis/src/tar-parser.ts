import { AnalysisError } from './analysis-error.js';
import { normaliseEntryPath } from './entry-path.js';
import {
  BLOCK_SIZE,
  isZeroBlock,
  parsePaxNumber,
  parsePaxRecords,
  parseRawHeader,
  type RawTarHeader,
} from './tar-header.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** One tar member with every extension applied and its name normalised ({@link normaliseEntryPath}). */
export interface TarEntryHeader {
  /** Clean path relative to the root; `''` for the root directory itself. */
  readonly path: string;
  /** The name exactly as the archive spells it. */
  readonly rawPath: string;
  readonly type: TarEntryType;
  /** Permission bits incl. setuid/setgid/sticky (`& 0o7777`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Bytes of data that follow (only regular files carry data that means something). */
  readonly size: number;
  readonly mtime: number;
  /** Symlinks: the target verbatim. Hardlinks: the normalised path of the target. */
  readonly linkTarget?: string;
  readonly devMajor?: number;
  readonly devMinor?: number;
  /** From PAX `SCHILY.xattr.*` records, values as raw bytes. */
  readonly xattrs?: ReadonlyMap<string, Buffer>;
}

/** Receives the entries of a tar stream as it is parsed; data arrives in slices of the input. */
export interface TarVisitor {
  entry(header: TarEntryHeader): void;
  /** A slice of the current entry's data; valid only during the call. */
  data(chunk: Buffer): void;
  /** The current entry's data is complete. */
  entryEnd(): void;
}

export interface TarParserOptions {
  /** Members (extension headers included) before `too_many_entries`. */
  readonly maxEntries: number;
  /** Size cap of one PAX header or GNU long name/link. */
  readonly maxMetaHeaderBytes: number;
}

type State = 'header' | 'data' | 'meta' | 'padding' | 'afterZero' | 'ended';

interface PendingMeta {
  path?: string;
  linkpath?: string;
  records?: Map<string, Buffer>;
}

/**
 * A push-based streaming tar reader: call {@link write} with each chunk of the uncompressed
 * layer and {@link end} at EOF. It keeps at most one header block and one extension header in
 * memory, never an entry's data. Reads ustar, POSIX pax (local and global headers, binary-safe
 * `SCHILY.xattr.*`), GNU long names/links (`L`/`K`), base-256 numbers and old V7 headers.
 * GNU sparse files and multi-volume archives are refused with `unsupported_tar_entry`.
 */
export class TarParser {
  readonly #visitor: TarVisitor;
  readonly #options: TarParserOptions;
  #state: State = 'header';
  readonly #block = Buffer.alloc(BLOCK_SIZE);
  #blockFill = 0;
  #remaining = 0;
  #padding = 0;
  #metaType = '';
  #metaChunks: Buffer[] = [];
  #metaSize = 0;
  #pending: PendingMeta = {};
  #global = new Map<string, Buffer>();
  #entries = 0;
  #offset = 0;
  #inEntry = false;
  /** Whether the current data goes to the visitor (regular files only). */
  #forward = false;
  #dataSize = 0;

  constructor(visitor: TarVisitor, options: TarParserOptions) {
    this.#visitor = visitor;
    this.#options = options;
  }

  /** Number of members seen so far. */
  get entries(): number {
    return this.#entries;
  }

  /** True once the end-of-archive marker (two zero blocks) has been read. */
  get ended(): boolean {
    return this.#state === 'ended';
  }

  write(chunk: Buffer): void {
    let pos = 0;
    const length = chunk.length;
    while (pos < length) {
      switch (this.#state) {
        case 'header':
        case 'afterZero': {
          let block: Buffer;
          if (this.#blockFill === 0 && length - pos >= BLOCK_SIZE) {
            block = chunk.subarray(pos, pos + BLOCK_SIZE);
            pos += BLOCK_SIZE;
          } else {
            const take = Math.min(BLOCK_SIZE - this.#blockFill, length - pos);
            chunk.copy(this.#block, this.#blockFill, pos, pos + take);
            this.#blockFill += take;
            pos += take;
            if (this.#blockFill < BLOCK_SIZE) break;
            this.#blockFill = 0;
            block = this.#block;
          }
          this.#onBlock(block);
          this.#offset += BLOCK_SIZE;
          break;
        }
        case 'data': {
          const take = Math.min(this.#remaining, length - pos);
          if (this.#forward) this.#visitor.data(chunk.subarray(pos, pos + take));
          pos += take;
          this.#remaining -= take;
          this.#offset += take;
          if (this.#remaining === 0) this.#finishData();
          break;
        }
        case 'meta': {
          const take = Math.min(this.#remaining, length - pos);
          this.#metaChunks.push(Buffer.from(chunk.subarray(pos, pos + take)));
          pos += take;
          this.#remaining -= take;
          this.#offset += take;
          if (this.#remaining === 0) this.#finishMeta();
          break;
        }
        case 'padding': {
          const take = Math.min(this.#padding, length - pos);
          pos += take;
          this.#padding -= take;
          this.#offset += take;
          if (this.#padding === 0) this.#state = 'header';
          break;
        }
        case 'ended':
          // Whatever follows the end-of-archive marker (GNU tar pads to a 10 KiB record) is ignored.
          return;
      }
    }
  }

  /** Call at EOF: fails with `truncated_tar` when the stream stops inside a member. */
  end(): void {
    if (this.#state === 'ended') return;
    if (this.#state === 'header' && this.#blockFill === 0 && !this.#hasPendingMeta()) {
      // No end-of-archive marker: accepted, like Go's archive/tar does at a header boundary.
      this.#state = 'ended';
      return;
    }
    if (this.#state === 'afterZero' && this.#blockFill === 0) {
      this.#state = 'ended';
      return;
    }
    throw new AnalysisError(
      'truncated_tar',
      `the tar stream ends in the middle of a member (at byte ${this.#offset})`,
    );
  }

  #hasPendingMeta(): boolean {
    return (
      this.#pending.path !== undefined ||
      this.#pending.linkpath !== undefined ||
      this.#pending.records !== undefined
    );
  }

  #onBlock(block: Buffer): void {
    if (isZeroBlock(block)) {
      if (this.#state === 'afterZero') {
        this.#state = 'ended';
      } else {
        this.#state = 'afterZero';
      }
      return;
    }
    if (this.#state === 'afterZero') {
      throw new AnalysisError(
        'invalid_tar',
        `a lone zero block is followed by more data at byte ${this.#offset}: a corrupt tar stream`,
      );
    }
    if (++this.#entries > this.#options.maxEntries) {
      throw new AnalysisError(
        'too_many_entries',
        `the layer holds more than ${this.#options.maxEntries} tar entries (limits.maxEntries)`,
      );
    }
    const raw = parseRawHeader(block);
    switch (raw.typeflag) {
      case 'x':
      case 'g':
      case 'L':
      case 'K':
        return this.#startMeta(raw);
      case 'S':
        throw new AnalysisError(
          'unsupported_tar_entry',
          `GNU sparse file ${JSON.stringify(raw.name)} is not supported`,
        );
      case 'M':
      case 'N':
        throw new AnalysisError(
          'unsupported_tar_entry',
          `GNU ${raw.typeflag === 'M' ? 'multi-volume' : 'old long-name'} entry ${JSON.stringify(raw.name)} is not supported`,
        );
      case 'V':
        // A volume label: not a file.
        this.#pending = {};
        return this.#skipData(raw.size);
      default:
        return this.#emitEntry(raw);
    }
  }

  #startMeta(raw: RawTarHeader): void {
    if (raw.size > this.#options.maxMetaHeaderBytes) {
      throw new AnalysisError(
        'invalid_tar',
        `a tar extension header of ${raw.size} bytes exceeds limits.maxMetaHeaderBytes (${this.#options.maxMetaHeaderBytes})`,
      );
    }
    this.#metaType = raw.typeflag;
    this.#metaChunks = [];
    this.#metaSize = raw.size;
    this.#remaining = raw.size;
    if (raw.size === 0) this.#finishMeta();
    else this.#state = 'meta';
  }

  #finishMeta(): void {
    const data = Buffer.concat(this.#metaChunks, this.#metaSize);
    this.#metaChunks = [];
    switch (this.#metaType) {
      case 'x':
        this.#pending.records = parsePaxRecords(data);
        break;
      case 'g':
        for (const [key, value] of parsePaxRecords(data)) {
          if (value.length === 0) this.#global.delete(key);
          else this.#global.set(key, value);
        }
        break;
      case 'L':
        this.#pending.path = gnuLongString(data);
        break;
      case 'K':
        this.#pending.linkpath = gnuLongString(data);
        break;
    }
    this.#enterPadding(this.#metaSize);
  }

  #emitEntry(raw: RawTarHeader): void {
    const local = this.#pending.records;
    const pax = (key: string): Buffer | undefined => {
      const value = local?.get(key) ?? this.#global.get(key);
      return value === undefined || value.length === 0 ? undefined : value;
    };
    for (const key of [...(local?.keys() ?? []), ...this.#global.keys()]) {
      if (key.startsWith('GNU.sparse.')) {
        throw new AnalysisError(
          'unsupported_tar_entry',
          `GNU sparse file ${JSON.stringify(raw.name)} (PAX ${key}) is not supported`,
        );
      }
    }
    const paxPath = pax('path');
    const paxLink = pax('linkpath');
    const rawPath = paxPath ? paxPath.toString('utf8') : (this.#pending.path ?? raw.name);
    const rawLink = paxLink ? paxLink.toString('utf8') : (this.#pending.linkpath ?? raw.linkname);
    const paxSize = pax('size');
    const size = paxSize ? parsePaxNumber('size', paxSize) : raw.size;
    const paxUid = pax('uid');
    const paxGid = pax('gid');
    const paxMtime = pax('mtime');
    let xattrs: Map<string, Buffer> | undefined;
    for (const source of [this.#global, local]) {
      if (!source) continue;
      for (const [key, value] of source) {
        if (!key.startsWith('SCHILY.xattr.')) continue;
        xattrs ??= new Map();
        xattrs.set(key.slice('SCHILY.xattr.'.length), Buffer.from(value));
      }
    }
    this.#pending = {};

    let type: TarEntryType;
    switch (raw.typeflag) {
      case '0':
      case '\u0000':
      case '7':
        // V7 archives mark directories only by the trailing slash.
        type = raw.typeflag === '\u0000' && rawPath.endsWith('/') ? 'dir' : 'file';
        break;
      case '1':
        type = 'hardlink';
        break;
      case '2':
        type = 'symlink';
        break;
      case '3':
        type = 'char';
        break;
      case '4':
        type = 'block';
        break;
      case '5':
      case 'D':
        type = 'dir';
        break;
      case '6':
        type = 'fifo';
        break;
      default:
        // moby's archive package fails on unknown types too ("unhandled tar header type").
        throw new AnalysisError(
          'unsupported_tar_entry',
          `tar entry ${JSON.stringify(rawPath)} has unknown type ${JSON.stringify(raw.typeflag)}`,
        );
    }
    const path = normaliseEntryPath(rawPath);
    let linkTarget: string | undefined;
    if (type === 'hardlink') linkTarget = normaliseEntryPath(rawLink, `hardlink target of ${rawPath}:`);
    else if (type === 'symlink') {
      if (rawLink.includes('\u0000')) {
        throw new AnalysisError(
          'hostile_path',
          `symlink ${JSON.stringify(rawPath)} has a target containing a NUL byte`,
        );
      }
      linkTarget = rawLink;
    }
    const header: TarEntryHeader = {
      path,
      rawPath,
      type,
      mode: raw.mode & 0o7777,
      uid: paxUid ? parsePaxNumber('uid', paxUid) : raw.uid,
      gid: paxGid ? parsePaxNumber('gid', paxGid) : raw.gid,
      size: type === 'file' ? size : 0,
      mtime: paxMtime ? parsePaxNumber('mtime', paxMtime, true) : raw.mtime,
      ...(linkTarget === undefined ? {} : { linkTarget }),
      ...(type === 'char' || type === 'block' ? { devMajor: raw.devMajor, devMinor: raw.devMinor } : {}),
      ...(xattrs ? { xattrs } : {}),
    };
    this.#visitor.entry(header);
    this.#inEntry = true;
    this.#forward = type === 'file';
    // Only regular files have meaningful data, but whatever a header declares is skipped (a GNU
    // dumpdir 'D' lists names; some writers store data after hardlinks).
    this.#remaining = size;
    this.#dataSize = size;
    if (size === 0) this.#finishData();
    else this.#state = 'data';
  }

  #finishData(): void {
    if (this.#inEntry) {
      this.#inEntry = false;
      this.#visitor.entryEnd();
    }
    this.#forward = false;
    this.#enterPadding(this.#dataSize);
  }

  #skipData(size: number): void {
    this.#inEntry = false;
    this.#forward = false;
    this.#remaining = size;
    this.#dataSize = size;
    if (size === 0) this.#enterPadding(0);
    else this.#state = 'data';
  }

  #enterPadding(size: number): void {
    this.#padding = (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;
    this.#state = this.#padding === 0 ? 'header' : 'padding';
  }
}

/** GNU `L`/`K` data is the name followed by a NUL (and sometimes more NULs). */
function gnuLongString(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.toString('utf8', 0, nul < 0 ? data.length : nul);
}

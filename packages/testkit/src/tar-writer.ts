/**
 * A deterministic tar encoder, written out because layer fixtures need exact control over
 * every header: tar-stream cannot put binary values (such as `security.capability`) into PAX
 * records, since it builds them as UTF-8 strings.
 *
 * The format is POSIX.1-2001 pax (IEEE Std 1003.1, "pax Interchange Format"), written the way
 * Go's archive/tar (and therefore Docker and BuildKit) writes it: a plain ustar header when every
 * field fits, the ustar `prefix` field for names up to 255 bytes that split at a '/', and an
 * extended header (typeflag 'x') for anything else: longer or non-ASCII names and link targets,
 * large ids, sizes or times, and `SCHILY.xattr.*` extended attributes.
 */

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarEntry {
  /** Written as given (directories get a trailing '/'); no normalisation, so tests can write hostile paths. */
  readonly name: string;
  readonly type: TarEntryType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  readonly content?: Uint8Array;
  readonly linkname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
  readonly xattrs?: Readonly<Record<string, string | Uint8Array>>;
}

const BLOCK = 512;
const TYPEFLAGS: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

/**
 * Encodes entries, in the order given, into a complete tar archive (ending with two zero blocks).
 *
 * @example
 * const tar = encodeTar([{ name: 'etc/', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 }]);
 */
export function encodeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) parts.push(...encodeEntry(entry));
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** The header blocks, data and padding of one entry. */
export function encodeEntry(entry: TarEntry): Buffer[] {
  const name = entry.type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  const content = entry.type === 'file' ? (entry.content ?? new Uint8Array()) : new Uint8Array();
  const linkname = entry.linkname ?? '';
  const pax: [string, Buffer][] = [];

  const split = splitUstarName(name);
  if (!split) pax.push(['path', Buffer.from(name, 'utf8')]);
  if (!fitsUstar(linkname, 100)) pax.push(['linkpath', Buffer.from(linkname, 'utf8')]);
  const numeric = (key: string, value: number, digits: number): number => {
    if (Number.isInteger(value) && value >= 0 && value < 8 ** digits) return value;
    pax.push([key, Buffer.from(String(value))]);
    return 0;
  };
  const uid = numeric('uid', entry.uid, 7);
  const gid = numeric('gid', entry.gid, 7);
  const size = numeric('size', content.byteLength, 11);
  const mtime = numeric('mtime', entry.mtime, 11);
  for (const [key, value] of Object.entries(entry.xattrs ?? {})) {
    pax.push([
      `SCHILY.xattr.${key}`,
      typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value),
    ]);
  }

  const blocks: Buffer[] = [];
  if (pax.length > 0) {
    const records = Buffer.concat(pax.map(([key, value]) => paxRecord(key, value)));
    blocks.push(
      header({
        name: paxHeaderName(name),
        prefix: '',
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: records.byteLength,
        mtime,
        typeflag: 'x',
        linkname: '',
        devmajor: 0,
        devminor: 0,
      }),
      records,
      padding(records.byteLength),
    );
  }
  blocks.push(
    header({
      name: split ? split.name : asciiPrefix(name, 100),
      prefix: split ? split.prefix : '',
      mode: entry.mode,
      uid,
      gid,
      size,
      mtime,
      typeflag: TYPEFLAGS[entry.type],
      linkname: fitsUstar(linkname, 100) ? linkname : asciiPrefix(linkname, 100),
      devmajor: entry.devmajor ?? 0,
      devminor: entry.devminor ?? 0,
    }),
  );
  if (content.byteLength > 0) blocks.push(Buffer.from(content), padding(content.byteLength));
  return blocks;
}

interface HeaderFields {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}

function header(fields: HeaderFields): Buffer {
  const buf = Buffer.alloc(BLOCK);
  buf.write(fields.name, 0, 100, 'latin1');
  octal(buf, 100, 8, fields.mode & 0o7777);
  octal(buf, 108, 8, fields.uid);
  octal(buf, 116, 8, fields.gid);
  octal(buf, 124, 12, fields.size);
  octal(buf, 136, 12, fields.mtime);
  buf.write(' '.repeat(8), 148, 8, 'latin1');
  buf.write(fields.typeflag, 156, 1, 'latin1');
  buf.write(fields.linkname, 157, 100, 'latin1');
  buf.write('ustar\u000000', 257, 8, 'latin1');
  // uname and gname stay empty, as with `tar --numeric-owner`.
  octal(buf, 329, 8, fields.devmajor);
  octal(buf, 337, 8, fields.devminor);
  buf.write(fields.prefix, 345, 155, 'latin1');
  let sum = 0;
  for (const byte of buf) sum += byte;
  // Six octal digits, NUL, space: the traditional layout every reader accepts.
  buf.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return buf;
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, width, 'latin1');
}

function padding(length: number): Buffer {
  return Buffer.alloc((BLOCK - (length % BLOCK)) % BLOCK);
}

/** `"%d %s=%s\n"` where the decimal length counts the whole record, itself included. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  let length = body.byteLength + 1;
  while (String(length).length + body.byteLength !== length) length = String(length).length + body.byteLength;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

function fitsUstar(text: string, max: number): boolean {
  return isAscii(text) && text.length <= max;
}

/** ustar fields hold NUL-free ASCII; anything else goes to PAX (UTF-8). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0 || code > 0x7f) return false;
  }
  return true;
}

/** Splits into ustar prefix (≤155) and name (≤100) at a '/', as Go's archive/tar does; undefined if impossible. */
function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (!isAscii(name)) return undefined;
  if (name.length <= 100) return { prefix: '', name };
  if (name.length > 256) return undefined;
  let index = name.lastIndexOf('/', 155);
  while (index > 0) {
    const rest = name.slice(index + 1);
    if (rest.length > 100) return undefined;
    if (rest.length > 0) return { prefix: name.slice(0, index), name: rest };
    index = name.lastIndexOf('/', index - 1);
  }
  return undefined;
}

function asciiPrefix(text: string, max: number): string {
  return [...text]
    .map((char) => (isAscii(char) ? char : '_'))
    .join('')
    .slice(0, max);
}

function paxHeaderName(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const dir = slash >= 0 ? trimmed.slice(0, slash) : '.';
  const base = slash >= 0 ? trimmed.slice(slash + 1) : trimmed;
  return asciiPrefix(`${dir}/PaxHeaders.0/${base}`, 100);
}

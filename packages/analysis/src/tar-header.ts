import { AnalysisError } from './analysis-error.js';

/**
 * Decoding of the fixed 512-byte tar header and of PAX extended header records, following
 * POSIX.1-2001 (IEEE Std 1003.1, "pax Interchange Format") and the GNU extensions that Docker,
 * BuildKit and GNU tar actually write (base-256 numbers, `L`/`K` long names).
 */

export const BLOCK_SIZE = 512;

/** What a raw header block says, before PAX and GNU long-name overrides are applied. */
export interface RawTarHeader {
  readonly name: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly typeflag: string;
  readonly linkname: string;
  readonly devMajor: number;
  readonly devMinor: number;
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK_SIZE; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * Parses one header block. The checksum is verified (both the unsigned sum POSIX requires and
 * the signed sum some historic writers produced are accepted).
 */
export function parseRawHeader(block: Buffer): RawTarHeader {
  verifyChecksum(block);
  const magic = block.toString('latin1', 257, 263);
  const typeflag = block[156] === 0 ? '\u0000' : String.fromCharCode(block[156] as number);
  let name = cString(block, 0, 100);
  // POSIX ustar ("ustar\0" + "00") splits long names into prefix + '/' + name. GNU's
  // "ustar  \0" magic uses those bytes for atime/ctime instead, so the prefix is never read there.
  if (magic === 'ustar\u0000') {
    const prefix = cString(block, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: parseNumeric(block, 100, 8, 'mode'),
    uid: parseNumeric(block, 108, 8, 'uid'),
    gid: parseNumeric(block, 116, 8, 'gid'),
    size: parseNumeric(block, 124, 12, 'size'),
    mtime: parseNumeric(block, 136, 12, 'mtime'),
    typeflag,
    linkname: cString(block, 157, 100),
    devMajor: parseNumeric(block, 329, 8, 'devmajor'),
    devMinor: parseNumeric(block, 337, 8, 'devminor'),
  };
}

function verifyChecksum(block: Buffer): void {
  const stored = parseNumeric(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new AnalysisError(
      'invalid_tar',
      `tar header checksum mismatch (stored ${stored}, computed ${unsigned}): not a tar stream, or a corrupt one`,
    );
  }
}

/** A NUL-terminated (or field-filling) string; tar names are UTF-8 in practice. */
function cString(block: Buffer, offset: number, length: number): string {
  let end = offset;
  const limit = offset + length;
  while (end < limit && block[end] !== 0) end++;
  return block.toString('utf8', offset, end);
}

/**
 * A numeric header field: octal digits padded with spaces or NULs, or GNU base-256 (the high
 * bit of the first byte set) for values that do not fit, as Go's archive/tar writes large sizes
 * and ids. Negative base-256 values are refused.
 */
export function parseNumeric(block: Buffer, offset: number, length: number, field: string): number {
  const first = block[offset] as number;
  if (first & 0x80) {
    if (first === 0xff) throw new AnalysisError('invalid_tar', `negative base-256 tar ${field} field`);
    let value = first & 0x7f;
    for (let i = offset + 1; i < offset + length; i++) {
      value = value * 256 + (block[i] as number);
      if (!Number.isSafeInteger(value)) {
        throw new AnalysisError('invalid_tar', `tar ${field} field is too large`);
      }
    }
    return value;
  }
  let i = offset;
  const end = offset + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i] as number;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) {
      throw new AnalysisError(
        'invalid_tar',
        `tar ${field} field ${JSON.stringify(block.toString('latin1', offset, end))} is not an octal number`,
      );
    }
    value = value * 8 + (c - 0x30);
    digits++;
  }
  if (digits === 0) return 0;
  // Anything after the terminator must be padding.
  for (; i < end; i++) {
    const c = block[i];
    if (c !== 0x20 && c !== 0) {
      throw new AnalysisError('invalid_tar', `tar ${field} field has trailing garbage`);
    }
  }
  return value;
}

/**
 * PAX extended header records (`"%d %s=%s\n"`, the length counting the whole record). Values
 * stay bytes: `SCHILY.xattr.security.capability` is binary and must not pass through UTF-8.
 */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    // Some writers pad the header data with NULs.
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    if (space < 0 || space - pos > 20) throw new AnalysisError('invalid_tar', 'malformed PAX record length');
    const lengthText = data.toString('latin1', pos, space);
    if (!/^[0-9]+$/.test(lengthText)) throw new AnalysisError('invalid_tar', 'malformed PAX record length');
    const length = Number(lengthText);
    const end = pos + length;
    if (length <= space - pos + 1 || end > data.length || data[end - 1] !== 0x0a) {
      throw new AnalysisError('invalid_tar', `PAX record at offset ${pos} has an invalid length`);
    }
    const eq = data.indexOf(0x3d, space + 1);
    if (eq < 0 || eq >= end - 1) {
      throw new AnalysisError('invalid_tar', `PAX record at offset ${pos} has no key=value`);
    }
    records.set(data.toString('utf8', space + 1, eq), data.subarray(eq + 1, end - 1));
    pos = end;
  }
  return records;
}

/** A PAX numeric value (`size`, `uid`, `gid`); `mtime` may carry a fraction. */
export function parsePaxNumber(key: string, value: Buffer, allowFraction = false): number {
  const text = value.toString('latin1');
  const pattern = allowFraction ? /^-?[0-9]+(\.[0-9]+)?$/ : /^[0-9]+$/;
  const n = Number(text);
  if (!pattern.test(text) || !Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) {
    throw new AnalysisError('invalid_tar', `PAX ${key} value ${JSON.stringify(text)} is not a valid number`);
  }
  return allowFraction ? Math.floor(n) : n;
}

import { RpmDatabaseError } from './rpm-error.js';

/**
 * rpm's header structure as the package database stores it (rpm `lib/header.c`, "Package
 * Headers" in the rpm file-format docs): a big-endian count of index entries `il` and of data
 * bytes `dl`, `il` 16-byte entries `{tag, type, offset, count}`, then the data store. Every
 * entry is checked against the data store before it is read.
 */

export interface RpmPackage {
  readonly name: string;
  readonly version: string;
  readonly release: string;
  /** Absent when the package has none (rpm treats that as 0 when comparing). */
  readonly epoch?: number;
  /** `x86_64`, `noarch`…; absent for pseudo packages such as `gpg-pubkey`. */
  readonly arch?: string;
  readonly license?: string;
  readonly sourceRpm?: string;
  readonly vendor?: string;
  /** Installed size in bytes (`LONGSIZE`, else `SIZE`). */
  readonly size?: number;
}

/** Tag numbers (rpm `include/rpm/rpmtag.h`). */
export const RpmTag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  LONGSIZE: 5009,
} as const;

const TYPE_NULL = 0;
const TYPE_CHAR = 1;
const TYPE_INT8 = 2;
const TYPE_INT16 = 3;
const TYPE_INT32 = 4;
const TYPE_INT64 = 5;
const TYPE_STRING = 6;
const TYPE_BIN = 7;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;
/** rpm's `HEADER_TAGS_MAX` and `HEADER_DATA_MAX`. */
const MAX_ENTRIES = 0xffff;
const MAX_DATA = 0x0fffffff;
const ENTRY_SIZE = 16;

interface Entry {
  readonly tag: number;
  readonly type: number;
  readonly offset: number;
  readonly count: number;
}

/**
 * Reads one header blob (a row of rpm's `Packages` table) into the fields a profile uses.
 * Throws {@link RpmDatabaseError} for a blob that is truncated or whose entries point outside
 * its data store.
 *
 * @example
 * parseRpmHeader(blob); // { name: 'bash', version: '5.2.26', release: '3.fc40', arch: 'x86_64', … }
 */
export function parseRpmHeader(blob: Buffer): RpmPackage {
  if (blob.length < 8) throw bad(`a header needs 8 bytes, the blob has ${blob.length}`);
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il < 1 || il > MAX_ENTRIES) throw bad(`index entry count ${il} is outside 1..${MAX_ENTRIES}`);
  if (dl > MAX_DATA) throw bad(`data store size ${dl} exceeds ${MAX_DATA}`);
  const storeAt = 8 + il * ENTRY_SIZE;
  if (storeAt + dl > blob.length) {
    throw bad(`${il} entries and ${dl} data bytes need ${storeAt + dl} bytes, the blob has ${blob.length}`);
  }
  const store = blob.subarray(storeAt, storeAt + dl);
  const entries = new Map<number, Entry>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * ENTRY_SIZE;
    const entry: Entry = {
      tag: blob.readUInt32BE(at),
      type: blob.readUInt32BE(at + 4),
      offset: blob.readInt32BE(at + 8),
      count: blob.readUInt32BE(at + 12),
    };
    checkEntry(entry, i, dl);
    if (!entries.has(entry.tag)) entries.set(entry.tag, entry);
  }
  const str = (tag: number): string | undefined => readString(store, entries.get(tag));
  const num = (tag: number): number | undefined => readNumber(store, entries.get(tag));
  const name = str(RpmTag.NAME);
  if (name === undefined || name === '') throw bad('the header has no NAME tag');
  const epoch = num(RpmTag.EPOCH);
  const arch = str(RpmTag.ARCH);
  const license = str(RpmTag.LICENSE);
  const sourceRpm = str(RpmTag.SOURCERPM);
  const vendor = str(RpmTag.VENDOR);
  const size = num(RpmTag.LONGSIZE) ?? num(RpmTag.SIZE);
  return {
    name,
    version: str(RpmTag.VERSION) ?? '',
    release: str(RpmTag.RELEASE) ?? '',
    ...(epoch === undefined ? {} : { epoch }),
    ...(arch ? { arch } : {}),
    ...(license ? { license } : {}),
    ...(sourceRpm ? { sourceRpm } : {}),
    ...(vendor ? { vendor } : {}),
    ...(size === undefined ? {} : { size }),
  };
}

function bad(message: string): RpmDatabaseError {
  return new RpmDatabaseError(`invalid rpm header: ${message}`);
}

const FIXED_SIZE: Record<number, number> = {
  [TYPE_NULL]: 0,
  [TYPE_CHAR]: 1,
  [TYPE_INT8]: 1,
  [TYPE_INT16]: 2,
  [TYPE_INT32]: 4,
  [TYPE_INT64]: 8,
  [TYPE_BIN]: 1,
};

/** Type known, offset inside the store, fixed-size data (count × size) inside the store. */
function checkEntry(entry: Entry, index: number, dl: number): void {
  const where = `entry ${index} (tag ${entry.tag})`;
  if (entry.type > TYPE_I18NSTRING) throw bad(`${where} has unknown type ${entry.type}`);
  if (entry.offset < 0 || entry.offset > dl) {
    throw bad(`${where} points at offset ${entry.offset}, outside the ${dl}-byte data store`);
  }
  if (entry.count > MAX_DATA) throw bad(`${where} has count ${entry.count}`);
  const size = FIXED_SIZE[entry.type];
  if (size !== undefined && entry.offset + size * entry.count > dl) {
    throw bad(`${where} holds ${entry.count} × ${size} bytes past the end of the data store`);
  }
}

/** STRING, or the first of a STRING_ARRAY / I18NSTRING (the C locale's translation). */
function readString(store: Buffer, entry: Entry | undefined): string | undefined {
  if (!entry) return undefined;
  if (entry.type !== TYPE_STRING && entry.type !== TYPE_STRING_ARRAY && entry.type !== TYPE_I18NSTRING) {
    throw bad(`tag ${entry.tag} is of type ${entry.type}, not a string`);
  }
  if (entry.count < 1) throw bad(`tag ${entry.tag} holds no string`);
  const end = store.indexOf(0, entry.offset);
  if (end < 0) throw bad(`the string of tag ${entry.tag} at offset ${entry.offset} has no terminating NUL`);
  return store.toString('utf8', entry.offset, end);
}

/** The first value of an integer tag. */
function readNumber(store: Buffer, entry: Entry | undefined): number | undefined {
  if (!entry) return undefined;
  if (entry.count < 1) throw bad(`tag ${entry.tag} holds no number`);
  switch (entry.type) {
    case TYPE_INT8:
    case TYPE_CHAR:
      return store.readUInt8(entry.offset);
    case TYPE_INT16:
      return store.readUInt16BE(entry.offset);
    case TYPE_INT32:
      return store.readUInt32BE(entry.offset);
    case TYPE_INT64:
      return Number(store.readBigUInt64BE(entry.offset));
    default:
      throw bad(`tag ${entry.tag} is of type ${entry.type}, not an integer`);
  }
}

import { RpmDatabaseError } from './rpm-error.js';

/**
 * A small read-only reader of SQLite database files (sqlite.org "Database File Format"), just
 * enough to list the rows of one table: the 100-byte header, table b-tree pages (interior and
 * leaf), overflow page chains and the record format. It reads a file held in memory, never
 * touches the disk and never runs SQL, so a hostile file can only produce an error: every
 * offset is bounds-checked, page cycles are detected and the work is bounded by the file size.
 *
 * The write-ahead log (`-wal`) is not read: rpm checkpoints it when it closes the database, so
 * images carry an empty one.
 */

export type SqliteValue = null | number | string | Buffer;

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_SIZE = 100;
const LEAF_TABLE = 0x0d;
const INTERIOR_TABLE = 0x05;
/** SQLite's own limit on b-tree depth (`BTCURSOR_MAX_DEPTH`). */
const MAX_DEPTH = 20;

interface Geometry {
  readonly data: Buffer;
  readonly pageSize: number;
  readonly usable: number;
  readonly pageCount: number;
}

/**
 * Every row of table `name` (as its `CREATE TABLE` declares the columns; an `INTEGER PRIMARY
 * KEY` column reads as null, as it is stored), in rowid order. Undefined when there is no such
 * table. Throws {@link RpmDatabaseError} naming the problem for anything malformed.
 *
 * @example
 * const rows = readSqliteTable(buffer, 'Packages'); // [[null, <Buffer …>], …]
 */
export function readSqliteTable(data: Buffer, name: string): SqliteValue[][] | undefined {
  const geometry = parseHeader(data);
  let rootPage: number | undefined;
  for (const row of tableRows(geometry, 1)) {
    if (row[0] === 'table' && row[1] === name) {
      if (typeof row[3] !== 'number') throw corrupt(`sqlite_master row of table ${name} has no root page`);
      rootPage = row[3];
      break;
    }
  }
  return rootPage === undefined ? undefined : [...tableRows(geometry, rootPage)];
}

function parseHeader(data: Buffer): Geometry {
  if (data.length < HEADER_SIZE || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new RpmDatabaseError('not an SQLite 3 database (no "SQLite format 3" header)');
  }
  const raw = data.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw corrupt(`page size ${raw} is not a power of two between 512 and 65536`);
  }
  const usable = pageSize - (data[20] as number);
  if (usable < 480) throw corrupt(`usable page size ${usable} is below 480`);
  if (data.length < pageSize) throw corrupt(`the file (${data.length} bytes) is shorter than one page`);
  const encoding = data.readUInt32BE(56);
  if (encoding > 1) throw new RpmDatabaseError(`SQLite text encoding ${encoding} (UTF-16) is not supported`);
  return { data, pageSize, usable, pageCount: Math.floor(data.length / pageSize) };
}

function corrupt(message: string): RpmDatabaseError {
  return new RpmDatabaseError(`corrupt SQLite database: ${message}`);
}

function pageStart(g: Geometry, page: number): number {
  if (!Number.isInteger(page) || page < 1 || page > g.pageCount) {
    throw corrupt(`page number ${page} is outside the file's ${g.pageCount} pages`);
  }
  return (page - 1) * g.pageSize;
}

/** Decoded records of a table b-tree, depth first (rowid order). */
function* tableRows(g: Geometry, root: number): Generator<SqliteValue[]> {
  const visited = new Set<number>();
  const stack: { page: number; depth: number }[] = [{ page: root, depth: 0 }];
  while (stack.length > 0) {
    const { page, depth } = stack.pop() as { page: number; depth: number };
    if (depth > MAX_DEPTH) throw corrupt(`b-tree deeper than ${MAX_DEPTH} levels at page ${page}`);
    if (visited.has(page)) throw corrupt(`page ${page} is reached twice (a cycle in the b-tree)`);
    visited.add(page);
    const start = pageStart(g, page);
    const headerAt = start + (page === 1 ? HEADER_SIZE : 0);
    const end = start + g.usable;
    const type = g.data[headerAt] as number;
    if (type !== LEAF_TABLE && type !== INTERIOR_TABLE) {
      throw corrupt(`page ${page} is not a table b-tree page (type 0x${type.toString(16)})`);
    }
    const headerSize = type === LEAF_TABLE ? 8 : 12;
    const cellCount = g.data.readUInt16BE(headerAt + 3);
    const pointers = headerAt + headerSize;
    if (pointers + 2 * cellCount > end) throw corrupt(`page ${page}: ${cellCount} cells overflow the page`);
    const cellAt = (i: number): number => {
      const offset = start + g.data.readUInt16BE(pointers + 2 * i);
      if (offset < pointers + 2 * cellCount || offset >= end) {
        throw corrupt(`page ${page}: cell ${i} points outside the cell content area`);
      }
      return offset;
    };
    if (type === INTERIOR_TABLE) {
      // Children are pushed right to left so that they pop in key order.
      const rightMost = g.data.readUInt32BE(headerAt + 8);
      stack.push({ page: rightMost, depth: depth + 1 });
      for (let i = cellCount - 1; i >= 0; i--) {
        const at = cellAt(i);
        if (at + 4 > end) throw corrupt(`page ${page}: cell ${i} is truncated`);
        stack.push({ page: g.data.readUInt32BE(at), depth: depth + 1 });
      }
      continue;
    }
    for (let i = 0; i < cellCount; i++) {
      yield decodeRecord(leafPayload(g, page, cellAt(i), end, visited), page);
    }
  }
}

/** A table leaf cell's payload, following its overflow chain. */
function leafPayload(g: Geometry, page: number, at: number, end: number, visited: Set<number>): Buffer {
  const size = varint(g.data, at, end, page);
  const rowid = varint(g.data, at + size.length, end, page);
  const payloadAt = at + size.length + rowid.length;
  const total = size.value;
  if (total > g.data.length) {
    throw corrupt(`page ${page}: a ${total}-byte record cannot fit in a ${g.data.length}-byte file`);
  }
  const u = g.usable;
  const maxLocal = u - 35;
  let local = total;
  if (total > maxLocal) {
    const minLocal = Math.floor(((u - 12) * 32) / 255) - 23;
    const k = minLocal + ((total - minLocal) % (u - 4));
    local = k <= maxLocal ? k : minLocal;
  }
  if (payloadAt + local > end) throw corrupt(`page ${page}: a cell's payload runs past the page`);
  if (local === total) return g.data.subarray(payloadAt, payloadAt + total);
  if (payloadAt + local + 4 > end)
    throw corrupt(`page ${page}: a cell's overflow pointer runs past the page`);
  const parts: Buffer[] = [g.data.subarray(payloadAt, payloadAt + local)];
  let remaining = total - local;
  let next = g.data.readUInt32BE(payloadAt + local);
  while (remaining > 0) {
    if (next === 0) throw corrupt(`page ${page}: an overflow chain ends ${remaining} bytes early`);
    if (visited.has(next)) throw corrupt(`overflow page ${next} is reached twice`);
    visited.add(next);
    const start = pageStart(g, next);
    const take = Math.min(remaining, u - 4);
    parts.push(g.data.subarray(start + 4, start + 4 + take));
    remaining -= take;
    next = g.data.readUInt32BE(start);
  }
  return Buffer.concat(parts, total);
}

/** SQLite's big-endian varint: 1 to 9 bytes, the ninth contributing all 8 bits. */
function varint(data: Buffer, at: number, end: number, page: number): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= end) throw corrupt(`page ${page}: a varint runs past the page`);
    const byte = data[at + i] as number;
    if (i === 8) return { value: value * 256 + byte, length: 9 };
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return { value, length: i + 1 };
  }
  return { value, length: 9 };
}

/** The record format: a header of serial types, then the values. */
function decodeRecord(payload: Buffer, page: number): SqliteValue[] {
  const headerSize = varint(payload, 0, payload.length, page);
  if (headerSize.value > payload.length || headerSize.value < headerSize.length) {
    throw corrupt(`page ${page}: a record header of ${headerSize.value} bytes does not fit its record`);
  }
  const types: number[] = [];
  for (let at = headerSize.length; at < headerSize.value;) {
    const t = varint(payload, at, headerSize.value, page);
    types.push(t.value);
    at += t.length;
  }
  const values: SqliteValue[] = [];
  let at = headerSize.value;
  for (const type of types) {
    const size = serialSize(type, page);
    if (at + size > payload.length) throw corrupt(`page ${page}: a record's values run past its end`);
    values.push(serialValue(payload, at, type, size));
    at += size;
  }
  return values;
}

const INT_SIZES = [0, 1, 2, 3, 4, 6, 8];

function serialSize(type: number, page: number): number {
  if (type <= 6) return INT_SIZES[type] as number;
  if (type === 7) return 8;
  if (type === 8 || type === 9) return 0;
  if (type >= 12) return Math.floor((type - 12) / 2);
  throw corrupt(`page ${page}: reserved serial type ${type}`);
}

function serialValue(payload: Buffer, at: number, type: number, size: number): SqliteValue {
  if (type === 0) return null;
  if (type === 8) return 0;
  if (type === 9) return 1;
  if (type === 7) return payload.readDoubleBE(at);
  if (type <= 6) return size === 8 ? Number(payload.readBigInt64BE(at)) : payload.readIntBE(at, size);
  const bytes = payload.subarray(at, at + size);
  return type % 2 === 0 ? bytes : bytes.toString('utf8');
}

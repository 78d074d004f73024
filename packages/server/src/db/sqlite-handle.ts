import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';

const handles = new WeakMap<object, SQLite.Database>();

/** Records the better-sqlite3 connection behind a Kysely instance (see {@link sqliteHandleOf}). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function rememberSqliteHandle(db: Kysely<any>, handle: SQLite.Database): void {
  handles.set(db, handle);
}

/**
 * The better-sqlite3 connection behind a Kysely instance opened by {@link openSqliteDatabase}
 * (undefined for PostgreSQL), for the few bulk writes where a statement prepared once and run
 * per row is several times cheaper than anything Kysely compiles per call. The connection is
 * the only one, so a statement run inside a Kysely transaction's callback belongs to it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sqliteHandleOf(db: Kysely<any>): SQLite.Database | undefined {
  return handles.get(db);
}

import { PostgresAdapter, type Kysely } from 'kysely';

/** The two database engines Berth runs on: the embedded default and the scale-out one. */
export type Engine = 'sqlite' | 'postgres';

/** Which engine a Kysely instance (or transaction) talks to, for the few statements that differ. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function engineOf(db: Kysely<any>): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

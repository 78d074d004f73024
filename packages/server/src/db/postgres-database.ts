import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { ConfigError } from '../config.js';
import type { Schema } from './schema.js';
import type { OpenedDatabase } from './sqlite-database.js';

/** The URL without its password, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

const INT8_OID = 20;

/**
 * `bigint` columns and `count(*)` come back as numbers (sizes and counts stay far below 2^53),
 * as they do from SQLite, instead of node-postgres's default strings.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format ?? 'text') as unknown)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOptions {
  /** Connections in this process's pool (default 10). */
  readonly poolSize?: number;
}

/**
 * The scale-out database: PostgreSQL through a node-postgres pool, shared by every `berth serve`
 * and `berth worker` process. Connection problems surface with the URL's password removed.
 */
export async function openPostgresDatabase(
  url: string,
  options: PostgresOptions = {},
): Promise<OpenedDatabase> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      'BERTH_DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)',
    );
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol))
    throw new ConfigError('BERTH_DATABASE_URL must start with postgres:// or postgresql://');
  if (parsed.pathname.length <= 1)
    throw new ConfigError(
      `BERTH_DATABASE_URL ${redactDatabaseUrl(url)} names no database (add /DATABASE to the URL)`,
    );
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'berth',
  });
  // An idle client whose server went away (restart, failover) must not crash the process;
  // the pool drops it and the next query opens a new connection.
  pool.on('error', () => undefined);
  // The same for a client in use (a transaction) when the server goes away: its query fails
  // with the error; the 'error' event must not also crash the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (cause) {
    await db.destroy().catch(() => undefined);
    const message = (cause as Error).message.replaceAll(parsed.password || '\u0000', '***');
    throw new ConfigError(`cannot connect to the database ${redactDatabaseUrl(url)}: ${message}`);
  }
  return {
    db,
    engine: 'postgres',
    path: redactDatabaseUrl(url),
    // PostgreSQL keeps deleted row versions until VACUUM: reclaim them now so the secret's
    // ciphertext does not linger in the table's pages (WAL and backups are the operator's).
    afterSensitiveDelete: async () => {
      await sql`vacuum secrets, connectors`.execute(db);
    },
  };
}

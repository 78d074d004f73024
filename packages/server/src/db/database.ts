import type { ServerConfig } from '../config.js';
import { openPostgresDatabase, type PostgresOptions } from './postgres-database.js';
import { openSqliteDatabase, type OpenedDatabase } from './sqlite-database.js';

/**
 * The database of this deployment: PostgreSQL when `BERTH_DATABASE_URL` is set (several
 * processes share it), else the embedded SQLite file in the data directory.
 */
export async function openDatabase(
  config: Pick<ServerConfig, 'dataDir' | 'databaseUrl'>,
  options: PostgresOptions = {},
): Promise<OpenedDatabase> {
  return config.databaseUrl
    ? openPostgresDatabase(config.databaseUrl, options)
    : openSqliteDatabase(config.dataDir);
}

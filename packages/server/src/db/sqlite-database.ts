import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, SqliteDriver, sql, type Driver } from 'kysely';
import { ConfigError } from '../config.js';
import type { Engine } from './engine.js';
import type { Schema } from './schema.js';
import { startWalCheckpointer, type WalCheckpointer } from './sqlite-checkpointer.js';
import { rememberSqliteHandle } from './sqlite-handle.js';

export const SQLITE_FILE = 'berth.sqlite';

/**
 * The embedded database: one SQLite file in the data directory, in WAL mode (readers never
 * block the writer), with foreign keys enforced and `secure_delete` so deleted secrets are
 * overwritten on disk rather than left in free pages.
 */
export interface OpenedDatabase {
  readonly db: Kysely<Schema>;
  readonly engine: Engine;
  /** The SQLite file, or the PostgreSQL URL without its password. */
  readonly path: string;
  /**
   * After deleting secrets: make sure no copy survives on disk. `secure_delete` zeroes the
   * freed pages of the main file; the WAL still holds old page images until a checkpoint, so
   * checkpoint and truncate it.
   */
  readonly afterSensitiveDelete: () => Promise<void>;
}

/** Kysely's SQLite dialect, whose `destroy()` also ends the checkpoint thread before closing. */
class CheckpointedSqliteDialect extends SqliteDialect {
  readonly #database: SQLite.Database;
  readonly #checkpointer: WalCheckpointer;
  constructor(database: SQLite.Database, checkpointer: WalCheckpointer) {
    super({ database });
    this.#database = database;
    this.#checkpointer = checkpointer;
  }
  override createDriver(): Driver {
    const checkpointer = this.#checkpointer;
    return new (class extends SqliteDriver {
      override async destroy(): Promise<void> {
        await checkpointer.stop();
        await super.destroy();
      }
    })({ database: this.#database });
  }
}

/**
 * After deleting secrets, the WAL must end up empty. A checkpoint that meets the checkpoint
 * thread's own reports `busy`: try again (each try is quick; the thread's rounds are short).
 */
async function truncateWal(db: Kysely<Schema>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const { rows } = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    if (Number(rows[0]?.busy ?? 0) === 0) return;
    if (attempt >= 200)
      throw new Error('the database WAL could not be truncated: another connection keeps it busy');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function openSqliteDatabase(dataDir: string): OpenedDatabase {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.R_OK | constants.W_OK);
  } catch (cause) {
    throw new ConfigError(
      `BERTH_DATA_DIR ${dataDir} is not a readable and writable directory (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const path = join(dataDir, SQLITE_FILE);
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('secure_delete = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
  } catch (cause) {
    throw new ConfigError(`cannot open the database ${path}: ${(cause as Error).message}`);
  }
  const db = new Kysely<Schema>({
    dialect: new CheckpointedSqliteDialect(sqlite, startWalCheckpointer(sqlite, path)),
  });
  rememberSqliteHandle(db, sqlite);
  return {
    db,
    engine: 'sqlite',
    path,
    afterSensitiveDelete: () => truncateWal(db),
  };
}

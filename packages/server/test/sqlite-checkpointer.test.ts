import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '@berth/testkit';
import { openSqliteDatabase, type OpenedDatabase } from '../src/db/sqlite-database.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function open(): OpenedDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'berth-checkpointer-'));
  dirs.push(dir);
  return openSqliteDatabase(dir);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/** Writes about `megabytes` MB of rows, 1 MB per transaction. */
async function write(db: AnyDb, megabytes: number): Promise<void> {
  await sql`create table if not exists filler (n integer primary key, text text)`.execute(db);
  for (let i = 0; i < megabytes; i++)
    await db.transaction().execute(async (tx) => {
      for (let j = 0; j < 16; j++)
        await sql`insert into filler (text) select hex(randomblob(2048)) from (
          with recursive c(x) as (select 1 union all select x + 1 from c where x < 16) select x from c)`.execute(
          tx,
        );
    });
}

const autocheckpoint = async (db: AnyDb) =>
  Number(
    (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows[0]
      ?.wal_autocheckpoint,
  );

describe('WAL checkpoints on their own thread (SQLite)', () => {
  it('takes over once the WAL grows, and copies the WAL into the database without the main connection', async () => {
    const { db, path } = open();
    try {
      expect(await autocheckpoint(db)).toBe(1000);
      await write(db, 2);
      // The main connection stops checkpointing once the thread is up…
      await until('the checkpoint thread to take over', async () =>
        (await autocheckpoint(db)) === 0 ? true : undefined,
      );
      const before = statSync(path).size;
      await write(db, 8);
      // …and the database file still receives the committed pages: the thread copied them.
      await until('the WAL to reach the database file', () =>
        statSync(path).size >= before + 7 * 1024 * 1024 ? true : undefined,
      );
    } finally {
      await db.destroy();
    }
    // Both connections are closed: the last one to close removes the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('still empties the WAL after a sensitive delete while the thread checkpoints', async () => {
    const { db, path, afterSensitiveDelete } = open();
    try {
      await write(db, 2);
      await until('the checkpoint thread to take over', async () =>
        (await autocheckpoint(db)) === 0 ? true : undefined,
      );
      for (let round = 0; round < 5; round++) {
        await write(db, 1);
        await afterSensitiveDelete();
        expect(statSync(`${path}-wal`).size).toBe(0);
      }
    } finally {
      await db.destroy();
    }
  });

  it('never starts for a process that writes little', async () => {
    const { db } = open();
    try {
      await sql`create table small (n integer)`.execute(db);
      await sql`insert into small values (1)`.execute(db);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(await autocheckpoint(db)).toBe(1000);
    } finally {
      await db.destroy();
    }
  });
});

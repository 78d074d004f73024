import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresBinDir, startPostgres, type RunningPostgres } from '../src/postgres.js';

function psql(url: string, statement: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      join(postgresBinDir(), 'psql'),
      ['-X', '-A', '-t', '-d', url, '-c', statement],
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim()),
    ),
  );
}

let pg: RunningPostgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg.stop();
});

describe('startPostgres', () => {
  it('runs a real PostgreSQL 15 on loopback, with pg_trgm available', async () => {
    expect(new URL(pg.url).hostname).toBe('127.0.0.1');
    expect(await psql(pg.url, 'show server_version_num')).toMatch(/^1[5-9]\d{4}$/);
    expect(await psql(pg.url, 'show fsync')).toBe('off');
    expect(await psql(pg.url, "select count(*) from pg_available_extensions where name = 'pg_trgm'")).toBe(
      '1',
    );
  });

  it('gives each caller its own empty database', async () => {
    const a = await pg.createDatabase('alpha');
    const b = await pg.createDatabase('alpha');
    expect(a).not.toBe(b);
    await psql(a, 'create table only_in_a (x int)');
    expect(await psql(a, "select count(*) from pg_tables where tablename = 'only_in_a'")).toBe('1');
    expect(await psql(b, "select count(*) from pg_tables where tablename = 'only_in_a'")).toBe('0');
  });

  it('keeps the data across a restart on the same port', async () => {
    const url = await pg.createDatabase('restart');
    await psql(url, 'create table kept (x int); insert into kept values (42)');
    await pg.restart();
    expect(await psql(url, 'select x from kept')).toBe('42');
  });

  it('stops cleanly and removes the cluster', async () => {
    const other = await startPostgres();
    const dir = other.dataDir;
    expect(existsSync(dir)).toBe(true);
    await other.stop();
    await other.stop();
    expect(existsSync(dir)).toBe(false);
    await expect(psql(other.url, 'select 1')).rejects.toThrow();
  });
});

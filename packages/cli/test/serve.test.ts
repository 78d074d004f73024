import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '@berth/server';
import { runBerth } from './run-berth.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('berth serve', () => {
  it('serves the API until SIGTERM', async () => {
    const run = await runBerth(
      ['serve'],
      { BERTH_PORT: '0', BERTH_DATA_DIR: tempDir(), BERTH_LOG_LEVEL: 'silent' },
      { until: /listening on/ },
    );
    try {
      const url = /listening on (\S+)/.exec(run.stderr)?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ok' });
    } finally {
      run.kill();
    }
  });

  it.each([
    [
      'a master key of the wrong length',
      { BERTH_MASTER_KEY: Buffer.alloc(16).toString('base64') },
      /^berth: BERTH_MASTER_KEY must be 32 bytes of base64, got 16 bytes/,
    ],
    [
      'a bad port',
      { BERTH_PORT: 'eighty' },
      /^berth: BERTH_PORT must be a whole number from 0 to 65535, got "eighty"/,
    ],
    [
      'an unknown endpoint policy',
      { BERTH_ENDPOINT_POLICY: 'lax' },
      /^berth: BERTH_ENDPOINT_POLICY must be one of default, strict, off/,
    ],
  ])('refuses to start with %s, in one line', async (_name, env, message) => {
    const run = await runBerth(['serve'], { BERTH_DATA_DIR: tempDir(), BERTH_PORT: '0', ...env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a data directory it cannot use', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const run = await runBerth(['serve'], { BERTH_DATA_DIR: file, BERTH_PORT: '0' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(
      /^berth: BERTH_DATA_DIR .*not-a-dir is not a readable and writable directory/,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a database written by a newer Berth, and leaves it untouched', async () => {
    const dataDir = tempDir();
    const migrate = await runBerth(['migrate'], { BERTH_DATA_DIR: dataDir });
    expect(migrate.code).toBe(0);
    const db = new SQLite(join(dataDir, 'berth.sqlite'));
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(
      '9999_from_the_future',
      new Date().toISOString(),
    );
    db.close();
    const run = await runBerth(['serve'], { BERTH_DATA_DIR: dataDir, BERTH_PORT: '0' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'berth: the database was written by a newer Berth (migration 9999_from_the_future); upgrade Berth to use it',
    );
    const after = new SQLite(join(dataDir, 'berth.sqlite'), { readonly: true });
    expect(after.prepare('select count(*) as n from kysely_migration').get()).toEqual({
      n: Object.keys(MIGRATIONS).length + 1,
    });
    after.close();
  });
});

describe('berth keys rotate', () => {
  it('re-wraps secrets and reports it', async () => {
    const dataDir = tempDir();
    expect((await runBerth(['migrate'], { BERTH_DATA_DIR: dataDir })).code).toBe(0);
    const run = await runBerth(['keys', 'rotate'], { BERTH_DATA_DIR: dataDir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^re-wrapped 0 secret\(s\); active master key [0-9a-f]{16} \(.*master\.keys\)\n$/,
    );
  });
});

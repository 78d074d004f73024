import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startFaultProxy,
  startPostgres,
  startRegistry,
  type BuiltImage,
  type OciLayout,
  type RunningPostgres,
  type RunningRegistry,
} from '@berth/testkit';
import { ApiSession, listeningUrl, startBerth, until, type LiveBerth } from './berth-process.js';
import { runBerth } from './run-berth.js';

// Fault test with real processes: the registry disappears in the middle of a layer blob while
// a worker analyses the image (a proxy in front of the real registry cuts the response after
// 256 KiB and then resets every connection until it is told to serve again). The analysis
// fails with an error that names the blob; nothing of that layer is cached, the profile is not
// done; once the registry is back, the retry completes and the profile equals a clean run's.
// On PostgreSQL with an API process and a separate worker, and on the embedded SQLite default.

const CUT_AFTER = 256 * 1024;

let postgres: RunningPostgres;
let registry: RunningRegistry;
let layout: OciLayout;
let image: BuiltImage;
/** The profile `berth profile --json` makes of the image straight from the registry. */
let cleanProfile: Record<string, unknown>;
const dirs: string[] = [];
const running: LiveBerth[] = [];

const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'berth-vanish-'));
  dirs.push(d);
  return d;
};

/** A profile without what differs between two runs of the same analysis (its duration). */
function comparable(profile: unknown): unknown {
  const { analyzer, ...rest } = profile as { analyzer: Record<string, unknown> };
  const { durationMs: _durationMs, ...version } = analyzer;
  return { ...rest, analyzer: version };
}

beforeAll(async () => {
  [postgres, registry, layout] = await Promise.all([
    startPostgres(),
    startRegistry({ auth: 'none' }),
    createLayout(),
  ]);
  image = await layout.addImage('big', {
    layers: [
      { createdBy: 'ADD small', entries: [{ type: 'file', path: 'etc/small.conf', content: 'small = 1\n' }] },
      // Incompressible: the compressed blob is about as large, far beyond the cut.
      {
        createdBy: 'ADD data',
        entries: [{ type: 'file', path: 'srv/data.bin', content: randomBytes(2 << 20) }],
      },
    ],
    config: { user: '1000' },
  });
  await pushImage(layout, 'big', registry, 'team/big:1');
  const clean = await runBerth(
    ['profile', `${registry.host}/team/big:1`, '--json'],
    {},
    { timeoutMs: 90_000 },
  );
  if (clean.code !== 0) throw new Error(`berth profile failed: ${clean.stderr}`);
  cleanProfile = JSON.parse(clean.stdout) as Record<string, unknown>;
});

afterAll(async () => {
  for (const run of running) if (run.exitCode() === null) run.kill('SIGKILL');
  await Promise.all(running.map((r) => r.exited()));
  await Promise.all([postgres?.stop(), registry?.stop(), layout?.remove()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Reads the server's database next to it: `?` placeholders on both engines. */
interface Database {
  rows<T>(query: string, params?: unknown[]): Promise<T[]>;
  run(query: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

function postgresDatabase(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  // An idle client hearing the cluster shut down (57P01) is no test failure; queries still fail loudly.
  pool.on('error', () => {});
  const numbered = (query: string) => {
    let n = 0;
    return query.replace(/\?/g, () => `$${++n}`);
  };
  return {
    rows: async <T>(query: string, params: unknown[] = []) =>
      (await pool.query(numbered(query), params)).rows as T[],
    run: async (query, params = []) => void (await pool.query(numbered(query), params)),
    close: () => pool.end(),
  };
}

function sqliteDatabase(dataDir: string): Database {
  const db = new SQLite(join(dataDir, 'berth.sqlite'));
  db.pragma('busy_timeout = 5000');
  return {
    rows: <T>(query: string, params: unknown[] = []) =>
      Promise.resolve(db.prepare(query).all(...params) as T[]),
    run: (query, params = []) => {
      db.prepare(query).run(...params);
      return Promise.resolve();
    },
    close: () => Promise.resolve(void db.close()),
  };
}

/** Starts Berth on one engine: the API process and the processes that run jobs. */
async function startDeployment(engine: 'postgres' | 'sqlite'): Promise<{ base: string; db: Database }> {
  const env = {
    BERTH_MASTER_KEY: randomBytes(32).toString('base64'),
    BERTH_LOG_LEVEL: 'silent',
    BERTH_PORT: '0',
    BERTH_DATA_DIR: tempDir(),
  };
  if (engine === 'sqlite') {
    const server = await startBerth(running, ['serve'], env, /listening on/);
    return { base: listeningUrl(server), db: sqliteDatabase(env.BERTH_DATA_DIR) };
  }
  const url = await postgres.createDatabase('vanish');
  const withDb = { ...env, BERTH_DATABASE_URL: url };
  const [api] = await Promise.all([
    startBerth(running, ['serve', '--no-worker'], withDb, /listening on/),
    startBerth(running, ['worker'], withDb, /worker running/),
  ]);
  return { base: listeningUrl(api), db: postgresDatabase(url) };
}

interface ProfileState {
  status: string;
  error?: string;
  profile?: Record<string, unknown>;
}

describe.each(['postgres', 'sqlite'] as const)('a registry that disappears mid-blob (%s)', (engine) => {
  it('fails the attempt precisely, caches nothing partial, and the retry equals a clean run', async () => {
    const [{ base, db }, proxy] = await Promise.all([
      startDeployment(engine),
      startFaultProxy(registry.pushHost),
    ]);
    try {
      const api = new ApiSession(base);
      await api.signup('ops@example.com', 'ops password 1');
      const connector = await api.call<{ id: string }>('POST', '/connectors', {
        platform: 'generic',
        name: 'Local',
        config: { endpoint: proxy.url },
      });
      expect(connector.status).toBe(201);
      const big = image.layers[1];
      if (!big) throw new Error('the image has no second layer');
      expect(big.size).toBeGreaterThan(4 * CUT_AFTER);

      proxy.cutAfter((r) => r.method === 'GET' && r.path.endsWith(`/blobs/${big.digest}`), CUT_AFTER, {
        vanish: true,
      });
      const requested = await api.call<{ id: string }>('POST', '/profiles', {
        image: { connectorId: connector.body.id, repository: 'team/big', reference: '1' },
      });
      expect(requested.status).toBe(202);
      const profileId = requested.body.id;

      // The attempt fails and is queued again for later; the registry is still away.
      const job = await until('the failed attempt', async () => {
        const [row] = await db.rows<{ status: string; attempts: number; error: string | null }>(
          "select status, attempts, error from jobs where kind = 'profile.analyze'",
        );
        return row?.status === 'queued' && row.attempts === 1 ? row : undefined;
      });
      expect(proxy.cuts()).toBe(1);
      expect(proxy.isDown()).toBe(true);
      // The error says which blob broke off, how far it got, and which registry went away.
      expect(job.error).toMatch(
        new RegExp(
          `^blob ${big.digest} in team/big broke off after \\d+ of ${big.size} bytes: request to ${proxy.host.replace(/\./g, '\\.')} failed \\(ECONNRESET\\)$`,
        ),
      );
      const failed = await api.call<ProfileState>('GET', `/profiles/${profileId}`);
      expect(failed.body).toMatchObject({ status: 'queued', error: job.error });
      expect(failed.body.profile).toBeUndefined();
      const [stored] = await db.rows<{ status: string; profile: string | null }>(
        'select status, profile from profiles where id = ?',
        [profileId],
      );
      expect(stored).toEqual({ status: 'queued', profile: null });
      // No result for the cut layer; any layer result there is, is complete (checked below).
      const cachedAfterFailure = await db.rows<{ digest: string; result: string }>(
        'select digest, result from layer_results',
      );
      expect(cachedAfterFailure.map((r) => r.digest)).not.toContain(big.digest);

      // The registry is back, and the user asks again (a reload): the retry, due only in a
      // minute, runs now on a worker, and the answer is the same profile, still queued.
      proxy.restore();
      const again = await api.call<{ id: string; status: string }>('POST', '/profiles', {
        image: { connectorId: connector.body.id, repository: 'team/big', reference: '1' },
      });
      expect(again.body).toMatchObject({ id: profileId, status: 'queued' });
      const done = await until('the retried analysis', async () => {
        const state = await api.call<ProfileState>('GET', `/profiles/${profileId}`);
        if (state.body.status === 'failed') throw new Error(JSON.stringify(state.body));
        return state.body.status === 'done' ? state.body : undefined;
      });
      expect(done.error).toBeUndefined();
      expect(comparable(done.profile)).toEqual(comparable(cleanProfile));
      expect(
        await db.rows("select status, attempts, error from jobs where kind = 'profile.analyze'"),
      ).toEqual([{ status: 'done', attempts: 2, error: null }]);
      const cached = await db.rows<{ digest: string; result: string }>(
        'select digest, result from layer_results order by digest',
      );
      expect(cached.map((r) => r.digest).sort()).toEqual(image.layers.map((l) => l.digest).sort());
      for (const before of cachedAfterFailure)
        expect(JSON.parse(before.result)).toEqual(
          JSON.parse(cached.find((r) => r.digest === before.digest)?.result ?? 'null'),
        );
    } finally {
      await Promise.all([db.close(), proxy.stop()]);
    }
  });
});

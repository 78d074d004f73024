import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { freePort } from './free-port.js';
import { TestkitError } from './testkit-error.js';

export interface RunningPostgres {
  /** `postgres://berth@127.0.0.1:PORT/postgres`: the maintenance database, for admin statements. */
  readonly url: string;
  readonly port: number;
  /** The cluster's data directory (to scan its files, or to look at its log). */
  readonly dataDir: string;
  /**
   * Creates a fresh, empty database and returns its URL (`one database per test file`).
   * Names are made unique; `name` only makes them recognisable.
   */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown) and deletes the cluster. Idempotent. */
  stop(): Promise<void>;
  /** Stops and starts the server again on the same port and data (fault tests). */
  restart(): Promise<void>;
  /** The server's last output lines, for error messages. */
  output(): string;
}

interface Account {
  readonly uid: number;
  readonly gid: number;
}

/** Debian keeps the server binaries out of PATH: /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const major = majors[0];
  if (major === undefined)
    throw new TestkitError(
      'not_found',
      'PostgreSQL server binaries not found under /usr/lib/postgresql; install the Debian package `postgresql`',
    );
  return join(root, major, 'bin');
}

/** initdb and postgres refuse to run as root: as root, run them as the `postgres` account. */
async function serverAccount(): Promise<Account | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const id = (flag: string) =>
    new Promise<number>((resolve, reject) =>
      execFile('id', [flag, 'postgres'], (error, stdout) =>
        error
          ? reject(
              new TestkitError(
                'not_found',
                'running as root, but there is no `postgres` account to run PostgreSQL as (install the `postgresql` package)',
              ),
            )
          : resolve(Number(stdout.trim())),
      ),
    );
  return { uid: await id('-u'), gid: await id('-g') };
}

function run(file: string, args: readonly string[], account: Account | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { ...(account ?? {}), env: { ...process.env, LC_ALL: 'C' }, timeout: 60_000 },
      (error, _stdout, stderr) =>
        error
          ? reject(new TestkitError('command_failed', `${file} failed: ${stderr.trim() || error.message}`))
          : resolve(),
    );
  });
}

async function waitReady(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new TestkitError('not_ready', `postgres exited before it was ready: ${output().trim()}`);
    // Ready once it accepts connections and the log says so (the socket opens a little earlier).
    if (output().includes('ready to accept connections')) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = new Socket();
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
        socket.connect(port, '127.0.0.1');
      });
      if (open) return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new TestkitError('not_ready', `postgres did not become ready in 30 s: ${output().trim()}`);
}

/**
 * A throw-away PostgreSQL cluster for tests: `initdb` into a temporary directory (as the
 * `postgres` account when running as root), a server on a free loopback port with its unix
 * socket in the same directory, `fsync` off (the data is thrown away anyway). A watchdog kills
 * the server if this process dies without stopping it.
 *
 * @example
 * const pg = await startPostgres();
 * const url = await pg.createDatabase('accounts');
 * await pg.stop();
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const account = await serverAccount();
  const root = mkdtempSync(join(tmpdir(), 'berth-pg-'));
  const dataDir = join(root, 'data');
  if (account) chownSync(root, account.uid, account.gid);
  const user = 'berth';
  await run(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    account,
  );
  const port = await freePort();
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let log = '';
  let stopped = false;

  async function launch(): Promise<void> {
    log = '';
    const server = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        root,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=32MB',
      ],
      { ...(account ?? {}), env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const collect = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-16_384);
    };
    server.stdout?.on('data', collect);
    server.stderr?.on('data', collect);
    server.on('error', (error) => collect(Buffer.from(`postgres: ${error.message}\n`)));
    child = server;
    // The kernel closes the watchdog's stdin however this process ends: then it kills postgres
    // (SIGQUIT: immediate shutdown, which also ends the backends).
    watchdog = spawn(
      'sh',
      ['-c', 'read _ignored; kill -QUIT "$1" 2>/dev/null', 'berth-pg-watchdog', String(server.pid)],
      {
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    for (const c of [server, watchdog]) {
      c.unref();
      for (const s of [c.stdin, c.stdout, c.stderr]) if (s instanceof Socket) s.unref();
    }
    await waitReady(port, server, () => log);
  }

  async function shutdown(): Promise<void> {
    const server = child;
    watchdog?.kill('SIGKILL');
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    // SIGINT: fast shutdown (disconnects clients, then a clean checkpoint).
    server.kill('SIGINT');
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  await launch();
  const adminUrl = `postgres://${user}@127.0.0.1:${port}/postgres`;
  return {
    url: adminUrl,
    port,
    dataDir,
    output: () => log,
    createDatabase: (name) => createPostgresDatabase(adminUrl, name),
    async restart() {
      await shutdown();
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await shutdown();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

let databases = 0;

/**
 * Creates a fresh, empty database on the cluster behind `adminUrl` (for instance one started by
 * a global setup and handed to test files in an environment variable) and returns its URL.
 */
export async function createPostgresDatabase(adminUrl: string, name = 'test'): Promise<string> {
  const url = new URL(adminUrl);
  const safe = name
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  const database = `${safe}_${process.pid}_${++databases}_${Date.now().toString(36)}`;
  await run(
    join(postgresBinDir(), 'createdb'),
    ['-h', url.hostname, '-p', url.port, '-U', decodeURIComponent(url.username), '-S', 'file_copy', database],
    undefined,
  );
  url.pathname = `/${database}`;
  return url.toString();
}

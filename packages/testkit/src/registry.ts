import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { daemonExitedError, spawnDaemon } from './daemon-process.js';
import type { DaemonProcess } from './daemon-process.js';
import { freePort } from './free-port.js';
import { startRecordingProxy } from './recording-proxy.js';
import type { RecordedRequest, RecordingProxy } from './recording-proxy.js';
import { runCommand } from './run-command.js';
import { createSigningCertificate } from './signing-certificate.js';
import { TestkitError } from './testkit-error.js';
import { startTokenServer } from './token-server.js';
import type { TokenRequest, TokenServer } from './token-server.js';

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface StartRegistryOptions {
  readonly auth?: RegistryAuth;
  /** Lifetime of issued tokens in token mode (default 300). */
  readonly tokenTtlSeconds?: number;
  /** Token mode: repository name prefixes that anyone may pull without credentials. */
  readonly anonymousPull?: readonly string[];
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface RegistryTokenServer {
  readonly url: string;
  readonly realm: string;
  readonly service: string;
  requestCount(): number;
  requests(): TokenRequest[];
}

export interface RunningRegistry {
  readonly auth: RegistryAuth;
  /** host:port that clients under test use; goes through a recording proxy. */
  readonly host: string;
  /** `http://${host}` */
  readonly url: string;
  /** host:port of the registry itself, for pushing fixtures (not recorded). */
  readonly pushHost: string;
  /** The registry's filesystem storage root. */
  readonly storageDir: string;
  /** Path of a blob's data file in storage, e.g. to corrupt it. */
  blobPath(digest: string): string;
  /** basic and token modes: a user who may pull (and list the catalog). */
  readonly credentials?: Credentials;
  /** basic and token modes: a user who may push. */
  readonly pushCredentials?: Credentials;
  readonly tokenServer?: RegistryTokenServer;
  /** Requests received by the recording proxy. */
  requests(): RecordedRequest[];
  clearRequests(): void;
  /** Stops the registry, the proxy and the token server and deletes the storage. Idempotent. */
  stop(): Promise<void>;
}

const SERVICE = 'berth-test-registry';
const ISSUER = 'berth-testkit';
const READY_TIMEOUT_MS = 15_000;
const START_ATTEMPTS = 3;

/**
 * Runs the real CNCF distribution registry (`docker-registry serve`) on a free loopback port,
 * with filesystem storage in a temp dir, behind a recording proxy. In `basic` mode it uses an
 * htpasswd file (bcrypt cost 4: the registry re-checks the hash on every request); in `token`
 * mode a token server of ours signs ES256 JWTs the registry trusts via `rootcertbundle`.
 * When `BERTH_REGISTRY_REQUEST_LOG` is set, every proxied request is appended to that file as
 * a JSON line.
 *
 * @example
 * const registry = await startRegistry({ auth: 'token', anonymousPull: ['public/'] });
 * await pushImage(layout, 'app', registry, 'public/app:1');
 * const res = await fetch(`${registry.url}/v2/`); // 401 with a Bearer challenge
 * await registry.stop();
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const auth = options.auth ?? 'none';
  const dir = await mkdtemp(join(tmpdir(), 'berth-registry-'));
  const storageDir = join(dir, 'storage');
  const cleanups: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
  };

  try {
    const credentials = auth === 'none' ? undefined : { username: 'reader', password: secret('reader') };
    const pushCredentials = auth === 'none' ? undefined : { username: 'pusher', password: secret('pusher') };
    let authConfig: object | undefined;
    let tokenServer: TokenServer | undefined;
    if (auth === 'basic' && credentials && pushCredentials) {
      const htpasswdPath = join(dir, 'htpasswd');
      const lines = await Promise.all(
        [credentials, pushCredentials].map(async (user) => {
          const { stdout } = await runCommand('htpasswd', ['-Bbn', '-C', '4', user.username, user.password]);
          return stdout.trim();
        }),
      );
      await writeFile(htpasswdPath, `${lines.join('\n')}\n`);
      authConfig = { htpasswd: { realm: 'berth-test-registry', path: htpasswdPath } };
    } else if (auth === 'token' && credentials && pushCredentials) {
      const certificate = await createSigningCertificate(dir);
      tokenServer = await startTokenServer({
        issuer: ISSUER,
        service: SERVICE,
        ttlSeconds: options.tokenTtlSeconds ?? 300,
        users: [
          { ...credentials, role: 'reader' },
          { ...pushCredentials, role: 'pusher' },
        ],
        anonymousPull: options.anonymousPull ?? [],
        certificate,
      });
      const started = tokenServer;
      cleanups.push(() => started.stop());
      authConfig = {
        token: {
          realm: started.realm,
          service: SERVICE,
          issuer: ISSUER,
          rootcertbundle: certificate.certPath,
        },
      };
    }

    const { daemon, pushHost } = await startDaemon(dir, storageDir, authConfig);
    cleanups.push(() => daemon.stop());
    const proxy: RecordingProxy = await startRecordingProxy(pushHost, {
      logFile: process.env.BERTH_REGISTRY_REQUEST_LOG || undefined,
    });
    cleanups.push(() => proxy.stop());

    let stopping: Promise<void> | undefined;
    const token = tokenServer;
    return {
      auth,
      host: proxy.host,
      url: proxy.url,
      pushHost,
      storageDir,
      blobPath: (digest) => blobPathIn(storageDir, digest),
      ...(credentials ? { credentials } : {}),
      ...(pushCredentials ? { pushCredentials } : {}),
      ...(token
        ? {
            tokenServer: {
              url: token.url,
              realm: token.realm,
              service: token.service,
              requestCount: () => token.requestCount(),
              requests: () => token.requests(),
            },
          }
        : {}),
      requests: () => proxy.requests(),
      clearRequests: () => proxy.clearRequests(),
      stop: () => (stopping ??= cleanup()),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** `docker/registry/v2/blobs/sha256/ab/abcd…/data` under the storage root (distribution's filesystem layout). */
export function blobPathIn(storageDir: string, digest: string): string {
  const match = /^([a-z0-9]+):([a-f0-9]{32,})$/.exec(digest);
  if (!match?.[1] || !match[2]) throw new TestkitError('invalid_argument', `not a digest: ${digest}`);
  const [, algorithm, hex] = match;
  return join(storageDir, 'docker', 'registry', 'v2', 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
}

async function startDaemon(
  dir: string,
  storageDir: string,
  authConfig: object | undefined,
): Promise<{ daemon: DaemonProcess; pushHost: string }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const pushHost = `127.0.0.1:${port}`;
    // JSON is YAML: no quoting surprises in paths or URLs.
    const config = {
      version: 0.1,
      log: { level: 'error', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
      http: { addr: pushHost, secret: randomBytes(16).toString('hex') },
      ...(authConfig ? { auth: authConfig } : {}),
    };
    const configPath = join(dir, 'config.yml');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const daemon = spawnDaemon('docker-registry', ['serve', configPath]);
    try {
      await waitUntilAnswering(`http://${pushHost}/v2/`, daemon);
      return { daemon, pushHost };
    } catch (error) {
      lastError = error;
      await daemon.stop();
      // Only a lost race for the port is worth another try.
      if (!/address already in use/i.test(daemon.output())) break;
    }
  }
  throw lastError;
}

async function waitUntilAnswering(url: string, daemon: DaemonProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (daemon.hasExited()) throw daemonExitedError('docker-registry', daemon);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return; // 200 or 401: it is serving.
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new TestkitError('not_ready', `docker-registry did not answer ${url}: ${daemon.output().trim()}`);
}

function secret(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('base64url')}`;
}

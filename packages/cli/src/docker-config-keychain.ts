import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  ANONYMOUS,
  DOCKER_HUB,
  basicAuthenticator,
  bearerAuthenticator,
  type AuthConfig,
  type Authenticator,
  type Keychain,
} from '@berth/oci';

/**
 * The subset of `~/.docker/config.json` that holds registry credentials (docker/cli
 * `cli/config/configfile/file.go`): `auths.{server}.auth` is base64 of `user:password`
 * (`username`/`password` fields also occur), `registrytoken` is a bearer token,
 * `credHelpers.{server}` names a helper for one registry and `credsStore` one for all.
 */
interface DockerConfigFile {
  readonly auths?: Record<string, DockerAuthEntry | undefined>;
  readonly credsStore?: string;
  readonly credHelpers?: Record<string, string | undefined>;
}

interface DockerAuthEntry {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
  readonly registrytoken?: string;
}

export interface DockerConfigKeychainOptions {
  /** Environment to read `DOCKER_CONFIG`, `HOME` and `PATH` from; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Runs `docker-credential-<helper> get`; replaceable in tests. Default: the real binary. */
  readonly runHelper?: (executable: string, serverUrl: string) => Promise<string>;
}

/** Docker Hub's key in config files and helpers: what `docker login` writes. */
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const HELPER_TIMEOUT_MS = 30_000;

/**
 * A {@link Keychain} over the user's Docker client configuration (`$DOCKER_CONFIG/config.json`,
 * else `~/.docker/config.json`), for the stand-alone CLI only: the server never reads host
 * credentials. For a registry, a credential helper (`credHelpers`, then `credsStore`) is asked
 * first when its `docker-credential-<name>` binary is on `PATH`, lazily, only when the registry
 * asks for credentials; then the `auths` entry. Registries it knows nothing of are anonymous.
 * Identity tokens (`identitytoken`, helper username `<token>`) are OAuth refresh tokens
 * Berth cannot exchange yet: such entries are skipped.
 *
 * @example
 * const client = new RegistryClient({ keychain: dockerConfigKeychain() });
 */
export function dockerConfigKeychain(options: DockerConfigKeychainOptions = {}): Keychain {
  const env = options.env ?? process.env;
  const path = dockerConfigPath(env);
  const runHelper = options.runHelper ?? runCredentialHelper;
  let config: DockerConfigFile | undefined;
  const load = (): DockerConfigFile => (config ??= readDockerConfig(path));
  return {
    resolve(registry) {
      try {
        return Promise.resolve(resolveNow(registry));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };

  function resolveNow(registry: string): Authenticator {
    const file = load();
    const entry = findAuthEntry(file, registry);
    const fromFile = entry ? authenticatorFromEntry(entry, path, registry) : undefined;
    const helperName = findHelper(file, registry);
    const executable = helperName ? findExecutable(`docker-credential-${helperName}`, env) : undefined;
    if (!executable) return fromFile ?? ANONYMOUS;
    let cached: Promise<AuthConfig> | undefined;
    const authenticator: Authenticator = {
      authorization: () =>
        (cached ??= (async (): Promise<AuthConfig> => {
          const output = await runHelper(executable, serverUrl(registry));
          const fromHelper = parseHelperOutput(output, executable);
          if (fromHelper) return fromHelper;
          return fromFile ? fromFile.authorization() : { kind: 'anonymous' };
        })()),
    };
    return authenticator;
  }
}

/** `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json` (docker/cli `config.Dir()`). */
export function dockerConfigPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME ?? homedir(), '.docker', 'config.json');
}

function readDockerConfig(path: string): DockerConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path} is not a JSON object`);
  }
  return parsed;
}

/** `https://host:5000/v1/`, `host:5000` → `host:5000`; Docker Hub's aliases → `docker.io`. */
function normaliseServer(key: string): string {
  const host = key
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0]
    ?.toLowerCase();
  return host && DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : (host ?? '');
}

function findAuthEntry(file: DockerConfigFile, registry: string): DockerAuthEntry | undefined {
  const wanted = normaliseServer(registry);
  for (const [key, entry] of Object.entries(file.auths ?? {})) {
    if (entry && normaliseServer(key) === wanted) return entry;
  }
  return undefined;
}

function findHelper(file: DockerConfigFile, registry: string): string | undefined {
  const wanted = normaliseServer(registry);
  for (const [key, helper] of Object.entries(file.credHelpers ?? {})) {
    if (helper && normaliseServer(key) === wanted) return HELPER_NAME.test(helper) ? helper : undefined;
  }
  return file.credsStore && HELPER_NAME.test(file.credsStore) ? file.credsStore : undefined;
}

function authenticatorFromEntry(
  entry: DockerAuthEntry,
  path: string,
  registry: string,
): Authenticator | undefined {
  if (entry.registrytoken) return bearerAuthenticator(entry.registrytoken);
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new Error(`${path}: auths entry for ${registry} is not base64 of "user:password"`);
    }
    return basicAuthenticator(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  if (entry.username && entry.password) return basicAuthenticator(entry.username, entry.password);
  return undefined;
}

/** What helpers are asked for: the key `docker login` stored the credentials under. */
function serverUrl(registry: string): string {
  return normaliseServer(registry) === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
}

function findExecutable(name: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * docker-credential-helpers protocol: `get` reads the server URL on stdin and prints
 * `{"ServerURL", "Username", "Secret"}`; "credentials not found" is a non-zero exit.
 */
function runCredentialHelper(executable: string, server: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      executable,
      ['get'],
      { timeout: HELPER_TIMEOUT_MS, maxBuffer: 64 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if (/credentials not found/i.test(`${stdout}${stderr}`)) return resolve('');
        reject(
          new Error(`credential helper ${executable} failed: ${stderr.trim() || error.message}`, {
            cause: error,
          }),
        );
      },
    );
    child.stdin?.end(server);
  });
}

function parseHelperOutput(output: string, executable: string): AuthConfig | undefined {
  if (output.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    throw new Error(`credential helper ${executable} printed something that is not JSON`);
  }
  const { Username: username, Secret: secret } = parsed as { Username?: unknown; Secret?: unknown };
  if (typeof username !== 'string' || typeof secret !== 'string' || secret === '') return undefined;
  if (username === '<token>') return undefined;
  return { kind: 'basic', username, password: secret };
}

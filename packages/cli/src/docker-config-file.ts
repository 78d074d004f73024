import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

// The Docker client configuration as the CLI reads it, with no registry client attached: the
// keychain (docker-config-keychain.ts) and `connectors import-docker-config` share it.

/** Docker Hub's canonical name, as `@berth/oci` references spell it. */
const DOCKER_HUB = 'docker.io';

/**
 * The subset of `~/.docker/config.json` that holds registry credentials (docker/cli
 * `cli/config/configfile/file.go`): `auths.{server}.auth` is base64 of `user:password`
 * (`username`/`password` fields also occur), `registrytoken` is a bearer token,
 * `credHelpers.{server}` names a helper for one registry and `credsStore` one for all.
 */
export interface DockerConfigFile {
  readonly auths?: Record<string, DockerAuthEntry | undefined>;
  readonly credsStore?: string;
  readonly credHelpers?: Record<string, string | undefined>;
}

export interface DockerAuthEntry {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
  readonly registrytoken?: string;
}

/** Docker Hub's key in config files and helpers: what `docker login` writes. */
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);
export const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const HELPER_TIMEOUT_MS = 30_000;

/** `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json` (docker/cli `config.Dir()`). */
export function dockerConfigPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME ?? homedir(), '.docker', 'config.json');
}

export function readDockerConfig(path: string): DockerConfigFile {
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
export function normaliseServer(key: string): string {
  const host = key
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0]
    ?.toLowerCase();
  return host && DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : (host ?? '');
}

export function findAuthEntry(file: DockerConfigFile, registry: string): DockerAuthEntry | undefined {
  const wanted = normaliseServer(registry);
  for (const [key, entry] of Object.entries(file.auths ?? {})) {
    if (entry && normaliseServer(key) === wanted) return entry;
  }
  return undefined;
}

export function findHelper(file: DockerConfigFile, registry: string): string | undefined {
  const wanted = normaliseServer(registry);
  for (const [key, helper] of Object.entries(file.credHelpers ?? {})) {
    if (helper && normaliseServer(key) === wanted) return HELPER_NAME.test(helper) ? helper : undefined;
  }
  return file.credsStore && HELPER_NAME.test(file.credsStore) ? file.credsStore : undefined;
}

/** What helpers are asked for: the key `docker login` stored the credentials under. */
export function serverUrl(registry: string): string {
  return normaliseServer(registry) === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
}

export function findExecutable(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
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
export function runCredentialHelper(executable: string, server: string): Promise<string> {
  return runHelperAction(executable, 'get', server);
}

/** `list` prints `{"<server URL>": "<username>", …}` of every login the helper holds. */
async function runHelperAction(executable: string, action: 'get' | 'list', input: string): Promise<string> {
  // Loaded when a helper is run: most commands never start a process.
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = execFile(
      executable,
      [action],
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
    child.stdin?.end(input);
  });
}

/** One registry the user is logged in to, as `berth connectors import-docker-config` sees it. */
export interface DockerLogin {
  /** Normalised host (`docker.io` for Docker Hub, `registry.example.com:5000`). */
  readonly registry: string;
  /** The key as the config file (or helper) spells it, e.g. `https://index.docker.io/v1/`. */
  readonly server: string;
  /** `auths`, or `docker-credential-<name>`. */
  readonly source: string;
  readonly credentials?:
    { readonly username: string; readonly password: string } | { readonly token: string };
  /** Why these credentials cannot be used (helper not installed, identity token…). */
  readonly problem?: string;
}

export interface ListDockerLoginsOptions {
  /** The config file; default `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Runs `docker-credential-<helper> get|list`; replaceable in tests. */
  readonly runHelper?: (executable: string, action: 'get' | 'list', input: string) => Promise<string>;
}

/**
 * Every registry in a Docker client configuration, with the credentials Docker would use for it:
 * `credHelpers` for that registry first, then `credsStore` (whose `list` also names registries
 * the file does not), then the `auths` entry — credential helpers only where their
 * `docker-credential-<name>` binary is on `PATH`. Entries that cannot be used say why.
 */
export async function listDockerLogins(options: ListDockerLoginsOptions = {}): Promise<DockerLogin[]> {
  const env = options.env ?? process.env;
  const path = options.file ?? dockerConfigPath(env);
  const run = options.runHelper ?? runHelperAction;
  let file: DockerConfigFile;
  try {
    readFileSync(path);
    file = readDockerConfig(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`${path} does not exist (docker login writes it)`, { cause: error });
    throw error;
  }
  const servers = new Map<string, string>();
  const remember = (key: string): void => {
    const registry = normaliseServer(key);
    if (registry && !servers.has(registry)) servers.set(registry, key);
  };
  Object.keys(file.auths ?? {}).forEach(remember);
  Object.keys(file.credHelpers ?? {}).forEach(remember);
  const store = file.credsStore && HELPER_NAME.test(file.credsStore) ? file.credsStore : undefined;
  const storeExecutable = store ? findExecutable(`docker-credential-${store}`, env) : undefined;
  if (storeExecutable) {
    try {
      const listed = JSON.parse(await run(storeExecutable, 'list', '')) as Record<string, unknown>;
      Object.keys(listed).forEach(remember);
    } catch {
      // a helper that cannot list still answers `get` for the servers the file names
    }
  }
  const logins: DockerLogin[] = [];
  for (const [registry, server] of [...servers].sort(([a], [b]) => a.localeCompare(b))) {
    const base = { registry, server };
    const helperName = findHelper(file, registry);
    const entry = findAuthEntry(file, registry);
    const fromEntry = entry ? loginFromEntry(entry) : undefined;
    if (helperName) {
      const executable = findExecutable(`docker-credential-${helperName}`, env);
      const source = `docker-credential-${helperName}`;
      if (!executable) {
        logins.push(
          fromEntry?.credentials
            ? { ...base, source: 'auths', ...fromEntry }
            : { ...base, source, problem: `${source} is not installed` },
        );
        continue;
      }
      try {
        const output = await run(executable, 'get', serverUrl(registry));
        const parsed = output.trim() ? (JSON.parse(output) as { Username?: unknown; Secret?: unknown }) : {};
        if (parsed.Username === '<token>')
          logins.push({ ...base, source, problem: 'an identity token (OAuth), which Berth cannot use' });
        else if (typeof parsed.Username === 'string' && typeof parsed.Secret === 'string' && parsed.Secret)
          logins.push({
            ...base,
            source,
            credentials: { username: parsed.Username, password: parsed.Secret },
          });
        else if (fromEntry?.credentials) logins.push({ ...base, source: 'auths', ...fromEntry });
        else logins.push({ ...base, source, problem: `${source} holds no credentials for it` });
      } catch (error) {
        logins.push({ ...base, source, problem: (error as Error).message });
      }
      continue;
    }
    logins.push({ ...base, source: 'auths', ...(fromEntry ?? { problem: 'no credentials stored' }) });
  }
  return logins;
}

function loginFromEntry(entry: DockerAuthEntry): Pick<DockerLogin, 'credentials' | 'problem'> {
  if (entry.registrytoken) return { credentials: { token: entry.registrytoken } };
  if (entry.identitytoken) return { problem: 'an identity token (OAuth), which Berth cannot use' };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return { problem: 'its "auth" is not base64 of user:password' };
    return { credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } };
  }
  if (entry.username && entry.password)
    return { credentials: { username: entry.username, password: entry.password } };
  return { problem: 'no credentials stored' };
}

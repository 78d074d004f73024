import {
  ANONYMOUS,
  basicAuthenticator,
  bearerAuthenticator,
  type AuthConfig,
  type Authenticator,
  type Keychain,
} from '@berth/oci';
import {
  dockerConfigPath,
  findAuthEntry,
  findExecutable,
  findHelper,
  readDockerConfig,
  runCredentialHelper,
  serverUrl,
  type DockerAuthEntry,
  type DockerConfigFile,
} from './docker-config-file.js';

export { dockerConfigPath, listDockerLogins, type DockerLogin } from './docker-config-file.js';

export interface DockerConfigKeychainOptions {
  /** Environment to read `DOCKER_CONFIG`, `HOME` and `PATH` from; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Runs `docker-credential-<helper> get`; replaceable in tests. Default: the real binary. */
  readonly runHelper?: (executable: string, serverUrl: string) => Promise<string>;
}

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

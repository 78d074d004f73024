import type { DockerLogin } from '../docker-config-file.js';
import type { NewConnector } from './connectors-add.js';

/** What `import-docker-config` will do with one registry login. */
export type ImportStep =
  | {
      readonly login: DockerLogin;
      readonly action: 'create';
      readonly connector: Required<NewConnector> & { platform: string; name: string };
    }
  | {
      readonly login: DockerLogin;
      readonly action: 'skip';
      readonly platform: string;
      readonly reason: string;
    };

const LOOPBACK = /^(localhost|127\.[0-9.]+|\[::1\])(:\d+)?$/i;

/** `https://…` unless the config file said `http://` or the registry is on this machine. */
function endpointOf(login: DockerLogin): string {
  const scheme = /^http:\/\//i.test(login.server) || LOOPBACK.test(login.registry) ? 'http' : 'https';
  return `${scheme}://${login.registry}`;
}

function basic(login: DockerLogin): { username: string; password: string } | undefined {
  return login.credentials && 'username' in login.credentials ? { ...login.credentials } : undefined;
}

/**
 * Maps registry logins to connectors: Docker Hub, GHCR, Quay and ACR get their own platform
 * (their APIs list what a plain registry cannot); ECR and Google need keys a Docker login does
 * not hold, so they are skipped with a hint; anything else is a generic OCI registry. Logins
 * whose connector name is already taken are skipped too.
 */
export function planDockerImport(
  logins: readonly DockerLogin[],
  takenNames: ReadonlySet<string>,
): ImportStep[] {
  return logins.map((login): ImportStep => {
    const host = login.registry.toLowerCase();
    const skip = (platform: string, reason: string): ImportStep => ({
      login,
      action: 'skip',
      platform,
      reason,
    });
    if (/\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(host))
      return skip('ecr', 'ECR needs AWS keys or a role: berth connectors add --platform ecr');
    if (host === 'gcr.io' || host.endsWith('.gcr.io') || host.endsWith('-docker.pkg.dev'))
      return skip('google', 'Google needs a service account key: berth connectors add --platform google');
    let platform = 'generic';
    let config: Record<string, unknown> = { endpoint: endpointOf(login) };
    let credentials: Record<string, string> | undefined;
    const userPass = basic(login);
    if (host === 'docker.io') {
      platform = 'dockerhub';
      config = {};
      credentials = userPass && { username: userPass.username, token: userPass.password };
    } else if (host === 'ghcr.io') {
      platform = 'ghcr';
      config = {};
      credentials = userPass && { username: userPass.username, token: userPass.password };
    } else if (host === 'quay.io') {
      platform = 'quay';
      config = {};
      credentials = userPass;
    } else if (host.endsWith('.azurecr.io')) {
      platform = 'acr';
      config = { registryName: host.slice(0, -'.azurecr.io'.length) };
      credentials = userPass;
    } else {
      credentials = login.credentials ? { ...login.credentials } : undefined;
    }
    if (login.problem) return skip(platform, login.problem);
    if (!credentials) return skip(platform, `${platform} needs a username and password, not a bearer token`);
    const name = login.registry;
    if (takenNames.has(name)) return skip(platform, `a connector named "${name}" exists already`);
    return { login, action: 'create', connector: { platform, name, config, credentials } };
  });
}

import { ApiClient, ApiError, normaliseServerUrl } from './api-client.js';
import { cliConfigPath, readCliConfig } from './cli-config.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Where `berth login` points when no server is named: the default `berth serve` address. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/**
 * The API client for commands that talk to a server: `BERTH_TOKEN` (and `BERTH_SERVER`) from
 * the environment win, as pipelines set them; else the login stored by `berth login`.
 * @throws ApiError `not_logged_in` when there is neither.
 */
export function openApiSession(env: Env = process.env): ApiClient {
  const stored = readCliConfig(cliConfigPath(env));
  const token = env.BERTH_TOKEN || stored?.token;
  const server = env.BERTH_SERVER
    ? normaliseServerUrl(env.BERTH_SERVER)
    : (stored?.server ?? (env.BERTH_TOKEN ? DEFAULT_SERVER : undefined));
  if (!token || !server) {
    throw new ApiError(
      401,
      'not_logged_in',
      `not logged in${server ? ` to ${server}` : ''}; run berth login (or set BERTH_TOKEN and BERTH_SERVER)`,
    );
  }
  return new ApiClient({ server, token });
}

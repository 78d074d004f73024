import { Command } from 'commander';
import { ApiClient, ApiError } from '../api/api-client.js';
import { cliConfigPath, readCliConfig, removeCliConfig } from '../api/cli-config.js';
import { printJson } from '../terminal/output.js';
import { API_EXIT_CODES, helpText } from './command-kit.js';

/** `berth logout`: revokes this machine's token on the server and forgets it. */
export function logoutCommand(): Command {
  return new Command('logout')
    .description('Revoke this machine’s API token on the server and delete it from your config dir.')
    .option('--json', 'print {server, revoked} as JSON')
    .addHelpText('after', helpText(['berth logout'], API_EXIT_CODES))
    .action(async (options: { json?: boolean }) => {
      const path = cliConfigPath();
      const stored = readCliConfig(path);
      if (!stored) throw new Error('not logged in (nothing to log out of)');
      let problem: string | undefined;
      try {
        const api = new ApiClient({ server: stored.server, token: stored.token });
        const id =
          stored.tokenId ??
          (await api.get<{ id: string; prefix: string }[]>('/tokens')).find((t) =>
            stored.token.startsWith(t.prefix),
          )?.id;
        if (id) await api.delete(`/tokens/${encodeURIComponent(id)}`);
      } catch (error) {
        // A token the server no longer knows is as good as revoked.
        if (!(error instanceof ApiError && error.code === 'invalid_token'))
          problem = (error as Error).message;
      }
      removeCliConfig(path);
      if (problem !== undefined) {
        throw new Error(
          `the token was deleted from this machine, but not revoked on ${stored.server}: ${problem}; revoke it in the portal`,
        );
      }
      if (options.json) printJson({ server: stored.server, revoked: true });
      else process.stdout.write(`Logged out of ${stored.server} (token revoked)\n`);
    });
}

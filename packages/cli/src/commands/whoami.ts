import { Command } from 'commander';
import { openApiSession } from '../api/api-session.js';
import type { User } from '../api/api-types.js';
import { printJson } from '../terminal/output.js';
import { API_EXIT_CODES, helpText, withOutputOptions, type OutputOptions } from './command-kit.js';

/** `berth whoami`: who the stored token (or BERTH_TOKEN) belongs to, on which server. */
export function whoamiCommand(): Command {
  return withOutputOptions(
    new Command('whoami').description('Show the account you are logged in as, and the server.'),
    'the user id',
  )
    .addHelpText(
      'after',
      helpText(['berth whoami', 'berth whoami --json | jq -r .user.email'], API_EXIT_CODES),
    )
    .action(async (options: OutputOptions) => {
      const api = openApiSession();
      const me = await api.get<{ user: User }>('/me');
      if (options.json) printJson(me);
      else if (options.quiet) process.stdout.write(`${me.user.id}\n`);
      else process.stdout.write(`${me.user.email} (${me.user.role}) on ${api.server}\n`);
    });
}

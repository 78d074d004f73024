import { hostname } from 'node:os';
import { Command } from 'commander';
import { ApiClient, ApiError, normaliseServerUrl } from '../api/api-client.js';
import { DEFAULT_SERVER } from '../api/api-session.js';
import type { User } from '../api/api-types.js';
import { cliConfigPath, readCliConfig, writeCliConfig } from '../api/cli-config.js';
import { createPrompter } from '../terminal/prompt.js';
import { printJson } from '../terminal/output.js';
import { API_EXIT_CODES, helpText, usageError } from './command-kit.js';

interface LoginOptions {
  readonly server?: string;
  readonly email?: string;
  readonly token?: string;
  readonly json?: boolean;
}

interface NewToken {
  readonly id: string;
  readonly token: string;
}

/** The first characters of a token, as `GET /tokens` lists them. */
const TOKEN_PREFIX_LENGTH = 14;

/**
 * `berth login`: e-mail and password (asked on the terminal, the password hidden, or read from
 * stdin) are exchanged for an API token of this machine's own, and the session used for that
 * is ended at once; or an existing token (`--token`, `BERTH_TOKEN`) is checked and kept.
 */
export function loginCommand(): Command {
  return new Command('login')
    .description('Log in to a Berth server and keep an API token for this machine (0600 in your config dir).')
    .option('--server <url>', `the Berth server (default: the last one, else ${DEFAULT_SERVER})`)
    .option('--email <address>', 'your e-mail address (asked for when missing)')
    .option('--token <token>', 'use an API token made in the portal instead of a password (or BERTH_TOKEN)')
    .option('--json', 'print {server, user} as JSON')
    .addHelpText(
      'after',
      helpText(
        [
          'berth login --server https://berth.example.com',
          'printf \'%s\\n%s\\n\' me@example.com "$PASSWORD" | berth login --server http://127.0.0.1:8080',
          'BERTH_TOKEN=… berth login --server https://berth.example.com',
        ],
        `The token is kept in ${'$XDG_CONFIG_HOME/berth/config.json'} (else ~/.config/berth/config.json),\nreadable by you only. The password is never stored.\n\n${API_EXIT_CODES}`,
      ),
    )
    .action(async function (this: Command, options: LoginOptions) {
      const stored = readCliConfig();
      let server: string;
      try {
        server = normaliseServerUrl(
          options.server ?? process.env.BERTH_SERVER ?? stored?.server ?? DEFAULT_SERVER,
        );
      } catch (error) {
        return usageError(this, (error as Error).message);
      }
      const given = options.token ?? process.env.BERTH_TOKEN;
      const { token, tokenId, user } = given
        ? await checkToken(server, given)
        : await exchangePassword(server, options.email);
      const path = cliConfigPath();
      writeCliConfig({ server, token, ...(tokenId ? { tokenId } : {}), email: user.email }, path);
      // A new login replaces the previous token of this machine for the same server.
      if (
        stored?.server === server &&
        stored.tokenId &&
        stored.tokenId !== tokenId &&
        stored.token !== token
      ) {
        await new ApiClient({ server, token })
          .delete(`/tokens/${encodeURIComponent(stored.tokenId)}`)
          .catch(() => {});
      }
      if (options.json) printJson({ server, user });
      else process.stdout.write(`Logged in to ${server} as ${user.email} (token kept in ${path})\n`);
    });
}

async function checkToken(
  server: string,
  token: string,
): Promise<{ token: string; tokenId?: string; user: User }> {
  const api = new ApiClient({ server, token });
  const { user } = await api.get<{ user: User }>('/me');
  const tokens = await api.get<{ id: string; prefix: string }[]>('/tokens');
  const mine = tokens.find((t) => t.prefix === token.slice(0, TOKEN_PREFIX_LENGTH));
  return { token, ...(mine ? { tokenId: mine.id } : {}), user };
}

async function exchangePassword(
  server: string,
  emailOption: string | undefined,
): Promise<{ token: string; tokenId: string; user: User }> {
  const prompter = createPrompter();
  let email: string;
  let password: string;
  try {
    email = (emailOption ?? (await prompter.ask('E-mail: '))).trim();
    password = await prompter.ask('Password: ', { hidden: true });
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; give the e-mail and password on a terminal or on stdin, or use --token`,
      { cause: error },
    );
  } finally {
    prompter.close();
  }
  const anonymous = new ApiClient({ server });
  const response = await anonymous.request('POST', '/auth/login', { body: { email, password } });
  const { user, csrfToken } = (await response.json()) as { user: User; csrfToken: string };
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  if (!cookie)
    throw new ApiError(response.status, 'invalid_response', 'the server started no session at log-in');
  const session = { headers: { cookie, 'x-csrf-token': csrfToken } };
  try {
    const created = await anonymous.post<NewToken>(
      '/tokens',
      { name: `berth CLI on ${hostname()}` },
      session,
    );
    return { token: created.token, tokenId: created.id, user };
  } finally {
    // The session was only the way to the token.
    await anonymous.request('POST', '/auth/logout', session).catch(() => {});
  }
}

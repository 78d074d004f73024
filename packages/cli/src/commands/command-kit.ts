import type { Command } from 'commander';
import { ApiError, type ApiClient } from '../api/api-client.js';
import type { Connector } from '../api/api-types.js';

/** Options every API command shares. */
export interface OutputOptions {
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** Adds `--json` and `-q, --quiet` (with what `-q` prints). */
export function withOutputOptions(command: Command, quietPrints: string): Command {
  return command
    .option('--json', 'print the API’s JSON instead of a table')
    .option('-q, --quiet', `print only ${quietPrints}, one per line`);
}

/** A usage error: `berth: message` on stderr, exit 2. */
export function usageError(command: Command, message: string): never {
  return command.error(`berth: ${message}`, { exitCode: 2, code: 'berth.usage' });
}

/** Examples and exit codes, as every command's `--help` ends. */
export function helpText(examples: readonly string[], notes = ''): string {
  return `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n${notes ? `\n${notes}\n` : ''}`;
}

export const API_EXIT_CODES = 'Exit codes: 0 done, 1 failure (one line on stderr says why), 2 usage.';

/**
 * A connector named by id or by name (exact, else case-insensitive when that is unambiguous).
 * @throws ApiError `not_found` naming the connectors there are.
 */
export async function findConnector(api: ApiClient, nameOrId: string): Promise<Connector> {
  const connectors = await api.get<Connector[]>('/connectors');
  const found =
    connectors.find((c) => c.id === nameOrId) ??
    connectors.find((c) => c.name === nameOrId) ??
    oneOf(connectors.filter((c) => c.name.toLowerCase() === nameOrId.toLowerCase()));
  if (found) return found;
  const known = connectors.map((c) => c.name).join(', ');
  throw new ApiError(
    404,
    'not_found',
    `no connector is named or has the id "${nameOrId}"${known ? ` (yours: ${known})` : ' (you have none yet)'}`,
  );
}

const oneOf = <T>(items: readonly T[]): T | undefined => (items.length === 1 ? items[0] : undefined);

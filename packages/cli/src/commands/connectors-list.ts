import { Command, Option } from 'commander';
import { openApiSession } from '../api/api-session.js';
import type { Connector } from '../api/api-types.js';
import { formatTable, formatTime, printJson, styleFor, type Style } from '../terminal/output.js';
import { API_EXIT_CODES, helpText, withOutputOptions, type OutputOptions } from './command-kit.js';

/** `ok` green, `error` red: the status column as the portal colours it. */
export function colourStatus(status: string, style: Style): string {
  return status === 'ok' ? style.green(status) : status === 'error' ? style.red(status) : status;
}

/** `berth connectors list`. */
export function connectorsListCommand(): Command {
  return (
    withOutputOptions(
      new Command('list').alias('ls').description('List your connectors.'),
      'the connector ids',
    )
      .addHelpText(
        'after',
        helpText(
          ['berth connectors list', 'berth connectors list -q | xargs -n1 berth connectors sync'],
          API_EXIT_CODES,
        ),
      )
      // For shell completion: the names, one per line (names may hold spaces; never newlines).
      .addOption(new Option('--names', 'print only the connector names, one per line').hideHelp())
      .action(async (options: OutputOptions & { names?: boolean }) => {
        const connectors = await openApiSession().get<Connector[]>('/connectors');
        if (options.json) return printJson(connectors);
        if (options.names) return void process.stdout.write(connectors.map((c) => `${c.name}\n`).join(''));
        if (options.quiet) return void process.stdout.write(connectors.map((c) => `${c.id}\n`).join(''));
        if (connectors.length === 0) {
          process.stderr.write('No connectors yet: add one with berth connectors add\n');
          return;
        }
        const style = styleFor(process.stdout);
        process.stdout.write(
          formatTable(
            ['NAME', 'ID', 'PLATFORM', 'STATUS', 'REPOSITORIES', 'LAST SYNC', 'CREDENTIALS'],
            connectors.map((c) => [
              c.name,
              c.id,
              c.platform,
              colourStatus(c.status, style),
              String(c.repositoryCount),
              formatTime(c.lastSyncAt),
              c.credentialHint ?? '-',
            ]),
            style,
          ),
        );
      })
  );
}

import { Command } from 'commander';
import { openApiSession } from '../api/api-session.js';
import type { SearchItem } from '../api/api-types.js';
import { formatTable, printJson, shortDigest, styleFor } from '../terminal/output.js';
import {
  API_EXIT_CODES,
  helpText,
  usageError,
  withOutputOptions,
  type OutputOptions,
} from './command-kit.js';

interface SearchOptions extends OutputOptions {
  readonly limit: string;
}

/** `berth search WORD`: your registries first (marked), then public images. */
export function searchCommand(): Command {
  return withOutputOptions(
    new Command('search')
      .description('Search repositories and tags of your registries first, then public images.')
      .argument('<word>', 'part of a repository or tag name'),
    'CONNECTOR/REPOSITORY[:TAG] of your own results',
  )
    .option('--limit <n>', 'results from your registries (1-500)', '20')
    .addHelpText(
      'after',
      helpText(
        ['berth search python', 'berth search app --json', 'berth search app -q'],
        `Results from your registries are marked ● (red on a terminal).\n${API_EXIT_CODES}`,
      ),
    )
    .action(async function (this: Command, word: string, options: SearchOptions) {
      if (!/^[0-9]{1,3}$/.test(options.limit) || Number(options.limit) < 1 || Number(options.limit) > 500)
        return usageError(this, '--limit must be a whole number from 1 to 500');
      const result = await openApiSession().get<{ items: SearchItem[] }>('/search', {
        query: { q: word, limit: options.limit },
      });
      if (options.json) return printJson(result);
      const own = result.items.filter((i) => i.source === 'connected');
      if (options.quiet) {
        process.stdout.write(
          own
            .map(
              (i) => `${i.connectorName ?? i.connectorId ?? ''}/${i.repository}${i.tag ? `:${i.tag}` : ''}\n`,
            )
            .join(''),
        );
        return;
      }
      if (result.items.length === 0) {
        process.stderr.write(`Nothing matches "${word}".\n`);
        return;
      }
      const style = styleFor(process.stdout);
      process.stdout.write(
        formatTable(
          ['', 'CONNECTOR', 'REPOSITORY', 'TAG', 'DIGEST', 'PLATFORM'],
          result.items.map((i) => [
            i.source === 'connected' ? style.red('●') : ' ',
            i.connectorName ?? (i.source === 'public' ? 'public' : '-'),
            i.repository,
            i.tag ?? '-',
            shortDigest(i.digest),
            i.platform,
          ]),
          style,
        ),
      );
    });
}

import { Command } from 'commander';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-client.js';
import { openApiSession } from '../api/api-session.js';
import type { Connector, Page, Repository, Tag, TreePlatform } from '../api/api-types.js';
import { formatTable, formatTime, printJson, shortDigest, styleFor } from '../terminal/output.js';
import {
  API_EXIT_CODES,
  helpText,
  usageError,
  withOutputOptions,
  type OutputOptions,
} from './command-kit.js';
import { colourStatus } from './connectors-list.js';
import { formatBytes } from '../terminal/format-bytes.js';

interface LsOptions extends OutputOptions {
  readonly limit?: string;
}

/** The API's largest page. */
const PAGE = 500;

/**
 * `CONNECTOR/REPOSITORY` → the connector (by id or name; names may hold `/`, the longest that
 * matches wins) and the repository after it.
 */
export async function resolveTreePath(
  api: ApiClient,
  path: string,
): Promise<{ connector: Connector; repository: string | undefined }> {
  const connectors = await api.get<Connector[]>('/connectors');
  const candidates = connectors
    .flatMap((c) => [c.id, c.name].map((key) => ({ c, key })))
    .filter(({ key }) => path === key || path.startsWith(`${key}/`))
    .sort((a, b) => b.key.length - a.key.length);
  const best = candidates[0];
  if (!best) {
    const first = path.split('/')[0] ?? path;
    const known = connectors.map((c) => c.name).join(', ');
    throw new ApiError(
      404,
      'not_found',
      `no connector is named or has the id "${first}"${known ? ` (yours: ${known})` : ''}`,
    );
  }
  const rest = path.slice(best.key.length + 1);
  return { connector: best.c, repository: rest === '' ? undefined : rest };
}

/** Follows `nextCursor` until the end or `limit` items; the result has the page's shape. */
async function collect<T>(
  fetchPage: (cursor: string | undefined, limit: number) => Promise<Page<T>>,
  limit: number,
): Promise<Page<T>> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor, Math.min(PAGE, limit - items.length));
    items.push(...page.items);
    if (!page.nextCursor || items.length >= limit) return { items, nextCursor: page.nextCursor };
    cursor = page.nextCursor;
  }
}

/** `berth ls [CONNECTOR[/REPOSITORY]]`: the Connected Registries tree, one level at a time. */
export function lsCommand(): Command {
  return withOutputOptions(
    new Command('ls')
      .description(
        'Walk the tree: platforms and connectors, a connector’s repositories, a repository’s tags.',
      )
      .argument('[path]', 'CONNECTOR (name or id) or CONNECTOR/REPOSITORY'),
    'connector ids, repository names or tag digests',
  )
    .option('--limit <n>', 'list at most n items (default: all, page by page)')
    .addHelpText(
      'after',
      helpText(
        [
          'berth ls',
          'berth ls "Production ECR"',
          'berth ls local/team/app',
          'berth ls local/team/app --json | jq -r ".items[].name"',
        ],
        `--json prints the API's shapes: the tree, or {items, nextCursor} with every page joined\n(nextCursor is where --limit stopped).\n${API_EXIT_CODES}`,
      ),
    )
    .action(async function (this: Command, path: string | undefined, options: LsOptions) {
      if (options.limit !== undefined && !/^[1-9][0-9]{0,8}$/.test(options.limit))
        return usageError(this, '--limit must be a whole number above 0');
      const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : Number(options.limit);
      const api = openApiSession();
      const style = styleFor(process.stdout);
      const write = (text: string): void => void process.stdout.write(text);
      if (path === undefined || path === '') {
        const tree = await api.get<TreePlatform[]>('/tree');
        if (options.json) return printJson(tree);
        const rows = tree.flatMap((p) => p.connectors.map((c) => ({ platform: p.platform, ...c })));
        if (options.quiet) return write(rows.map((r) => `${r.id}\n`).join(''));
        if (rows.length === 0) {
          process.stderr.write('No connectors yet: add one with berth connectors add\n');
          return;
        }
        return write(
          formatTable(
            ['PLATFORM', 'CONNECTOR', 'ID', 'REPOSITORIES', 'STATUS'],
            rows.map((r) => [
              r.platform,
              r.name,
              r.id,
              String(r.repositoryCount),
              colourStatus(r.status, style),
            ]),
            style,
          ),
        );
      }
      const { connector, repository } = await resolveTreePath(api, path.replace(/\/+$/, ''));
      const base = `/connectors/${encodeURIComponent(connector.id)}`;
      if (repository === undefined) {
        const page = await collect(
          (cursor, n) => api.get<Page<Repository>>(`${base}/repositories`, { query: { cursor, limit: n } }),
          limit,
        );
        if (options.json) return printJson(page);
        if (options.quiet) return write(page.items.map((r) => `${r.name}\n`).join(''));
        return write(
          formatTable(
            ['REPOSITORY', 'TAGS', 'LAST PUSHED'],
            page.items.map((r) => [r.name, String(r.tagCount), formatTime(r.lastPushedAt)]),
            style,
          ),
        );
      }
      const page = await collect(
        (cursor, n) => api.get<Page<Tag>>(`${base}/tags`, { query: { repository, cursor, limit: n } }),
        limit,
      );
      if (options.json) return printJson(page);
      if (options.quiet) return write(page.items.map((t) => `${t.digest ?? ''}\n`).join(''));
      return write(
        formatTable(
          ['TAG', 'DIGEST', 'SIZE', 'PUSHED', 'PLATFORMS'],
          page.items.map((t) => [
            t.name,
            shortDigest(t.digest),
            t.size === null ? '-' : formatBytes(t.size),
            formatTime(t.pushedAt),
            t.platforms
              .map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`)
              .join(', ') || '-',
          ]),
          style,
        ),
      );
    });
}

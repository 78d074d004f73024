import { Command, Option } from 'commander';
import { formatPlatform, parsePlatform } from '@berth/oci';
import {
  analyzeImage,
  diffImages,
  memoryLayerCache,
  type ImageAnalysis,
  type ImageDiff,
  type ProfileProgress,
} from '@berth/analysis';
import { exitQuietlyOnEpipe, openImages } from './image-access.js';
import { progressBar } from './progress-bar.js';
import { formatBytes } from './profile-summary.js';

interface DiffOptions {
  readonly platform?: string;
  readonly leftPlatform?: string;
  readonly rightPlatform?: string;
  readonly json?: boolean;
  readonly includeMetadata?: boolean;
  readonly creds?: string;
  readonly insecure?: boolean;
  readonly limit: string;
}

const EXAMPLES = `
Examples:
  berth diff debian:bookworm-20240110 debian:bookworm-20240211
  berth diff registry.internal:5000/team/app:1.4 registry.internal:5000/team/app:1.5 --json > diff.json
  berth diff ghcr.io/acme/app:main ghcr.io/acme/app:main --platform linux/arm64 --include-metadata
  berth diff ghcr.io/acme/app:1.5 ghcr.io/acme/app:1.5 --left-platform linux/amd64 --right-platform linux/arm64

Files are compared by content hash, mode, owner and link target, not by modification time
(--include-metadata also lists files whose only change is their mtime). Layers both images
share are analysed once. Credentials as for berth profile (--creds applies to both images).

Exit codes: 0 done (whether or not the images differ), 1 failure, 2 usage.`;

/** `berth diff A B`: what changed between two images, straight from their registries (no server). */
export function diffCommand(): Command {
  return new Command('diff')
    .description('Compare two images (no server): config, layers, files, packages, Dockerfile.')
    .argument('<left>', 'the "before" image reference')
    .argument('<right>', 'the "after" image reference')
    .option('--platform <os/arch[/variant]>', 'platform of multi-arch images (default linux/amd64)')
    .option('--left-platform <os/arch[/variant]>', 'platform of the left image (overrides --platform)')
    .option('--right-platform <os/arch[/variant]>', 'platform of the right image (overrides --platform)')
    .option('--json', 'print the whole diff as JSON')
    .option('--include-metadata', 'also report files whose only change is their modification time')
    .addOption(new Option('--limit <n>', 'file and package changes listed per kind').default('20'))
    .option('--creds <user:password>', 'registry credentials (else ~/.docker/config.json, else anonymous)')
    .option('--insecure', 'plain HTTP to the registry (loopback registries always are)')
    .addHelpText('after', EXAMPLES)
    .action(async function (this: Command, left: string, right: string, options: DiffOptions) {
      const usage = (message: string): never =>
        this.error(`berth: ${message}`, { exitCode: 2, code: 'berth.usage' });
      if (!/^[0-9]{1,6}$/.test(options.limit)) usage('--limit must be a whole number');
      const limit = Number(options.limit);
      const access = openImages([left, right], options, usage);
      const platforms = [options.leftPlatform, options.rightPlatform].map((text) => {
        if (text === undefined) return access.platform;
        try {
          return parsePlatform(text);
        } catch (error) {
          return usage((error as Error).message);
        }
      });
      exitQuietlyOnEpipe();
      const bar = progressBar(process.stderr, 'diffing');
      const progress: ProfileProgress[] = [];
      const report = (side: number, p: ProfileProgress): void => {
        progress[side] = p;
        const sum = (k: keyof ProfileProgress): number => progress.reduce((s, x) => s + x[k], 0);
        bar.update({
          layersDone: sum('layersDone'),
          layersTotal: sum('layersTotal'),
          bytesDone: sum('bytesDone'),
          bytesTotal: sum('bytesTotal'),
        });
      };
      try {
        // One cache: layers the two images share are fetched and analysed once.
        const cache = memoryLayerCache();
        const [a, b] = (await Promise.all(
          access.images.map((image, side) =>
            analyzeImage(image.source, image.identifier, {
              cache,
              ...(platforms[side] ? { platform: platforms[side] } : {}),
              onProgress: (p) => report(side, p),
            }),
          ),
        )) as [ImageAnalysis, ImageAnalysis];
        bar.clear();
        const diff = diffImages(a, b, { includeMetadata: options.includeMetadata === true });
        const names = access.images.map((i) => i.name) as [string, string];
        process.stdout.write(
          options.json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiffSummary(diff, names, limit),
        );
      } finally {
        bar.clear();
        await access.close();
      }
    });
}

const signed = (n: number): string => (n > 0 ? `+${formatBytes(n)}` : n < 0 ? `-${formatBytes(-n)}` : '0 B');
const show = (value: unknown): string =>
  value === null || value === undefined || value === ''
    ? '(unset)'
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);

/**
 * The readable diff: a summary block, then config, file and package changes (the first
 * `limit` of each kind, with counts), like `berth profile` labels padded to a column.
 */
export function formatDiffSummary(diff: ImageDiff, names: readonly [string, string], limit: number): string {
  const { summary } = diff;
  const out: string[] = [];
  const row = (label: string, value: string): void => {
    out.push(`${label.padEnd(11)}${value}`);
  };
  row('left', `${names[0]} (${diff.left.manifestDigest})`);
  row('right', `${names[1]} (${diff.right.manifestDigest})`);
  if (formatPlatform(diff.left.platform) !== formatPlatform(diff.right.platform)) {
    row('platform', `${formatPlatform(diff.left.platform)} → ${formatPlatform(diff.right.platform)}`);
  } else {
    row('platform', formatPlatform(diff.left.platform));
  }
  if (diff.left.os !== diff.right.os)
    row('os', `${diff.left.os ?? 'unknown'} → ${diff.right.os ?? 'unknown'}`);
  row(
    'size',
    `${signed(summary.sizeDelta)} (${formatBytes(diff.left.sizeUncompressed)} → ${formatBytes(diff.right.sizeUncompressed)} uncompressed), ${signed(summary.sizeDeltaCompressed)} compressed`,
  );
  row('layers', `${summary.sharedLayers} shared (${diff.left.layerCount} → ${diff.right.layerCount})`);
  row('config', `${summary.configChanged} change(s)`);
  row(
    'files',
    `${summary.filesAdded} added, ${summary.filesRemoved} removed, ${summary.filesModified} modified`,
  );
  row(
    'packages',
    `${summary.packagesAdded} added, ${summary.packagesRemoved} removed, ${summary.packagesChanged} changed`,
  );

  if (diff.config.length > 0) {
    out.push('', 'Config:');
    const width = Math.max(...diff.config.map((c) => c.field.length)) + 2;
    for (const c of diff.config) out.push(`  ${c.field.padEnd(width)}${show(c.left)} → ${show(c.right)}`);
  }

  const files: string[] = [];
  const list = <T>(items: readonly T[], what: string, line: (item: T) => string): void => {
    for (const item of items.slice(0, limit)) files.push(line(item));
    if (items.length > limit) files.push(`  … ${items.length - limit} more ${what}`);
  };
  list(
    diff.files.added,
    'added',
    (f) => `  A ${f.path}${f.type === 'file' ? ` (${formatBytes(f.size)})` : ` (${f.type})`}`,
  );
  list(
    diff.files.removed,
    'removed',
    (f) => `  D ${f.path}${f.type === 'file' ? ` (${formatBytes(f.size)})` : ` (${f.type})`}`,
  );
  list(diff.files.modified, 'modified', (f) => {
    const what = f.changes
      .map((c) => {
        if (c === 'content') return `content ${formatBytes(f.leftSize)} → ${formatBytes(f.rightSize)}`;
        if (c === 'mode') return `mode ${f.left.mode.toString(8)} → ${f.right.mode.toString(8)}`;
        if (c === 'owner') return `owner ${f.left.uid}:${f.left.gid} → ${f.right.uid}:${f.right.gid}`;
        if (c === 'linkTarget') return `link ${f.left.linkTarget ?? ''} → ${f.right.linkTarget ?? ''}`;
        if (c === 'type') return `type ${f.leftType} → ${f.type}`;
        return c;
      })
      .join(', ');
    return `  M ${f.path} (${what})`;
  });
  if (files.length > 0) out.push('', 'Files:', ...files);

  const packages: string[] = [];
  const pkgList = <T>(items: readonly T[], what: string, line: (item: T) => string): void => {
    for (const item of items.slice(0, limit)) packages.push(line(item));
    if (items.length > limit) packages.push(`  … ${items.length - limit} more ${what}`);
  };
  const arrow = { upgrade: '↑', downgrade: '↓', rebuild: '=' } as const;
  pkgList(
    diff.packages.changed,
    'changed',
    (p) => `  ${arrow[p.direction]} ${p.name} (${p.type}) ${p.left} → ${p.right}`,
  );
  pkgList(diff.packages.added, 'added', (p) => `  + ${p.name} (${p.type}) ${p.version}`);
  pkgList(diff.packages.removed, 'removed', (p) => `  - ${p.name} (${p.type}) ${p.version}`);
  if (packages.length > 0) out.push('', 'Packages:', ...packages);
  return `${out.join('\n')}\n`;
}

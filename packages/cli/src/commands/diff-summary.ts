import { formatPlatform } from '@berth/oci';
import type { ImageDiff } from '@berth/analysis';
import { formatBytes } from '../terminal/format-bytes.js';

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

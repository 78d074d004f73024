import { formatPlatform } from '@berth/oci';
import type { ContainerProfile } from '@berth/analysis';
import { formatBytes } from '../terminal/format-bytes.js';

export { formatBytes };

/** `5,237`. Not toLocaleString: loading ICU data costs a one-shot CLI ~25 ms. */
const count = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * The readable summary `berth profile` prints by default: one line per topic, labels padded
 * to a column, so it reads in a terminal and greps in a pipeline.
 */
export function formatProfileSummary(profile: ContainerProfile, name: string): string {
  const { overview, security, efficiency } = profile;
  const byType = new Map<string, number>();
  for (const p of profile.packages) byType.set(p.type, (byType.get(p.type) ?? 0) + 1);
  const packageTypes = [...byType].map(([type, n]) => `${type} ${count(n)}`).join(', ');
  const os = overview.os.prettyName ?? overview.os.id ?? 'unknown (no os-release)';
  const user = overview.user === '' ? 'root (no USER set)' : overview.user;
  const notAnalysed = profile.layers.filter((l) => !l.analysed).length;
  const rows: [string, string][] = [
    ['image', name],
    ['digest', profile.image.manifestDigest],
    ['platform', formatPlatform(profile.image.platform)],
    ['os', os],
    [
      'size',
      `${formatBytes(overview.sizeCompressed)} compressed, ${formatBytes(overview.sizeUncompressed)} uncompressed`,
    ],
    ['layers', `${overview.layerCount}${notAnalysed ? ` (${notAnalysed} not analysed)` : ''}`],
    ['files', `${count(overview.fileCount)} (${formatBytes(overview.filesSize)})`],
    ['user', `${user}${overview.runsAsRoot ? ', runs as root' : ''}`],
    ['packages', `${count(profile.packages.length)}${packageTypes ? ` (${packageTypes})` : ''}`],
    [
      'security',
      [
        `${security.setuid.length} setuid`,
        `${security.setgid.length} setgid`,
        `${security.worldWritable.length} world-writable`,
        `${security.capabilities.length} with capabilities`,
        `${security.privateKeys.length} private keys`,
      ].join(', '),
    ],
    [
      'efficiency',
      `${(efficiency.score * 100).toFixed(1)}% (${formatBytes(efficiency.wastedBytes)} wasted in overwritten or deleted files)`,
    ],
  ];
  if (profile.image.indexDigest) {
    rows.splice(2, 0, [
      'index',
      `${profile.image.indexDigest} (${profile.image.platforms.map(formatPlatform).join(', ')})`,
    ]);
  }
  return `${rows.map(([label, value]) => `${label.padEnd(11)}${value}`).join('\n')}\n`;
}

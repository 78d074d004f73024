import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createLayout,
  debianMinbaseRootfs,
  findRepoRoot,
  pushImage,
  runCommand,
  startRegistry,
} from '../src/index.js';

// Needs root and the Debian mirror; the first run takes ~40–60 s, later runs hit the cache.
describe('debianMinbaseRootfs', () => {
  it(
    'builds a cached minbase bookworm tarball once and shares it between concurrent callers',
    async () => {
      const [first, second] = await Promise.all([debianMinbaseRootfs(), debianMinbaseRootfs()]);
      expect(second).toBe(first);
      expect(first).toBe(join(findRepoRoot(), '.cache', 'testkit', 'debian-bookworm-minbase.tar'));
      const before = await stat(first);
      expect(before.size).toBeGreaterThan(50_000_000);

      const { stdout } = await runCommand('tar', ['-tvf', first]);
      const lines = stdout.split('\n');
      const names = new Set(
        lines.map((line) =>
          line
            .split(/\s+/)
            .slice(5)
            .join(' ')
            .replace(/ -> .*| link to .*/, ''),
        ),
      );
      expect(names.has('etc/debian_version')).toBe(true);
      expect(names.has('usr/bin/bash')).toBe(true);
      expect(names.has('usr/bin/apt')).toBe(true);
      expect(lines.some((line) => /^lrwxrwxrwx .* bin -> usr\/bin$/.test(line))).toBe(true); // merged /usr
      expect(lines.some((line) => line.startsWith('c'))).toBe(false); // no device nodes
      expect(
        [...names].some((name) => name.startsWith('var/cache/apt/archives/') && name.endsWith('.deb')),
      ).toBe(false);
      expect(lines.every((line) => !line.trim() || /^\S+ 0\/0 /.test(line))).toBe(true);

      const again = await debianMinbaseRootfs();
      expect(again).toBe(first);
      expect((await stat(again)).mtimeMs).toBe(before.mtimeMs);
    },
    15 * 60_000,
  );

  it(
    'makes a pushable image layer from the cached tarball',
    async () => {
      const tar = await debianMinbaseRootfs();
      const [registry, layout] = await Promise.all([startRegistry(), createLayout()]);
      try {
        const image = await layout.addImage('debian', {
          layers: [
            { fromTar: tar, compression: 'zstd', createdBy: 'debootstrap --variant=minbase bookworm' },
          ],
          config: {
            cmd: ['bash'],
            env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
          },
        });
        expect(image.layers[0]?.uncompressedSize).toBe((await stat(tar)).size);
        const { digest } = await pushImage(layout, 'debian', registry, 'library/debian:bookworm');
        expect(digest).toBe(image.manifestDigest);
      } finally {
        await Promise.all([registry.stop(), layout.remove()]);
      }
    },
    5 * 60_000,
  );
});

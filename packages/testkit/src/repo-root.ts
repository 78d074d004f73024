import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestkitError } from './testkit-error.js';

/**
 * The monorepo root: the nearest directory above this file whose package.json declares
 * workspaces. Works from `src/` (tests) and `dist/` alike.
 */
export function findRepoRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
      if (parsed.workspaces !== undefined) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new TestkitError('not_found', `no workspace root above ${start}`);
    dir = parent;
  }
}

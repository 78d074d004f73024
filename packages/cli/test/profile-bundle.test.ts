// The bundle `npm run build` makes of `berth profile` (scripts/bundle-cli.mjs), which bin.js
// loads instead of the modules: built here from the sources, it must profile an image exactly
// as the modules do — gzip, zstd (a native addon, loaded from node_modules) and plain layers.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayout, type OciLayout } from '@berth/testkit';
import type { ContainerProfile } from '@berth/analysis';
import { runBerth } from './run-berth.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let layout: OciLayout;
let bundleDir: string;

beforeAll(async () => {
  layout = await createLayout();
  await layout.addImage('app', {
    layers: [
      {
        createdBy: 'ADD base /',
        entries: [
          { type: 'file', path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.0\n' },
          { type: 'file', path: 'bin/busybox', content: 'not really busybox', mode: 0o4755 },
        ],
      },
      {
        createdBy: 'COPY app /app',
        compression: 'zstd',
        entries: [{ type: 'file', path: 'app/main.js', content: 'console.log(1)\n'.repeat(500) }],
      },
      {
        createdBy: 'RUN rm /bin/busybox',
        compression: 'none',
        entries: [{ type: 'whiteout', path: 'bin/busybox' }],
      },
    ],
    config: { cmd: ['node', '/app/main.js'], user: 'app' },
  });
  // Beside where the build puts it (packages/cli/dist/bundle): native addons resolve the same way.
  const dist = join(ROOT, 'packages/cli/dist');
  mkdirSync(dist, { recursive: true });
  bundleDir = mkdtempSync(join(dist, 'bundle-test-'));
  await run(process.execPath, [join(ROOT, 'scripts/bundle-cli.mjs'), bundleDir], { cwd: ROOT });
}, 120_000);

afterAll(async () => {
  await layout?.remove();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

/** The profile without what differs from run to run (how long the analysis took). */
function comparable(json: string): unknown {
  const profile = JSON.parse(json) as ContainerProfile;
  return { ...profile, analyzer: { ...profile.analyzer, durationMs: 0 } };
}

describe('the bundled berth profile', () => {
  it('gives the same profile as the modules', async () => {
    const args = ['profile', '--oci-layout', layout.dir, 'app', '--json'];
    const script = `const { createProfileProgram } = await import(${JSON.stringify(join(bundleDir, 'profile-program.js'))});
await createProfileProgram().parseAsync(['node', 'berth', ...${JSON.stringify(args)}]);`;
    const [bundled, modules] = await Promise.all([
      run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, maxBuffer: 64 << 20 }),
      runBerth(args, { HOME: bundleDir }),
    ]);
    expect(modules.code).toBe(0);
    expect(bundled.stderr).toBe('');
    const profile = comparable(bundled.stdout) as ContainerProfile;
    expect(profile.layers.map((l) => l.compression)).toEqual(['gzip', 'zstd', 'none']);
    expect(profile.overview.os?.id).toBe('alpine');
    expect(profile).toEqual(comparable(modules.stdout));
  });
});

// `berth diff` and `berth ci` as pipelines run them: the real binary against the real registry
// (testkit), their output and every exit code they document.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startRegistry,
  type EntrySpec,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import type { ImageDiff } from '@berth/analysis';
import { runBerth, type BerthRun } from './run-berth.js';

const status = (bashVersion: string): string =>
  [
    'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4\n',
    `Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${bashVersion}\n`,
  ].join('\n');
const base = (bashVersion: string, extra: EntrySpec[] = []): EntrySpec[] => [
  {
    type: 'file',
    path: 'etc/os-release',
    content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
  },
  {
    type: 'file',
    path: 'etc/passwd',
    content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/false\n',
  },
  { type: 'file', path: 'var/lib/dpkg/status', content: status(bashVersion) },
  ...extra,
];

let layout: OciLayout;
let registry: RunningRegistry;
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'berth-cli-diff-'));
  dirs.push(d);
  return d;
};
const env = (): Record<string, string> => ({ HOME: tempDir() });
const ref = (tag: string): string => `${registry.host}/team/app:${tag}`;

beforeAll(async () => {
  layout = await createLayout();
  await layout.addImage('v1', {
    layers: [
      {
        entries: base('5.2.15-2', [
          { type: 'file', path: 'app/config.txt', content: 'mode=one\n' },
          { type: 'file', path: 'app/old.txt', content: 'old' },
          ...Array.from({ length: 25 }, (_, i): EntrySpec => ({
            type: 'file',
            path: `app/gone/${i}.txt`,
            content: `${i}`,
          })),
        ]),
      },
    ],
    config: { user: 'app', env: ['MODE=one'] },
  });
  await layout.addImage('v2', {
    layers: [
      {
        entries: base('5.2.15-3', [
          { type: 'file', path: 'app/config.txt', content: 'mode=two\n', mode: 0o600 },
          { type: 'file', path: 'app/new.txt', content: 'new!' },
        ]),
      },
    ],
    config: { user: 'app', env: ['MODE=two'] },
  });
  // 60 kB written, then deleted by the next layer: dead bytes; and a private key.
  await layout.addImage('wasteful', {
    layers: [
      { entries: base('5.2.15-2', [{ type: 'file', path: 'tmp/build.tar', content: 'x'.repeat(60_000) }]) },
      {
        entries: [
          { type: 'whiteout', path: 'tmp/build.tar' },
          {
            type: 'file',
            path: 'app/id_rsa',
            content: '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n',
          },
        ],
        createdBy: 'RUN /bin/sh -c rm /tmp/build.tar # buildkit',
      },
    ],
    config: { user: 'app' },
  });
  await layout.addIndex(
    'multi',
    ['amd64', 'arm64'].map((architecture) => ({
      platform: { os: 'linux', architecture },
      layers: [
        {
          entries: base('5.2.15-2', [
            { type: 'file', path: `lib/${architecture}.so`, content: architecture },
          ]),
        },
      ],
    })),
  );
  registry = await startRegistry({ auth: 'none' });
  for (const tag of ['v1', 'v2', 'wasteful']) await pushImage(layout, tag, registry, `team/app:${tag}`);
  await pushImage(layout, 'multi', registry, 'team/app:multi', { all: true });
}, 180_000);

afterAll(async () => {
  await registry?.stop();
  await layout?.remove();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('berth diff', () => {
  it('prints the summary, config, file and package changes, exit 0', async () => {
    const run = await runBerth(['diff', ref('v1'), ref('v2'), '--limit', '3'], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('files      1 added, 26 removed, 2 modified');
    expect(lines).toContain('packages   0 added, 0 removed, 1 changed');
    expect(lines).toContain('layers     0 shared (1 → 1)');
    expect(lines).toContain('  env.MODE  one → two');
    expect(lines).toContain('  A /app/new.txt (4 B)');
    expect(lines).toContain('  D /app/gone/0.txt (1 B)');
    expect(lines).toContain('  … 23 more removed');
    expect(lines).toContain('  M /app/config.txt (content 9 B → 9 B, mode 644 → 600)');
    expect(lines).toContain('  M /var/lib/dpkg/status (content 165 B → 165 B)');
    expect(lines).toContain('  ↑ bash (deb) 5.2.15-2 → 5.2.15-3');
  });

  it('prints the whole diff with --json; an image against itself is empty', async () => {
    const run = await runBerth(['diff', ref('v1'), ref('v2'), '--json'], env());
    expect(run.code).toBe(0);
    const diff = JSON.parse(run.stdout) as ImageDiff;
    expect(diff.files.removed).toHaveLength(26);
    expect(diff.packages.changed).toEqual([
      { type: 'deb', name: 'bash', arch: 'amd64', left: '5.2.15-2', right: '5.2.15-3', direction: 'upgrade' },
    ]);
    const same = JSON.parse(
      (await runBerth(['diff', ref('v1'), ref('v1'), '--json'], env())).stdout,
    ) as ImageDiff;
    expect(same.summary).toMatchObject({
      filesAdded: 0,
      filesRemoved: 0,
      filesModified: 0,
      packagesChanged: 0,
      sharedLayers: 1,
    });
  });

  it('compares two platforms of one index', async () => {
    const run = await runBerth(
      ['diff', ref('multi'), ref('multi'), '--right-platform', 'linux/arm64', '--json'],
      env(),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const diff = JSON.parse(run.stdout) as ImageDiff;
    expect([diff.left.platform.architecture, diff.right.platform.architecture]).toEqual(['amd64', 'arm64']);
    expect(diff.files.removed.map((f) => f.path)).toEqual(['/lib/amd64.so']);
    expect(diff.files.added.map((f) => f.path)).toEqual(['/lib/arm64.so']);
    expect((await runBerth(['diff', ref('v1'), ref('v2'), '--left-platform', 'linux'], env())).code).toBe(2);
  });

  it('fails with one line on a missing tag (1), and on bad usage (2)', async () => {
    const missing = await runBerth(['diff', ref('v1'), ref('nope')], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^berth: manifest team\/app:nope was not found/),
    ]);
    expect((await runBerth(['diff', ref('v1')], env())).code).toBe(2);
    expect((await runBerth(['diff', ref('v1'), ref('v2'), '--limit', 'many'], env())).code).toBe(2);
    expect((await runBerth(['diff', ref('v1'), 'UPPER/Case'], env())).code).toBe(2);
  });
});

/** runBerth with a working directory (where `.berth-ci.yml` is looked for). */
function runBerthIn(cwd: string, args: string[]): Promise<BerthRun> {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const loader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  const bin = join(root, 'packages/cli/src/bin.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=berth-source', '--import', loader, bin, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('berth ci', () => {
  it('passes a clean image with the default thresholds, exit 0', async () => {
    const run = await runBerth(['ci', ref('v1')], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  PASS  efficiency   100.0% ≥ 90.0%\n');
    expect(run.stdout).toContain('  PASS  wasted share 0.0% of the image ≤ 10.0%\n');
    expect(run.stdout.trimEnd().endsWith('result: PASS')).toBe(true);
  });

  it('exits 3 with a readable report when the image violates the policy', async () => {
    const run = await runBerth(
      ['ci', ref('wasteful'), '--max-wasted-bytes', '50kB', '--fail-on', 'high', '--min-efficiency', '0'],
      env(),
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('  FAIL  wasted bytes 60.0 kB > 50.0 kB\n');
    expect(run.stdout).toContain('  FAIL  advice       2 finding(s) at or above high\n');
    expect(run.stdout).toContain('          high   secrets: Private keys or .env files baked in\n');
    expect(run.stdout).toMatch(/^ {2}high {3}dead-bytes \(saves 60\.0 kB\): /m);
    expect(run.stdout).toContain('  PASS  efficiency');
    expect(run.stdout.trimEnd().endsWith('result: FAIL (3 of 4 checks)')).toBe(true);
    const json = JSON.parse(
      (await runBerth(['ci', ref('wasteful'), '--json', '--max-wasted-bytes', '60000'], env())).stdout,
    ) as {
      passed: boolean;
      checks: { name: string; passed: boolean }[];
    };
    expect(json.checks.find((c) => c.name === 'wasted bytes')).toMatchObject({ passed: true });
  });

  it('reads thresholds from .berth-ci.yml in the working directory; options win', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, '.berth-ci.yml'),
      '# pipeline policy\nmin-efficiency: "0%"\nmax-wasted-bytes: 1MB  # plenty\nfail-on: off\nmax-wasted-percent: off\n',
    );
    const pass = await runBerthIn(dir, ['ci', ref('wasteful')]);
    expect(pass.stderr).toBe('');
    expect(pass.code).toBe(0);
    expect(pass.stdout).toContain('  PASS  wasted bytes 60.0 kB ≤ 1.0 MB\n');
    expect(pass.stdout).not.toContain('wasted share');
    const fail = await runBerthIn(dir, ['ci', ref('wasteful'), '--max-wasted-bytes', '10kB']);
    expect(fail.code).toBe(3);
    writeFileSync(join(dir, '.berth-ci.yml'), 'max-wasted-byte: 1MB\n');
    const typo = await runBerthIn(dir, ['ci', ref('wasteful')]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^berth: \.berth-ci\.yml line 1: unknown key "max-wasted-byte"/);
  });

  it('exits 1 when the image cannot be analysed and 2 on bad thresholds', async () => {
    expect((await runBerth(['ci', ref('nope')], env())).code).toBe(1);
    const bad = await runBerth(['ci', ref('v1'), '--fail-on', 'critical'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-on: "critical" is not one of info, low, medium, high');
    expect((await runBerth(['ci', ref('v1'), '--max-wasted-bytes', '50 parsecs'], env())).code).toBe(2);
  });
});

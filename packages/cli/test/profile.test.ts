// `berth profile` as users run it: the real binary against the real registry (testkit), in
// every output mode, with every way of authenticating, and with the exit codes it documents.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startRegistry,
  type BuiltImage,
  type BuiltIndex,
  type ImageSpec,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import type { ContainerProfile } from '@berth/analysis';
import { cycloneDxValidator, spdxValidator } from '../../analysis/test/sbom-schemas.js';
import { runBerth } from './run-berth.js';

const DPKG_STATUS = [
  'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n',
  'Package: login\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:4.13+dfsg1-1\n',
].join('\n');

function spec(architecture: string): ImageSpec {
  return {
    platform: { os: 'linux', architecture },
    layers: [
      {
        createdBy: '/bin/sh -c #(nop) ADD file:base in / ',
        entries: [
          {
            type: 'file',
            path: 'etc/os-release',
            content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
          },
          { type: 'file', path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
          { type: 'file', path: 'var/lib/dpkg/status', content: DPKG_STATUS },
          { type: 'file', path: 'usr/bin/su', content: 'not really su', mode: 0o4755 },
          { type: 'file', path: `arch-${architecture}.txt`, content: architecture },
        ],
      },
      {
        createdBy: '/bin/sh -c rm /etc/big && echo app > /app.txt',
        entries: [{ type: 'file', path: 'app/app.txt', content: 'x'.repeat(5000) }],
      },
    ],
    config: { cmd: ['/bin/sh'] },
  };
}

let layout: OciLayout;
let open: RunningRegistry;
let locked: RunningRegistry;
let image: BuiltImage;
let index: BuiltIndex;
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'berth-cli-profile-'));
  dirs.push(d);
  return d;
};
/** An environment whose HOME has no Docker credentials (unless a test writes some). */
const cleanEnv = (): Record<string, string> => ({ HOME: tempDir() });

beforeAll(async () => {
  layout = await createLayout();
  image = await layout.addImage('app', spec('amd64'));
  index = await layout.addIndex('multi', [spec('amd64'), spec('arm64')]);
  [open, locked] = await Promise.all([startRegistry({ auth: 'none' }), startRegistry({ auth: 'basic' })]);
  await Promise.all([
    pushImage(layout, 'app', open, 'team/app:1.0'),
    pushImage(layout, 'multi', open, 'team/multi:1.0', { all: true }),
    pushImage(layout, 'app', locked, 'team/app:1.0'),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([open?.stop(), locked?.stop(), layout?.remove()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('berth profile', () => {
  it('prints a readable summary, nothing on stderr when it is not a terminal', async () => {
    const run = await runBerth(['profile', `${open.host}/team/app:1.0`], cleanEnv());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      `image      ${open.host}/team/app:1.0`,
      `digest     ${image.manifestDigest}`,
      'platform   linux/amd64',
      'os         Debian GNU/Linux 12 (bookworm)',
      expect.stringMatching(
        /^size {7}\d+(\.\d)? (B|kB) compressed, \d+(\.\d)? kB uncompressed$/,
      ) as unknown as string,
      'layers     2',
      'files      6 (5.3 kB)',
      'user       root (no USER set), runs as root',
      'packages   2 (deb 2)',
      'security   1 setuid, 0 setgid, 0 world-writable, 0 with capabilities, 0 private keys',
      'efficiency 100.0% (0 B wasted in overwritten or deleted files)',
    ]);
  });

  it('prints the whole profile with --json, for the platform asked for', async () => {
    const run = await runBerth(
      ['profile', `${open.host}/team/multi:1.0`, '--platform', 'linux/arm64', '--json'],
      cleanEnv(),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const profile = JSON.parse(run.stdout) as ContainerProfile;
    expect(profile.image.indexDigest).toBe(index.indexDigest);
    expect(profile.image.manifestDigest).toBe(index.images[1]?.manifestDigest);
    expect(profile.image.platform).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(profile.packages.map((p) => `${p.name}=${p.version}`)).toEqual([
      'base-files=12.4+deb12u5',
      'login=1:4.13+dfsg1-1',
    ]);
    expect(profile.security.setuid).toEqual(['/usr/bin/su']);
  });

  it('prints a CycloneDX SBOM that the published schema accepts', async () => {
    const run = await runBerth(['profile', `${open.host}/team/app:1.0`, '--sbom', 'cyclonedx'], cleanEnv());
    expect(run.code).toBe(0);
    const bom = JSON.parse(run.stdout) as {
      metadata: { component: { name: string; version: string } };
      components: { purl?: string }[];
    };
    expect(cycloneDxValidator('1.6')(bom)).toEqual([]);
    expect(bom.metadata.component).toMatchObject({
      name: `${open.host}/team/app:1.0`,
      version: image.manifestDigest,
    });
    expect(bom.components.map((c) => c.purl)).toContain(
      'pkg:deb/debian/login@1:4.13%2Bdfsg1-1?arch=amd64&distro=debian-12',
    );
  });

  it('prints an SPDX 2.3 document with --sbom spdx, also from an OCI layout directory', async () => {
    const run = await runBerth(['profile', '--oci-layout', layout.dir, 'app', '--sbom', 'spdx'], cleanEnv());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { spdxVersion: string; packages: { versionInfo?: string }[] };
    expect(spdxValidator()(doc)).toEqual([]);
    expect(doc.packages[0]?.versionInfo).toBe(image.manifestDigest);
  });

  it('names a missing tag and its registry in one line, exit 1', async () => {
    const run = await runBerth(['profile', `${open.host}/team/app:nope`], cleanEnv());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(`^berth: manifest team/app:nope was not found on ${open.host.replace(/\./g, '\\.')}`),
    );
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('names a platform the image does not have', async () => {
    const run = await runBerth(
      ['profile', `${open.host}/team/multi:1.0`, '--platform', 'linux/s390x'],
      cleanEnv(),
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'berth: the image has no linux/s390x variant (available: linux/amd64, linux/arm64)',
    );
  });

  describe('on a registry that wants credentials', () => {
    const ref = () => `${locked.host}/team/app:1.0`;
    const creds = () => `${locked.credentials?.username}:${locked.credentials?.password}`;

    it('fails anonymously, in one line that shows no secret', async () => {
      const run = await runBerth(['profile', ref()], cleanEnv());
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^berth: .*(unauthori[sz]ed|credentials)/i);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    });

    it('uses --creds, and refuses wrong ones', async () => {
      const anonymous = await runBerth(['profile', ref(), '--json'], cleanEnv());
      expect(anonymous.code).toBe(1);
      const withCreds = await runBerth(['profile', ref(), '--creds', creds(), '--json'], cleanEnv());
      expect(withCreds.code).toBe(0);
      expect((JSON.parse(withCreds.stdout) as ContainerProfile).image.manifestDigest).toBe(
        image.manifestDigest,
      );
      const wrong = await runBerth(['profile', ref(), '--creds', 'reader:wrong-password'], cleanEnv());
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).not.toContain('wrong-password');
    });

    it('uses ~/.docker/config.json auths', async () => {
      const env = cleanEnv();
      mkdirSync(join(env.HOME as string, '.docker'));
      const auth = Buffer.from(creds()).toString('base64');
      writeFileSync(
        join(env.HOME as string, '.docker', 'config.json'),
        JSON.stringify({ auths: { [`http://${locked.host}`]: { auth } } }),
      );
      const run = await runBerth(['profile', ref()], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    });

    it('uses a credential helper named in ~/.docker/config.json', async () => {
      const env = cleanEnv();
      const home = env.HOME as string;
      mkdirSync(join(home, '.docker'));
      mkdirSync(join(home, 'bin'));
      writeFileSync(
        join(home, '.docker', 'config.json'),
        JSON.stringify({ credHelpers: { [locked.host]: 'berthtest' } }),
      );
      const helper = join(home, 'bin', 'docker-credential-berthtest');
      writeFileSync(
        helper,
        `#!/bin/sh\nread server\necho '{"ServerURL":"'"$server"'","Username":"${locked.credentials?.username}","Secret":"${locked.credentials?.password}"}'\n`,
      );
      chmodSync(helper, 0o755);
      const run = await runBerth(['profile', ref()], {
        ...env,
        PATH: `${join(home, 'bin')}:${process.env.PATH ?? ''}`,
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    });
  });

  it.concurrent.for([
    [['profile'], /^berth: missing image reference/],
    [['profile', 'Team/App'], /^berth: invalid image reference "Team\/App"/],
    [['profile', 'x', '--platform', 'amd64'], /^berth: platform "amd64" is not of the form os\/architecture/],
    [['profile', 'x', '--sbom', 'swid'], /^berth: option '--sbom <format>' argument 'swid' is invalid/],
    [
      ['profile', 'x', '--json', '--sbom', 'spdx'],
      /^berth: option '--json' cannot be used with option '--sbom <format>'/,
    ],
    [['profile', 'x', '--creds', 'nocolon'], /^berth: --creds must be user:password/],
    [['profile', 'x', '--frobnicate'], /^berth: unknown option '--frobnicate'/],
  ] as const)('exits 2 on a usage error: %j', async ([args, message], { expect }) => {
    const run = await runBerth(args, cleanEnv());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});

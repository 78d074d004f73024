// Tiny rpm packages built with Debian's rpmbuild, and rpm databases made from them with
// `rpm --justdb`: the real thing the rpm detector reads. The .rpm files are cached under
// <repo>/.cache/rpm-fixtures (keyed by the spec texts); databases are made fresh per run.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@berth/testkit';

const SUBPACKAGES = 24;

/** Epoch, tilde-free version, a vendor and two dozen subpackages: the Packages table spans pages. */
const TOOLS_V1 = `Name: berth-tools
Version: 1.2.3
Release: 4.fc40
Epoch: 2
Summary: Berth test tools
License: MIT AND (Apache-2.0 OR BSD-3-Clause)
Vendor: Berth Test
BuildArch: noarch
%description
Tools.
${Array.from({ length: SUBPACKAGES }, (_, i) => {
  const name = `berth-sub-${String(i).padStart(2, '0')}`;
  return `%package -n ${name}\nSummary: Sub ${i}\n%description -n ${name}\nSub package ${i}.\n%files -n ${name}\n`;
}).join('')}
%install
mkdir -p %{buildroot}/usr/share/berth-tools
echo tools > %{buildroot}/usr/share/berth-tools/README
%files
/usr/share/berth-tools/README
`;

/** The upgrade: 1.2.3 → 1.2.10 orders numerically. */
const TOOLS_V2 = `Name: berth-tools
Version: 1.2.10
Release: 1.fc40
Epoch: 2
Summary: Berth test tools
License: MIT
Vendor: Berth Test
BuildArch: noarch
%description
Tools.
%install
mkdir -p %{buildroot}/usr/share/berth-tools
echo tools 2 > %{buildroot}/usr/share/berth-tools/README
%files
/usr/share/berth-tools/README
`;

/** No epoch, a caret version, x86_64, and a header large enough for SQLite overflow pages. */
const BIG = `Name: berth-big
Version: 0.9^git1
Release: 1.fc40
Summary: A package with many files
License: GPL-2.0-or-later
%description
Big.
%install
mkdir -p %{buildroot}/usr/share/berth-big
for i in $(seq 1 300); do echo $i > %{buildroot}/usr/share/berth-big/a-file-with-a-rather-long-name-number-$i.txt; done
%files
/usr/share/berth-big
`;

export interface RpmFixtures {
  /** berth-tools 2:1.2.3-4.fc40 with its subpackages, and berth-big. */
  readonly v1: string[];
  /** berth-tools 2:1.2.10-1.fc40. */
  readonly toolsV2: string;
}

let pending: Promise<RpmFixtures> | undefined;

/** Builds (once, then from the cache) the fixture packages; returns the .rpm paths. */
export function rpmFixtures(): Promise<RpmFixtures> {
  pending ??= build();
  return pending;
}

async function build(): Promise<RpmFixtures> {
  const specs = { 'tools-v1': TOOLS_V1, 'tools-v2': TOOLS_V2, big: BIG };
  const key = createHash('sha256').update(JSON.stringify(specs)).digest('hex').slice(0, 16);
  const dir = join(findRepoRoot(), '.cache', 'rpm-fixtures', key);
  if (!existsSync(join(dir, 'done'))) {
    const work = await mkdtemp(join(tmpdir(), 'berth-rpmbuild-'));
    try {
      for (const [name, text] of Object.entries(specs)) {
        const spec = join(work, `${name}.spec`);
        await writeFile(spec, text);
        const out = join(work, 'out', name);
        const arch = name === 'big' ? ['--target', 'x86_64'] : [];
        execFileSync(
          'rpmbuild',
          [
            '--define',
            `_topdir ${join(work, 'top', name)}`,
            '--define',
            '_build_id_links none',
            ...arch,
          ].concat(['--define', `_rpmdir ${out}`, '-bb', spec]),
          { stdio: 'pipe' },
        );
      }
      const staging = `${dir}.tmp-${process.pid}`;
      await rm(staging, { recursive: true, force: true });
      for (const name of Object.keys(specs)) {
        await mkdir(join(staging, name), { recursive: true });
        for (const archDir of await readdir(join(work, 'out', name))) {
          for (const file of await readdir(join(work, 'out', name, archDir))) {
            await rename(join(work, 'out', name, archDir, file), join(staging, name, file));
          }
        }
      }
      await writeFile(join(staging, 'done'), '');
      await mkdir(join(dir, '..'), { recursive: true });
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  const list = async (name: string): Promise<string[]> =>
    (await readdir(join(dir, name))).sort().map((file) => join(dir, name, file));
  return {
    v1: [...(await list('tools-v1')), ...(await list('big'))],
    toolsV2: (await list('tools-v2'))[0] as string,
  };
}

/** Runs rpm against the database under `root` (`--justdb`: no files are written, no scripts run). */
export function rpm(root: string, args: readonly string[]): string {
  return execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** What rpm itself lists: `name\tEVR\tarch`, sorted, signing keys left out. */
export function rpmQueryAll(root: string): string[] {
  return rpm(root, ['-qa', '--qf', '%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{ARCH}\n'])
    .trim()
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('gpg-pubkey\t'))
    .sort();
}

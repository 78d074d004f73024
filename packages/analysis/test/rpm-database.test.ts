// The rpm detector against Debian's rpm tools: packages built with rpmbuild, installed into a
// root with `rpm --justdb` (SQLite backend), shipped as image layers to the real registry and
// profiled; the package list must be what `rpm -qa` says of the same root.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayout, pushImage, startRegistry, type OciLayout, type RunningRegistry } from '@berth/testkit';
import { RegistryClient, parseReference, remoteImageSource } from '@berth/oci';
import {
  compareRpmVersions,
  diffPackages,
  memoryLayerCache,
  parseRpmHeader,
  profileImage,
  readRpmSqliteDatabase,
  RpmDatabaseError,
  toCycloneDx,
  toSpdx,
  type ContainerProfile,
} from '@berth/analysis';
import { rpm, rpmFixtures, rpmQueryAll } from './rpm-fixtures.js';
import { cycloneDxValidator, spdxValidator } from './sbom-schemas.js';

const FEDORA = 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40"\n';

let work: string;
let root1: string;
let root2: string;
let db1: Buffer;
let layout: OciLayout;
let registry: RunningRegistry;
let client: RegistryClient;
const profiles: Record<string, ContainerProfile> = {};

beforeAll(async () => {
  const fixtures = await rpmFixtures();
  work = await mkdtemp(join(tmpdir(), 'berth-rpmdb-'));
  root1 = join(work, 'root1');
  root2 = join(work, 'root2');
  await mkdir(join(root1, 'etc'), { recursive: true });
  await writeFile(join(root1, 'etc/os-release'), FEDORA);
  rpm(root1, ['-i', '--nodeps', '--justdb', '--ignorearch', ...fixtures.v1]);
  await cp(root1, root2, { recursive: true });
  rpm(root2, ['-U', '--nodeps', '--justdb', fixtures.toolsV2]);
  // The upgrade layer carries only the database, as a `RUN dnf upgrade` layer would.
  const upgrade = join(work, 'upgrade');
  await cp(join(root2, 'var/lib/rpm'), join(upgrade, 'var/lib/rpm'), { recursive: true });
  db1 = await readFile(join(root1, 'var/lib/rpm/rpmdb.sqlite'));

  layout = await createLayout();
  const base = { fromDir: root1, createdBy: 'RUN /bin/sh -c rpm -i berth-tools berth-big' };
  await layout.addImage('v1', { layers: [base] });
  await layout.addImage('v2', { layers: [base, { fromDir: upgrade, createdBy: 'RUN dnf upgrade' }] });
  await layout.addImage('sysimage', {
    layers: [
      {
        entries: [
          { type: 'file', path: 'etc/os-release', content: FEDORA },
          { type: 'file', path: 'usr/lib/sysimage/rpm/rpmdb.sqlite', content: db1 },
          { type: 'symlink', path: 'var/lib/rpm', target: '../../usr/lib/sysimage/rpm' },
        ],
      },
    ],
  });
  await layout.addImage('bdb', {
    layers: [
      {
        entries: [
          { type: 'file', path: 'var/lib/rpm/Packages', content: Buffer.alloc(8192, 0x61) },
          { type: 'file', path: 'var/lib/rpm/Name', content: Buffer.alloc(4096, 0x62) },
        ],
      },
    ],
  });
  await layout.addImage('corrupt', {
    layers: [
      { entries: [{ type: 'file', path: 'var/lib/rpm/rpmdb.sqlite', content: db1.subarray(0, 6000) }] },
    ],
  });

  registry = await startRegistry({ auth: 'none' });
  client = new RegistryClient();
  for (const name of ['v1', 'v2', 'sysimage', 'bdb', 'corrupt']) {
    await pushImage(layout, name, registry, `fixtures/rpm:${name}`);
    const source = remoteImageSource(client, { registry: registry.host, repository: 'fixtures/rpm' });
    profiles[name] = await profileImage(source, name, { cache: memoryLayerCache() });
  }
}, 300_000);

afterAll(async () => {
  await client?.close();
  await registry?.stop();
  await layout?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

const rpmList = (profile: ContainerProfile | undefined): string[] =>
  (profile?.packages ?? [])
    .filter((p) => p.type === 'rpm')
    .map((p) => `${p.name}\t${p.version}\t${p.arch ?? ''}`)
    .sort();

describe('rpm database made by Debian rpm tools', () => {
  it('is an SQLite database, as rpm 4.18 writes by default', () => {
    expect(execFileSync('rpm', ['--eval', '%_db_backend'], { encoding: 'utf8' }).trim()).toBe('sqlite');
    expect(db1.subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
  });

  it('lists exactly the packages rpm -qa lists, with epoch, version, release and arch', () => {
    const expected = rpmQueryAll(root1);
    expect(expected).toHaveLength(26);
    expect(expected).toContain('berth-tools\t2:1.2.3-4.fc40\tnoarch');
    expect(expected).toContain('berth-big\t0.9^git1-1.fc40\tx86_64');
    expect(rpmList(profiles.v1)).toEqual(expected);
    expect(rpmList(profiles.v2)).toEqual(rpmQueryAll(root2));
    expect(profiles.v1?.overview.packageDatabases).toEqual([
      {
        type: 'rpm',
        path: '/var/lib/rpm/rpmdb.sqlite',
        format: 'rpm-sqlite',
        status: 'read',
        packageCount: 26,
      },
    ]);
  });

  it('reads the fields rpm reads from the header blobs', () => {
    const query = rpm(root1, ['-q', '--qf', '%{LICENSE}|%{SOURCERPM}|%{VENDOR}|%{SIZE}', 'berth-tools']);
    const tools = readRpmSqliteDatabase(db1).find((p) => p.name === 'berth-tools');
    expect(`${tools?.license}|${tools?.sourceRpm}|${tools?.vendor}|${tools?.size}`).toBe(query);
  });

  it('attributes each package to the layer that installed its current version', () => {
    const v2 = profiles.v2?.packages.filter((p) => p.type === 'rpm') ?? [];
    expect(v2.find((p) => p.name === 'berth-tools')).toMatchObject({
      version: '2:1.2.10-1.fc40',
      layerIndex: 1,
    });
    expect(v2.filter((p) => p.name !== 'berth-tools').every((p) => p.layerIndex === 0)).toBe(true);
  });

  it('shows the upgrade in a package diff, ordered as rpm orders versions', () => {
    const diff = diffPackages(profiles.v1?.packages ?? [], profiles.v2?.packages ?? []);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual([
      {
        type: 'rpm',
        name: 'berth-tools',
        arch: 'noarch',
        left: '2:1.2.3-4.fc40',
        right: '2:1.2.10-1.fc40',
        direction: 'upgrade',
      },
    ]);
  });

  it('exports the packages as pkg:rpm purls in SBOMs that validate', () => {
    const profile = profiles.v1 as ContainerProfile;
    const reference = parseReference(`${registry.host}/fixtures/rpm:v1`);
    const bom = toCycloneDx(profile, { reference });
    expect(cycloneDxValidator('1.6')(bom)).toEqual([]);
    const purls = bom.components.map((c) => c.purl).filter((p) => p?.startsWith('pkg:rpm/'));
    expect(purls).toHaveLength(26);
    expect(purls).toContain('pkg:rpm/fedora/berth-tools@1.2.3-4.fc40?arch=noarch&distro=fedora-40&epoch=2');
    expect(purls).toContain('pkg:rpm/fedora/berth-big@0.9%5Egit1-1.fc40?arch=x86_64&distro=fedora-40');
    const spdx = toSpdx(profile, { reference });
    expect(spdxValidator()(spdx)).toEqual([]);
  });

  it('reads /usr/lib/sysimage/rpm once when /var/lib/rpm links to it', () => {
    expect(rpmList(profiles.sysimage)).toEqual(rpmQueryAll(root1));
    expect(profiles.sysimage?.overview.packageDatabases.map((d) => `${d.path} ${d.status}`)).toEqual([
      '/usr/lib/sysimage/rpm/rpmdb.sqlite read',
    ]);
  });

  it('reports a Berkeley DB database as present but not supported, not as no packages', () => {
    expect(rpmList(profiles.bdb)).toEqual([]);
    const [db, ...rest] = profiles.bdb?.overview.packageDatabases ?? [];
    expect(rest).toEqual([]);
    expect(db).toEqual({
      type: 'rpm',
      path: '/var/lib/rpm/Packages',
      format: 'rpm-bdb',
      status: 'unsupported',
      packageCount: 0,
      detail: 'Berkeley DB rpm databases (RHEL/CentOS 7 and 8, Amazon Linux 2) are not read',
    });
  });

  it('reports a corrupt database with the precise problem and still profiles the image', () => {
    expect(rpmList(profiles.corrupt)).toEqual([]);
    const [db] = profiles.corrupt?.overview.packageDatabases ?? [];
    expect(db?.status).toBe('invalid');
    expect(db?.detail).toMatch(/^corrupt SQLite database: page number \d+ is outside the file's 1 pages$/);
  });
});

describe('hostile rpm databases', () => {
  it('rejects what is not SQLite or not rpm', () => {
    expect(() => readRpmSqliteDatabase(Buffer.from('hello'))).toThrow(
      'not an SQLite 3 database (no "SQLite format 3" header)',
    );
    const header = Buffer.from(db1.subarray(0, 4096));
    header.writeUInt16BE(1000, 16);
    expect(() => readRpmSqliteDatabase(header)).toThrow('page size 1000 is not a power of two');
  });

  it('detects a b-tree cycle instead of looping', () => {
    const looped = Buffer.from(db1);
    // Page 1 (sqlite_master) is an interior page here: point its first child back at itself.
    expect(looped[100]).toBe(0x05);
    looped.writeUInt32BE(1, looped.readUInt16BE(112));
    expect(() => readRpmSqliteDatabase(looped)).toThrow('page 1 is reached twice (a cycle in the b-tree)');
  });

  it('names header entries that point outside the data store', () => {
    const blob = Buffer.alloc(8 + 16 + 4);
    blob.writeUInt32BE(1, 0);
    blob.writeUInt32BE(4, 4);
    blob.writeUInt32BE(1000, 8); // NAME
    blob.writeUInt32BE(6, 12); // STRING
    blob.writeInt32BE(9, 16); // offset past dl
    blob.writeUInt32BE(1, 20);
    expect(() => parseRpmHeader(blob)).toThrow(
      'invalid rpm header: entry 0 (tag 1000) points at offset 9, outside the 4-byte data store',
    );
    blob.writeInt32BE(0, 16);
    blob.write('abcd', 24, 'latin1');
    expect(() => parseRpmHeader(blob)).toThrow('the string of tag 1000 at offset 0 has no terminating NUL');
    expect(() => parseRpmHeader(blob.subarray(0, 20))).toThrow('need 28 bytes, the blob has 20');
    const huge = Buffer.from(blob);
    huge.writeUInt32BE(0x7fffffff, 0);
    expect(() => parseRpmHeader(huge)).toThrow('index entry count 2147483647 is outside 1..65535');
  });

  it('never crashes or hangs on randomly corrupted databases: a result or an RpmDatabaseError', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let errors = 0;
    for (let round = 0; round < 300; round++) {
      const copy = Buffer.from(db1);
      for (let k = 0; k < 1 + random(20); k++) copy[random(copy.length)] = random(256);
      if (round % 10 === 0) copy.writeUInt32BE(random(2 ** 32), 8 + random(copy.length - 12));
      try {
        readRpmSqliteDatabase(round % 7 === 0 ? copy.subarray(0, random(copy.length)) : copy);
      } catch (error) {
        expect(error).toBeInstanceOf(RpmDatabaseError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(0);
  });
});

describe('compareRpmVersions', () => {
  const pairs: [string, string][] = [
    ['1.0', '1.0'],
    ['1.0', '2.0'],
    ['2.0.1', '2.0'],
    ['1.0', '1.0a'],
    ['1.0a', '1.0b'],
    ['1.0.10', '1.0.9'],
    ['1.0~rc1', '1.0'],
    ['1.0~rc1', '1.0~rc2'],
    ['1.0^git1', '1.0'],
    ['1.0^git1', '1.0.1'],
    ['1.0^', '1.0'],
    ['a', '1'],
    ['001', '1'],
    ['1.0-1', '1.0-2'],
    ['1.0-10', '1.0-9'],
    ['1:1.0-1', '2.0-1'],
    ['0:1.0-1', '1.0-1'],
    ['1.0-1.el9', '1.0-1.el9_2'],
    ['2.36-9', '2.36-9+deb12u4'],
    ['1.2.3-4.fc40', '1.2.10-1.fc40'],
    ['1..0', '1.0'],
    ['1.0_1', '1.0.1'],
    ['5.2.26', '5.2.26-3.fc40'],
    ['abc', 'abd'],
    ['1.0a', '1.0.1'],
  ];

  it('orders versions exactly as rpm.vercmp does', () => {
    const lua = pairs.map(([a, b]) => `print(rpm.vercmp("${a}", "${b}")) print(" ")`).join(' ');
    const expected = execFileSync('rpm', ['--eval', `%{lua: ${lua}}`], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
    expect(pairs.map(([a, b]) => String(Math.sign(compareRpmVersions(a, b))))).toEqual(expected);
    expect(pairs.map(([a, b]) => String(Math.sign(compareRpmVersions(b, a))))).toEqual(
      expected.map((e) => String(-Number(e))),
    );
  });
});

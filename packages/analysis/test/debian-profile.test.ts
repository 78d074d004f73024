// The Debian minbase image (debootstrap bookworm, one layer) against the tools that know the
// truth about its rootfs: dpkg-query for the package list, find for files and sizes.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  debianMinbaseRootfs,
  pushImage,
  startRegistry,
  type BuiltImage,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { RegistryClient, parseReference, remoteImageSource } from '@berth/oci';
import { memoryLayerCache, profileImage, toCycloneDx, toSpdx, type ContainerProfile } from '@berth/analysis';
import { cycloneDxValidator, spdxValidator } from './sbom-schemas.js';

let layout: OciLayout;
let registry: RunningRegistry;
let client: RegistryClient;
let rootfs: string;
let tarPath: string;
let image: BuiltImage;
let profile: ContainerProfile;

beforeAll(async () => {
  tarPath = await debianMinbaseRootfs();
  layout = await createLayout();
  image = await layout.addImage('debian', {
    layers: [{ fromTar: tarPath, createdBy: '/bin/sh -c #(nop) ADD file:debian-minbase in / ' }],
    config: { cmd: ['bash'] },
  });
  registry = await startRegistry({ auth: 'none' });
  await pushImage(layout, 'debian', registry, 'library/debian:bookworm');
  rootfs = await mkdtemp(join(tmpdir(), 'berth-debian-rootfs-'));
  execFileSync('tar', ['-xf', tarPath, '-C', rootfs, '--numeric-owner']);
  client = new RegistryClient();
  const source = remoteImageSource(client, { registry: registry.host, repository: 'library/debian' });
  profile = await profileImage(source, 'bookworm', { cache: memoryLayerCache() });
}, 300_000);

afterAll(async () => {
  await client?.close();
  await registry?.stop();
  await layout?.remove();
  if (rootfs) await rm(rootfs, { recursive: true, force: true });
});

describe('profile of the Debian minbase image', () => {
  it('lists exactly the packages dpkg-query lists for the rootfs', () => {
    const expected = execFileSync(
      'dpkg-query',
      [`--admindir=${join(rootfs, 'var/lib/dpkg')}`, '-W', '-f', '${Package}\t${Version}\t${Architecture}\n'],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .sort();
    const actual = profile.packages
      .filter((p) => p.type === 'deb')
      .map((p) => `${p.name}\t${p.version}\t${p.arch ?? ''}`)
      .sort();
    expect(expected.length).toBeGreaterThan(50);
    expect(actual).toEqual(expected);
    expect(profile.packages.every((p) => p.layerIndex === 0)).toBe(true);
  });

  it('counts the regular files that find counts, with the same total size', () => {
    const files = execFileSync('find', [rootfs, '-type', 'f', '-printf', '%i %s\\n'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(profile.overview.fileCount).toBe(files.length);
    // Hardlinked files share an inode: their bytes count once.
    const inodes = new Map(files.map((line) => line.split(' ') as [string, string]));
    const bytes = [...inodes.values()].reduce((sum, size) => sum + Number(size), 0);
    expect(profile.overview.filesSize).toBe(bytes);
  });

  it('reports the uncompressed size of the tar stream, the OS and the config', async () => {
    expect(profile.overview.sizeUncompressed).toBe((await stat(tarPath)).size);
    expect(profile.overview.sizeCompressed).toBe(image.layers[0]?.size);
    expect(profile.overview.os).toEqual({
      id: 'debian',
      versionId: '12',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
    expect(profile.overview.runsAsRoot).toBe(true);
    expect(profile.overview.shells).toContain('/bin/bash');
    expect(profile.overview.packageManagers).toEqual(['apt-get', 'dpkg']);
    expect(profile.security.users.find((u) => u.name === 'root')).toEqual({
      name: 'root',
      uid: 0,
      gid: 0,
      shell: '/bin/bash',
      home: '/root',
    });
    expect(profile.efficiency).toEqual({ score: 1, wastedBytes: 0, items: [] });
  });

  it('finds the setuid programs find finds', () => {
    const setuid = execFileSync('find', [rootfs, '-type', 'f', '-perm', '-4000'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((p) => p.slice(rootfs.length))
      .sort();
    expect(setuid.length).toBeGreaterThan(0);
    expect([...profile.security.setuid].sort()).toEqual(setuid);
  });

  it('exports SBOMs that validate, with one purl per dpkg package', () => {
    const reference = parseReference(`${registry.host}/library/debian:bookworm`);
    const bom = toCycloneDx(profile, { reference });
    expect(cycloneDxValidator('1.6')(bom)).toEqual([]);
    const debs = profile.packages.filter((p) => p.type === 'deb');
    const purls = bom.components.filter((c) => c.purl?.startsWith('pkg:deb/debian/'));
    expect(purls).toHaveLength(debs.length);
    const bash = debs.find((p) => p.name === 'bash');
    expect(purls.map((c) => c.purl)).toContain(
      `pkg:deb/debian/bash@${encodeURIComponent(bash?.version ?? '')}?arch=amd64&distro=debian-12`,
    );
    const doc = toSpdx(profile, { reference });
    expect(spdxValidator()(doc)).toEqual([]);
    expect(doc.packages).toHaveLength(debs.length + 2);
  });
});

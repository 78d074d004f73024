import { describe, expect, it } from 'vitest';
import { parseApkInstalled } from './apk-installed.js';
import { parseDpkgStatus } from './dpkg-status.js';
import { decodeFileCapabilities } from './file-capabilities.js';
import { parseNpmPackageJson, parsePythonMetadata } from './language-packages.js';
import { parseOsRelease } from './os-release.js';
import { parseGroup, parsePasswd } from './passwd.js';

describe('parseOsRelease', () => {
  it('reads quoted, unquoted and escaped values, skipping comments', () => {
    expect(
      parseOsRelease(
        '# c\nID=alpine\nVERSION_ID=3.20.1\nPRETTY_NAME="Alpine \\"Linux\\" v3.20"\nNAME=\'x y\'\nbad line\n',
      ),
    ).toEqual({ ID: 'alpine', VERSION_ID: '3.20.1', PRETTY_NAME: 'Alpine "Linux" v3.20', NAME: 'x y' });
  });
});

describe('parseDpkgStatus', () => {
  it('keeps installed and half-installed packages, drops purged and config-files ones', () => {
    const status = [
      'Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\nDescription: x\n more\n .\n end',
      'Package: b\nStatus: deinstall ok config-files\nVersion: 2\nArchitecture: all',
      'Package: c\nStatus: purge ok not-installed\nArchitecture: all',
      'Package: d\nStatus: install reinstreq half-installed\nVersion: 3\nArchitecture: arm64',
      '',
    ].join('\n\n');
    expect(parseDpkgStatus(status)).toEqual([
      { name: 'a', version: '1', architecture: 'amd64', state: 'installed' },
      { name: 'd', version: '3', architecture: 'arm64', state: 'half-installed' },
    ]);
  });

  it('reads distroless status.d files (no Status field)', () => {
    expect(parseDpkgStatus('Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\n')).toEqual([
      { name: 'libc6', version: '2.36-9', architecture: 'amd64', state: 'installed' },
    ]);
  });
});

describe('parseApkInstalled', () => {
  it('reads P/V/A of each record', () => {
    const db = 'C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:1\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\n';
    expect(parseApkInstalled(db)).toEqual([
      { name: 'musl', version: '1.2.5-r0', architecture: 'x86_64' },
      { name: 'busybox', version: '1.36.1-r29', architecture: 'x86_64' },
    ]);
  });
});

describe('parsePasswd / parseGroup', () => {
  it('reads well-formed lines and skips broken ones', () => {
    expect(
      parsePasswd(
        'root:x:0:0:root:/root:/bin/ash\nbroken\nnobody:x:65534:65534:nobody:/:/sbin/nologin\nx:x::1:::\n',
      ),
    ).toEqual([
      { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/ash' },
      { name: 'nobody', uid: 65534, gid: 65534, home: '/', shell: '/sbin/nologin' },
    ]);
    expect(parseGroup('wheel:x:10:root,alice\nbad\n')).toEqual([
      { name: 'wheel', gid: 10, members: ['root', 'alice'] },
    ]);
  });
});

describe('language package manifests', () => {
  it('reads npm package.json and python METADATA headers', () => {
    expect(parseNpmPackageJson('{"name":"a","version":"1.0.0"}')).toEqual({ name: 'a', version: '1.0.0' });
    expect(parseNpmPackageJson('{"private":true}')).toBeUndefined();
    expect(parseNpmPackageJson('not json')).toBeUndefined();
    expect(
      parsePythonMetadata('Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.0\n\nName: not-this'),
    ).toEqual({
      name: 'Flask',
      version: '3.0.0',
    });
    expect(parsePythonMetadata('Metadata-Version: 2.1\n')).toBeUndefined();
  });
});

describe('decodeFileCapabilities', () => {
  const cap = (magic: number, permitted: number, inheritable = 0, hiPermitted = 0): Buffer => {
    const b = Buffer.alloc(20);
    b.writeUInt32LE(magic, 0);
    b.writeUInt32LE(permitted, 4);
    b.writeUInt32LE(inheritable, 8);
    b.writeUInt32LE(hiPermitted, 12);
    return b;
  };
  it('renders getcap text', () => {
    expect(decodeFileCapabilities(cap(0x02000001, 1 << 10))).toBe('cap_net_bind_service=ep');
    expect(decodeFileCapabilities(cap(0x02000000, (1 << 12) | (1 << 13)))).toBe(
      'cap_net_admin,cap_net_raw=p',
    );
    expect(decodeFileCapabilities(cap(0x02000001, 0, 0, 1 << 7))).toBe('cap_bpf=ep');
    expect(decodeFileCapabilities(cap(0x02000000, 1 << 0, 1 << 0))).toBe('cap_chown=ip');
    expect(decodeFileCapabilities(Buffer.alloc(3))).toBeUndefined();
    expect(decodeFileCapabilities(cap(0x07000000, 1))).toBeUndefined();
  });
});

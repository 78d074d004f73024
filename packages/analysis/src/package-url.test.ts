import { describe, expect, it } from 'vitest';
import { parseReference } from '@berth/oci';
import type { ProfilePackage } from './container-profile.js';
import { formatPackageUrl, imagePackageUrl, packageUrl } from './package-url.js';

const debian = { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' };
const pkg = (
  p: Partial<ProfilePackage> & Pick<ProfilePackage, 'type' | 'name' | 'version'>,
): ProfilePackage => ({
  layerIndex: 0,
  ...p,
});

describe('packageUrl', () => {
  it.each([
    [
      pkg({ type: 'deb', name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64' }),
      debian,
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
    ],
    [
      pkg({ type: 'deb', name: 'login', version: '1:4.13+dfsg1-1', arch: 'amd64' }),
      debian,
      'pkg:deb/debian/login@1:4.13%2Bdfsg1-1?arch=amd64&distro=debian-12',
    ],
    [
      pkg({ type: 'deb', name: 'bash', version: '5.2', arch: 'arm64' }),
      { id: 'ubuntu', versionId: '24.04', prettyName: null },
      'pkg:deb/ubuntu/bash@5.2?arch=arm64&distro=ubuntu-24.04',
    ],
    [
      pkg({ type: 'apk', name: 'musl', version: '1.2.5-r0', arch: 'x86_64' }),
      { id: 'alpine', versionId: '3.20.1', prettyName: null },
      'pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.1',
    ],
    [
      pkg({ type: 'deb', name: 'bash', version: '5.2' }),
      { id: null, versionId: null, prettyName: null },
      'pkg:deb/debian/bash@5.2',
    ],
    [
      pkg({ type: 'rpm', name: 'curl', version: '7.50.3-1.fc25', arch: 'i386' }),
      { id: 'fedora', versionId: '25', prettyName: null },
      'pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25',
    ],
    [
      pkg({ type: 'rpm', name: 'openssl-libs', version: '1:3.0.7-27.el9', arch: 'x86_64' }),
      { id: 'rhel', versionId: '9.4', prettyName: null },
      'pkg:rpm/rhel/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1',
    ],
    [
      pkg({ type: 'rpm', name: 'bash', version: '5.2-1' }),
      { id: null, versionId: null, prettyName: null },
      'pkg:rpm/bash@5.2-1',
    ],
    [pkg({ type: 'npm', name: 'left-pad', version: '1.3.0' }), debian, 'pkg:npm/left-pad@1.3.0'],
    [pkg({ type: 'npm', name: '@babel/core', version: '7.24.0' }), debian, 'pkg:npm/%40babel/core@7.24.0'],
    [
      pkg({ type: 'pypi', name: 'Django_Allauth', version: '0.61.1' }),
      debian,
      'pkg:pypi/django-allauth@0.61.1',
    ],
    [
      pkg({ type: 'golang', name: 'github.com/spf13/cobra', version: 'v1.8.0' }),
      debian,
      'pkg:golang/github.com/spf13/cobra@v1.8.0',
    ],
    [pkg({ type: 'golang', name: 'stdlib', version: 'go1.22.1' }), debian, 'pkg:golang/stdlib@1.22.1'],
    [
      pkg({ type: 'golang', name: 'example.com/app', version: '(devel)' }),
      debian,
      'pkg:golang/example.com/app',
    ],
  ])('%o in %o is %s', (p, os, expected) => {
    expect(packageUrl(p, os)).toBe(expected);
  });
});

describe('formatPackageUrl', () => {
  it('sorts and lower-cases qualifier keys, drops empty ones and encodes values', () => {
    expect(
      formatPackageUrl({
        type: 'RPM',
        namespace: 'fedora',
        name: 'curl',
        version: '7.50.3-1.fc25',
        qualifiers: { Distro: 'fedora 25', arch: 'i386', epoch: undefined, empty: '' },
      }),
    ).toBe('pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora%2025');
  });
});

describe('imagePackageUrl', () => {
  it('names the image by its last repository segment and digest, with where it lives', () => {
    const image = {
      manifestDigest: 'sha256:abc',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      platform: { os: 'linux', architecture: 'arm64' },
      platforms: [],
    };
    expect(imagePackageUrl({ image }, parseReference('ghcr.io/acme/tools/app:1.2'))).toBe(
      'pkg:oci/app@sha256:abc?arch=arm64&repository_url=ghcr.io/acme/tools/app&tag=1.2',
    );
  });
});

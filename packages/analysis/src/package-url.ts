import type { Reference } from '@berth/oci';
import type { ContainerProfile, ProfilePackage } from './container-profile.js';

/**
 * Package URLs (purl-spec `PURL-SPECIFICATION.rst` and `PURL-TYPES.rst`):
 * `pkg:type/namespace/name@version?qualifiers`. Namespace segments, name, version and
 * qualifier values are percent-encoded; qualifier keys are sorted; `:` stays literal (the
 * spec: "the ':' … must NOT be percent-encoded"), so Debian epochs read `1:2.3-4`.
 */
export interface PackageUrlParts {
  readonly type: string;
  readonly namespace?: string;
  readonly name: string;
  readonly version?: string;
  readonly qualifiers?: Readonly<Record<string, string | undefined>>;
}

/**
 * Formats a purl.
 *
 * @example
 * formatPackageUrl({ type: 'npm', namespace: '@babel', name: 'core', version: '7.24.0' })
 * // 'pkg:npm/%40babel/core@7.24.0'
 */
export function formatPackageUrl(parts: PackageUrlParts): string {
  let out = `pkg:${parts.type.toLowerCase()}/`;
  if (parts.namespace) {
    out += `${parts.namespace
      .split('/')
      .filter((segment) => segment !== '')
      .map(encode)
      .join('/')}/`;
  }
  out += encode(parts.name);
  if (parts.version !== undefined && parts.version !== '') out += `@${encode(parts.version)}`;
  const qualifiers = Object.entries(parts.qualifiers ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => [key.toLowerCase(), value] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // A `/` in a qualifier value is unambiguous after the `?`; the spec's own examples keep it
  // (`repository_url=docker.io/library/debian`).
  if (qualifiers.length > 0)
    out += `?${qualifiers.map(([k, v]) => `${k}=${encode(v).replace(/%2F/gi, '/')}`).join('&')}`;
  return out;
}

function encode(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

/** The distribution a profile's OS packages came from, as purl's `distro` qualifier: `debian-12`. */
export function distroQualifier(os: ContainerProfile['overview']['os']): string | undefined {
  if (!os.id) return undefined;
  return os.versionId ? `${os.id}-${os.versionId}` : os.id;
}

const DEFAULT_NAMESPACE: Partial<Record<ProfilePackage['type'], string>> = {
  deb: 'debian',
  apk: 'alpine',
};

/**
 * The purl of one profile package. OS packages are namespaced by the image's OS (`debian`,
 * `ubuntu`, `alpine`, `rhel`…) with `arch` and `distro` qualifiers; npm scopes become the
 * namespace; PyPI names are normalised as PURL-TYPES says (lower case, `_` → `-`); Go module
 * paths split at the last `/`, and the Go toolchain is `pkg:golang/stdlib@1.22.1`.
 */
export function packageUrl(pkg: ProfilePackage, os: ContainerProfile['overview']['os']): string {
  switch (pkg.type) {
    case 'rpm': {
      // PURL-TYPES rpm: the version is `version-release`, the epoch a qualifier.
      const namespace = os.id?.toLowerCase();
      const match = /^([0-9]+):(.*)$/.exec(pkg.version);
      return formatPackageUrl({
        type: 'rpm',
        ...(namespace ? { namespace } : {}),
        name: pkg.name,
        version: match ? match[2] : pkg.version,
        qualifiers: { arch: pkg.arch, epoch: match?.[1], distro: distroQualifier(os) },
      });
    }
    case 'deb':
    case 'apk': {
      const namespace = os.id?.toLowerCase() ?? DEFAULT_NAMESPACE[pkg.type];
      return formatPackageUrl({
        type: pkg.type,
        ...(namespace ? { namespace } : {}),
        name: pkg.name,
        version: pkg.version,
        qualifiers: { arch: pkg.arch, distro: distroQualifier(os) },
      });
    }
    case 'npm': {
      const slash = pkg.name.startsWith('@') ? pkg.name.indexOf('/') : -1;
      return slash > 0
        ? formatPackageUrl({
            type: 'npm',
            namespace: pkg.name.slice(0, slash),
            name: pkg.name.slice(slash + 1),
            version: pkg.version,
          })
        : formatPackageUrl({ type: 'npm', name: pkg.name, version: pkg.version });
    }
    case 'pypi':
      return formatPackageUrl({
        type: 'pypi',
        name: pkg.name.toLowerCase().replace(/_/g, '-'),
        version: pkg.version,
      });
    case 'golang': {
      const version = pkg.version === '(devel)' ? undefined : pkg.version;
      if (pkg.name === 'stdlib') {
        return formatPackageUrl({ type: 'golang', name: 'stdlib', version: version?.replace(/^go/, '') });
      }
      const slash = pkg.name.lastIndexOf('/');
      return formatPackageUrl({
        type: 'golang',
        ...(slash > 0 ? { namespace: pkg.name.slice(0, slash) } : {}),
        name: slash > 0 ? pkg.name.slice(slash + 1) : pkg.name,
        version,
      });
    }
  }
}

/**
 * The purl of the image itself (PURL-TYPES `oci`): the last repository segment as the name, the
 * manifest digest as the version, `repository_url`, `tag` and `arch` as qualifiers.
 *
 * @example
 * imagePackageUrl(profile, parseReference('ghcr.io/acme/app:1.2'))
 * // 'pkg:oci/app@sha256:…?arch=amd64&repository_url=ghcr.io/acme/app&tag=1.2'
 */
export function imagePackageUrl(profile: Pick<ContainerProfile, 'image'>, reference: Reference): string {
  const slash = reference.repository.lastIndexOf('/');
  return formatPackageUrl({
    type: 'oci',
    name: reference.repository.slice(slash + 1).toLowerCase(),
    version: profile.image.manifestDigest,
    qualifiers: {
      arch: profile.image.platform.architecture,
      repository_url: `${reference.registry}/${reference.repository}`,
      tag: reference.tag,
    },
  });
}

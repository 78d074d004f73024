import type { PackageType, ProfilePackage } from './container-profile.js';
import {
  compareApkVersions,
  compareDebianVersions,
  compareLooseVersions,
  compareRpmVersions,
} from './diff-version.js';

export interface PackageDiffItem {
  readonly type: PackageType;
  readonly name: string;
  readonly version: string;
  readonly arch?: string;
  readonly path?: string;
}

export interface PackageChange {
  readonly type: PackageType;
  readonly name: string;
  readonly arch?: string;
  readonly path?: string;
  /** Left version. */
  readonly left: string;
  /** Right version. */
  readonly right: string;
  /** By the ecosystem's own ordering (dpkg for deb, apk-tools for apk, rpmvercmp for rpm, semver-ish otherwise). */
  readonly direction: 'upgrade' | 'downgrade' | 'rebuild';
}

export interface PackageDiff {
  readonly added: PackageDiffItem[];
  readonly removed: PackageDiffItem[];
  readonly changed: PackageChange[];
}

/** The ordering of versions of one package type. */
export function compareVersions(type: PackageType, a: string, b: string): number {
  if (type === 'deb') return compareDebianVersions(a, b);
  if (type === 'apk') return compareApkVersions(a, b);
  if (type === 'rpm') return compareRpmVersions(a, b);
  return compareLooseVersions(a, b);
}

/**
 * Compares two package lists. A package is identified by type, name, architecture and (for
 * language packages) the path it was found at; the same identity with another version is a
 * change, classified as an upgrade or a downgrade by {@link compareVersions} (`rebuild` when
 * the strings differ but the versions order equal, e.g. `1.0` and `0:1.0`).
 *
 * @example
 * diffPackages(left.profile.packages, right.profile.packages).changed;
 * // [{ type: 'deb', name: 'libc6', left: '2.36-9', right: '2.36-9+deb12u4', direction: 'upgrade' }]
 */
export function diffPackages(left: readonly ProfilePackage[], right: readonly ProfilePackage[]): PackageDiff {
  const key = (p: ProfilePackage): string =>
    `${p.type}\u0000${p.name}\u0000${p.arch ?? ''}\u0000${p.path ?? ''}`;
  const byKey = (list: readonly ProfilePackage[]): Map<string, ProfilePackage[]> => {
    const map = new Map<string, ProfilePackage[]>();
    for (const p of list) map.set(key(p), [...(map.get(key(p)) ?? []), p]);
    return map;
  };
  const l = byKey(left);
  const r = byKey(right);
  const out: PackageDiff = { added: [], removed: [], changed: [] };
  const keys = [...new Set([...l.keys(), ...r.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) {
    // Usually one version per identity; a database listing the same name twice is compared as sets.
    const lv = new Map((l.get(k) ?? []).map((p) => [p.version, p]));
    const rv = new Map((r.get(k) ?? []).map((p) => [p.version, p]));
    for (const v of [...lv.keys()]) {
      if (rv.has(v)) {
        lv.delete(v);
        rv.delete(v);
      }
    }
    const ls = [...lv.values()];
    const rs = [...rv.values()];
    while (ls.length > 0 && rs.length > 0) {
      const a = ls.shift() as ProfilePackage;
      const b = rs.shift() as ProfilePackage;
      const order = compareVersions(a.type, a.version, b.version);
      out.changed.push({
        type: a.type,
        name: a.name,
        ...(a.arch ? { arch: a.arch } : {}),
        ...(a.path ? { path: a.path } : {}),
        left: a.version,
        right: b.version,
        direction: order < 0 ? 'upgrade' : order > 0 ? 'downgrade' : 'rebuild',
      });
    }
    for (const p of ls) out.removed.push(packageItem(p));
    for (const p of rs) out.added.push(packageItem(p));
  }
  return out;
}

function packageItem(p: ProfilePackage): PackageDiffItem {
  return {
    type: p.type,
    name: p.name,
    version: p.version,
    ...(p.arch ? { arch: p.arch } : {}),
    ...(p.path ? { path: p.path } : {}),
  };
}

import type { Descriptor, ResolvedImage } from '@berth/oci';
import { computeAdvice, DEFAULT_ADVICE_THRESHOLDS, type AdviceThresholds } from './advice.js';
import { parseApkInstalled } from './apk-installed.js';
import {
  certificateWant,
  isTrustStorePath,
  parseCertificateFile,
  type ParsedCertificate,
} from './certificates.js';
import type {
  ContainerProfile,
  ProfileCertificate,
  ProfileCertificateBundle,
  ProfileConfig,
  ProfileHealthcheck,
  ProfileHistoryEntry,
  ProfileLayer,
  ProfilePackage,
  ProfilePackageDatabase,
  ProfileSecurity,
} from './container-profile.js';
import { reconstructDockerfile } from './dockerfile.js';
import { parseDpkgStatus } from './dpkg-status.js';
import { decodeFileCapabilities } from './file-capabilities.js';
import { parseNpmPackageJson, parsePythonMetadata } from './language-packages.js';
import { ANALYZER_VERSION, type LayerResult } from './layer-result.js';
import { mergeLayers, type FsNode, type MergedFileSystem } from './merged-fs.js';
import { parseOsRelease } from './os-release.js';
import { parseGroup, parsePasswd } from './passwd.js';
import { RPM_DATABASE_FILES, readRpmSqliteDatabase, rpmEvr } from './rpm-database.js';
import type { RpmPackage } from './rpm-header.js';

/** One manifest layer and what became of it. */
export interface ComposeLayer {
  readonly descriptor: Descriptor;
  readonly diffId: string;
  /** undefined: not analysed (foreign/non-distributable). */
  readonly result: LayerResult | undefined;
  readonly notAnalysedReason?: string;
}

export interface ComposeInput {
  readonly image: ResolvedImage;
  readonly layers: readonly ComposeLayer[];
  readonly durationMs: number;
  /** Overrides of {@link DEFAULT_ADVICE_THRESHOLDS}. */
  readonly adviceThresholds?: Partial<AdviceThresholds>;
  /** The time certificates' expiry is judged against; default now. */
  readonly now?: Date;
}

const WASTE_ITEMS = 100;
const CERTIFICATE_ITEMS = 1000;
const EXPIRES_SOON_MS = 30 * 24 * 3600 * 1000;
const DPKG_STATUS = 'var/lib/dpkg/status';
const DPKG_STATUS_D = 'var/lib/dpkg/status.d';
const APK_INSTALLED = 'lib/apk/db/installed';
const NPM_PACKAGE_JSON = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@.][^/]*\/package\.json$/;
const PYTHON_METADATA = /(?:^|\/)[^/]+\.dist-info\/METADATA$/;
const STANDARD_SHELLS = ['bin/sh', 'bin/bash', 'bin/dash', 'bin/ash', 'bin/zsh', 'bin/ksh', 'bin/fish'];
const PATH_DIRS = ['usr/local/sbin', 'usr/local/bin', 'usr/sbin', 'usr/bin', 'sbin', 'bin'];
const PACKAGE_MANAGERS = [
  'apt-get',
  'dpkg',
  'apk',
  'rpm',
  'dnf',
  'microdnf',
  'yum',
  'zypper',
  'pacman',
  'npm',
  'yarn',
  'pnpm',
  'pip',
  'pip3',
  'gem',
  'composer',
];

/**
 * Builds the Container Profile from the resolved image (manifest, config) and its per-layer
 * results: merges the file system, reads packages, users and OS from the kept files, and
 * derives the security, efficiency and layer views. Pure: no I/O.
 *
 * @example
 * const { profile } = composeProfile({ image, layers, durationMs: 0 });
 */
export function composeProfile(input: ComposeInput): {
  profile: ContainerProfile;
  fileSystem: MergedFileSystem;
} {
  const { image, layers } = input;
  const fs = mergeLayers(layers.map((l) => l.result));
  const walk = summariseTree(fs, input.now ?? new Date());
  const os = osPackages(fs, layers);

  const nonEmptyHistory = image.config.history.filter((h) => !h.emptyLayer);
  const history: ProfileHistoryEntry[] = [];
  let next = 0;
  for (const h of image.config.history) {
    history.push({
      created: h.created ?? null,
      createdBy: h.createdBy ?? null,
      comment: h.comment ?? null,
      emptyLayer: h.emptyLayer,
      layerIndex: h.emptyLayer || next >= layers.length ? null : next++,
    });
  }

  const profileLayers: ProfileLayer[] = layers.map((layer, index) => {
    const changes = fs.changes[index];
    const step = nonEmptyHistory[index];
    const result = layer.result;
    return {
      index,
      digest: layer.descriptor.digest,
      diffId: layer.diffId,
      mediaType: layer.descriptor.mediaType,
      sizeCompressed: layer.descriptor.size,
      sizeUncompressed: result ? result.sizeUncompressed : null,
      createdBy: step?.createdBy ?? null,
      created: step?.created ?? null,
      emptyLayer: result !== undefined && result.entries.length === 0,
      analysed: result !== undefined,
      ...(result ? {} : { notAnalysedReason: layer.notAnalysedReason ?? 'not analysed' }),
      compression: result ? result.compression : null,
      added: changes?.added ?? 0,
      modified: changes?.modified ?? 0,
      deleted: changes?.deleted ?? 0,
      bytesAdded: changes?.bytesAdded ?? 0,
      bytesModified: changes?.bytesModified ?? 0,
      bytesDeleted: changes?.bytesDeleted ?? 0,
      largestFiles: (changes?.largestFiles ?? []).map((f) => ({ path: `/${f.path}`, size: f.size })),
    };
  });

  const osRelease = parseOsRelease(text(fs.readFile('etc/os-release') ?? fs.readFile('usr/lib/os-release')));
  const users = parsePasswd(text(fs.readFile('etc/passwd')));
  const groups = parseGroup(text(fs.readFile('etc/group')));
  const user = image.config.config.user ?? '';

  const shells = new Set<string>();
  for (const line of text(fs.readFile('etc/shells')).split('\n')) {
    const path = line.trim();
    if (path.startsWith('/') && isFile(fs, path)) shells.add(path);
  }
  for (const path of STANDARD_SHELLS) if (isFile(fs, path)) shells.add(`/${path}`);

  const packageManagers = PACKAGE_MANAGERS.filter((name) =>
    PATH_DIRS.some((dir) => isFile(fs, `${dir}/${name}`)),
  );

  const totalShipped = layers.reduce(
    (sum, l) => sum + (l.result?.entries.reduce((s, e) => s + (e.type === 'file' ? e.size : 0), 0) ?? 0),
    0,
  );
  const wastedBytes = fs.wasted.reduce((sum, w) => sum + w.bytes, 0);
  const score = totalShipped === 0 ? 1 : Math.max(0, 1 - wastedBytes / totalShipped);

  const security: ProfileSecurity = {
    ...walk.security,
    users: users.map((u) => ({ name: u.name, uid: u.uid, gid: u.gid, shell: u.shell, home: u.home })),
    groups: groups.map((g) => ({ name: g.name, gid: g.gid, members: g.members })),
  };

  const base: Omit<ContainerProfile, 'advice'> = {
    image: {
      manifestDigest: image.manifestDigest,
      ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
      mediaType: image.manifestMediaType,
      platform: image.platform,
      platforms: image.platforms,
    },
    overview: {
      os: {
        id: osRelease.ID ?? null,
        versionId: osRelease.VERSION_ID ?? null,
        prettyName: osRelease.PRETTY_NAME ?? null,
      },
      created: image.config.created ?? null,
      sizeCompressed: layers.reduce((sum, l) => sum + l.descriptor.size, 0),
      sizeUncompressed: layers.reduce((sum, l) => sum + (l.result?.sizeUncompressed ?? 0), 0),
      layerCount: layers.length,
      fileCount: walk.fileCount,
      filesSize: walk.filesSize,
      user,
      runsAsRoot: runsAsRoot(user, users),
      shells: [...shells].sort(),
      packageManagers,
      packageDatabases: os.databases,
    },
    config: runtimeConfig(image),
    layers: profileLayers,
    history,
    packages: [...os.packages, ...walk.languagePackages].sort(
      (a, b) =>
        compare(a.type, b.type) ||
        compare(a.name, b.name) ||
        compare(a.version, b.version) ||
        compare(a.path ?? '', b.path ?? ''),
    ),
    security,
    efficiency: {
      score: Math.round(score * 10_000) / 10_000,
      wastedBytes,
      items: [...fs.wasted]
        .sort((a, b) => b.bytes - a.bytes || compare(a.path, b.path))
        .slice(0, WASTE_ITEMS)
        .map((w) => ({ path: `/${w.path}`, bytes: w.bytes, reason: w.reason })),
    },
    dockerfile: reconstructDockerfile(image.config.history),
    analyzer: { version: ANALYZER_VERSION, durationMs: input.durationMs },
  };
  const advice = computeAdvice({
    profile: base,
    fileSystem: fs,
    files: walk.files,
    layers,
    thresholds: { ...DEFAULT_ADVICE_THRESHOLDS, ...input.adviceThresholds },
  });
  // Field order as API.md lists it: advice before dockerfile.
  const { dockerfile, analyzer, ...head } = base;
  const profile: ContainerProfile = { ...head, advice, dockerfile, analyzer };
  return { profile, fileSystem: fs };
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function text(buffer: Buffer | undefined): string {
  return buffer ? buffer.toString('utf8') : '';
}

function isFile(fs: MergedFileSystem, path: string): boolean {
  return fs.lookup(path.replace(/^\/+/, ''), { follow: true })?.type === 'file';
}

/** `USER` empty, `root`, `0`, `0:…` or a name whose passwd uid is 0. */
function runsAsRoot(user: string, users: readonly { name: string; uid: number }[]): boolean {
  const name = user.split(':')[0] ?? '';
  if (name === '' || name === 'root' || name === '0') return true;
  if (/^[0-9]+$/.test(name)) return false;
  return users.find((u) => u.name === name)?.uid === 0;
}

function runtimeConfig(image: ResolvedImage): ProfileConfig {
  const c = image.config.config;
  return {
    entrypoint: c.entrypoint ?? null,
    cmd: c.cmd ?? null,
    env: c.env ?? [],
    workingDir: c.workingDir ?? '',
    user: c.user ?? '',
    exposedPorts: c.exposedPorts ?? [],
    volumes: c.volumes ?? [],
    labels: c.labels ?? {},
    stopSignal: c.stopSignal ?? null,
    healthcheck: healthcheck(image.configRaw),
  };
}

/** `config.Healthcheck` (Docker image spec v1.2; not parsed by @berth/oci). */
function healthcheck(raw: Buffer): ProfileHealthcheck | null {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
  const hc = (doc as { config?: { Healthcheck?: unknown } } | null)?.config?.Healthcheck;
  if (typeof hc !== 'object' || hc === null) return null;
  const h = hc as Record<string, unknown>;
  if (!Array.isArray(h.Test) || !h.Test.every((t) => typeof t === 'string')) return null;
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  const out: Record<string, unknown> = { test: h.Test };
  const fields: [string, unknown][] = [
    ['intervalNs', h.Interval],
    ['timeoutNs', h.Timeout],
    ['startPeriodNs', h.StartPeriod],
    ['startIntervalNs', h.StartInterval],
    ['retries', h.Retries],
  ];
  for (const [key, value] of fields) if (num(value) !== undefined) out[key] = num(value);
  return out as unknown as ProfileHealthcheck;
}

/**
 * dpkg and apk packages of the final file system, each attributed to the layer that
 * introduced its current version: the lowest layer of the unbroken run of layers, ending at the
 * top, whose copy of the database lists the same name, version and architecture.
 */
function osPackages(
  fs: MergedFileSystem,
  layers: readonly ComposeLayer[],
): { packages: ProfilePackage[]; databases: ProfilePackageDatabase[] } {
  const out: ProfilePackage[] = [];
  const databases: ProfilePackageDatabase[] = [];
  const snapshots = (path: string): { layerIndex: number; content: string }[] =>
    layers.flatMap((layer, layerIndex) => {
      const files = layer.result?.files.filter((f) => f.path === path && !f.truncated) ?? [];
      const last = files[files.length - 1];
      return last ? [{ layerIndex, content: Buffer.from(last.content, 'base64').toString('utf8') }] : [];
    });
  const attribute = <P>(
    final: readonly P[],
    history: { layerIndex: number; keys: Set<string> }[],
    key: (p: P) => string,
    fallback: number,
  ): Map<P, number> => {
    const result = new Map<P, number>();
    for (const pkg of final) {
      const k = key(pkg);
      let layerIndex = fallback;
      for (let i = history.length - 1; i >= 0; i--) {
        const snap = history[i] as { layerIndex: number; keys: Set<string> };
        if (!snap.keys.has(k)) break;
        layerIndex = snap.layerIndex;
      }
      result.set(pkg, layerIndex);
    }
    return result;
  };

  const dpkgNode = fs.lookup(DPKG_STATUS, { follow: true });
  const dpkgText = fs.readFile(DPKG_STATUS);
  if (dpkgNode?.type === 'file' && dpkgText) {
    const finalText = dpkgText.toString('utf8');
    const final = parseDpkgStatus(finalText);
    const key = (p: { name: string; version: string; architecture: string }) =>
      `${p.name}\u0000${p.version}\u0000${p.architecture}`;
    const history = snapshots(DPKG_STATUS).map((s) => ({
      layerIndex: s.layerIndex,
      // The top layer's copy is usually the final database itself: parsed once.
      keys: new Set((s.content === finalText ? final : parseDpkgStatus(s.content)).map(key)),
    }));
    const layerOf = attribute(final, history, key, dpkgNode.layerIndex);
    databases.push(readDatabase('deb', DPKG_STATUS, 'dpkg-status', final.length));
    for (const p of final) {
      out.push({
        type: 'deb',
        name: p.name,
        version: p.version,
        ...(p.architecture ? { arch: p.architecture } : {}),
        layerIndex: layerOf.get(p) ?? 0,
      });
    }
  }
  for (const [name, node] of fs.list(DPKG_STATUS_D)) {
    const content = node.type === 'file' ? node.inode?.content : undefined;
    if (!content || name.endsWith('.md5sums')) continue;
    const parsed = parseDpkgStatus(content.toString('utf8'));
    databases.push(readDatabase('deb', `${DPKG_STATUS_D}/${name}`, 'dpkg-status.d', parsed.length));
    for (const p of parsed) {
      out.push({
        type: 'deb',
        name: p.name,
        version: p.version,
        ...(p.architecture ? { arch: p.architecture } : {}),
        layerIndex: node.layerIndex,
      });
    }
  }
  const apkNode = fs.lookup(APK_INSTALLED, { follow: true });
  const apkText = fs.readFile(APK_INSTALLED);
  if (apkNode?.type === 'file' && apkText) {
    const finalText = apkText.toString('utf8');
    const final = parseApkInstalled(finalText);
    const key = (p: { name: string; version: string; architecture: string }) =>
      `${p.name}\u0000${p.version}\u0000${p.architecture}`;
    const history = snapshots(APK_INSTALLED).map((s) => ({
      layerIndex: s.layerIndex,
      keys: new Set((s.content === finalText ? final : parseApkInstalled(s.content)).map(key)),
    }));
    const layerOf = attribute(final, history, key, apkNode.layerIndex);
    databases.push(readDatabase('apk', APK_INSTALLED, 'apk-installed', final.length));
    for (const p of final) {
      out.push({
        type: 'apk',
        name: p.name,
        version: p.version,
        ...(p.architecture ? { arch: p.architecture } : {}),
        layerIndex: layerOf.get(p) ?? 0,
      });
    }
  }
  const rpm = rpmPackages(fs, layers, attribute);
  return { packages: [...out, ...rpm.packages], databases: [...databases, ...rpm.databases] };
}

function readDatabase(
  type: ProfilePackageDatabase['type'],
  path: string,
  format: string,
  packageCount: number,
): ProfilePackageDatabase {
  return { type, path: `/${path}`, format, status: 'read', packageCount };
}

type Attribute = <P>(
  final: readonly P[],
  history: { layerIndex: number; keys: Set<string> }[],
  key: (p: P) => string,
  fallback: number,
) => Map<P, number>;

/**
 * rpm packages from `rpmdb.sqlite` (under `/usr/lib/sysimage/rpm` or `/var/lib/rpm`, often one
 * a symlink to the other), attributed to layers like dpkg's. Berkeley DB and NDB databases,
 * databases over the detector's cap and corrupt ones are reported, never silently empty.
 */
function rpmPackages(
  fs: MergedFileSystem,
  layers: readonly ComposeLayer[],
  attribute: Attribute,
): { packages: ProfilePackage[]; databases: ProfilePackageDatabase[] } {
  const packages: ProfilePackage[] = [];
  const databases: ProfilePackageDatabase[] = [];
  const seen = new Set<number>();
  for (const { path, format } of RPM_DATABASE_FILES) {
    const node = fs.lookup(path, { follow: true });
    if (node?.type !== 'file' || !node.inode || seen.has(node.inode.id)) continue;
    seen.add(node.inode.id);
    const at = { type: 'rpm' as const, path: `/${path}`, format: `rpm-${format}`, packageCount: 0 };
    if (format !== 'sqlite') {
      databases.push({
        ...at,
        status: 'unsupported',
        detail:
          format === 'bdb'
            ? 'Berkeley DB rpm databases (RHEL/CentOS 7 and 8, Amazon Linux 2) are not read'
            : 'NDB rpm databases (SUSE) are not read',
      });
      continue;
    }
    const content = node.inode.content;
    if (!content || node.inode.truncated) {
      databases.push({
        ...at,
        status: 'too-large',
        detail: `the database (${node.inode.size} bytes) is larger than the analysis keeps`,
      });
      continue;
    }
    let final: RpmPackage[];
    try {
      final = readRpmSqliteDatabase(content);
    } catch (error) {
      databases.push({ ...at, status: 'invalid', detail: (error as Error).message });
      continue;
    }
    const key = (p: RpmPackage) => `${p.name}\u0000${rpmEvr(p)}\u0000${p.arch ?? ''}`;
    const history = layers.flatMap((layer, layerIndex) => {
      const files = layer.result?.files.filter((f) => f.path === path && !f.truncated) ?? [];
      const last = files[files.length - 1];
      if (!last) return [];
      try {
        const keys = new Set(readRpmSqliteDatabase(Buffer.from(last.content, 'base64')).map(key));
        return [{ layerIndex, keys }];
      } catch {
        return [{ layerIndex, keys: new Set<string>() }];
      }
    });
    const layerOf = attribute(final, history, key, node.layerIndex);
    databases.push({ ...at, status: 'read', packageCount: final.length });
    for (const p of final) {
      packages.push({
        type: 'rpm',
        name: p.name,
        version: rpmEvr(p),
        ...(p.arch ? { arch: p.arch } : {}),
        layerIndex: layerOf.get(p) ?? 0,
      });
    }
  }
  return { packages, databases };
}

interface TreeSummary {
  fileCount: number;
  filesSize: number;
  security: Omit<ProfileSecurity, 'users' | 'groups'>;
  languagePackages: ProfilePackage[];
  /** Every non-directory path and node, in walk order (what the advice rules look at). */
  files: [string, FsNode][];
}

/** One walk over the merged tree for counts, security findings, language packages and advice. */
function summariseTree(fs: MergedFileSystem, now: Date): TreeSummary {
  let fileCount = 0;
  let filesSize = 0;
  const inodes = new Set<number>();
  const setuid: string[] = [];
  const setgid: string[] = [];
  const worldWritable: string[] = [];
  const capabilities: { path: string; caps: string }[] = [];
  const privateKeys: string[] = [];
  const languagePackages: ProfilePackage[] = [];
  const certificateFiles: { path: string; node: FsNode; content: Buffer }[] = [];
  const keyDirs = new Set<string>();
  const files: [string, FsNode][] = [];
  for (const [path, node] of fs.walk()) {
    if (node.type !== 'dir') files.push([path, node]);
    if (node.type === 'file') {
      fileCount++;
      if (node.inode && !inodes.has(node.inode.id)) {
        inodes.add(node.inode.id);
        filesSize += node.inode.size;
      }
      if (node.mode & 0o4000) setuid.push(`/${path}`);
      if (node.mode & 0o2000) setgid.push(`/${path}`);
      if (node.privateKey) {
        privateKeys.push(`/${path}`);
        keyDirs.add(dirOf(path));
      }
      const content = node.inode?.content;
      if (content && !node.inode?.truncated && certificateWant(path)) {
        certificateFiles.push({ path, node, content });
      }
      const cap = node.xattrs?.['security.capability'];
      if (cap !== undefined) {
        const caps = decodeFileCapabilities(Buffer.from(cap, 'base64'));
        if (caps) capabilities.push({ path: `/${path}`, caps });
      }
      if (content) {
        const pkg = languagePackage(path, node);
        if (pkg) languagePackages.push(pkg);
      }
      if (node.go) languagePackages.push(...goPackages(path, node));
    }
    if (isWorldWritable(node)) worldWritable.push(`/${path}`);
  }
  const certs = certificateFindings(certificateFiles, keyDirs, now);
  // A PEM file with the certificate first and its key after it escapes the private key sniff.
  const keys = new Set(privateKeys);
  const withKeys = certs.keyFiles.filter((path) => !keys.has(path));
  return {
    fileCount,
    filesSize,
    security: {
      setuid,
      setgid,
      worldWritable,
      capabilities,
      privateKeys: withKeys.length > 0 ? [...privateKeys, ...withKeys].sort() : privateKeys,
      certificates: certs.certificates,
      certificateBundles: certs.certificateBundles,
    },
    languagePackages,
    files,
  };
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/**
 * Lone certificates listed one by one; trust stores (per directory) and multi-certificate
 * bundles counted. A private key "nearby" is in the same file or the same directory.
 */
function certificateFindings(
  files: readonly { path: string; node: FsNode; content: Buffer }[],
  keyDirs: ReadonlySet<string>,
  now: Date,
): {
  certificates: ProfileCertificate[];
  certificateBundles: ProfileCertificateBundle[];
  /** Certificate files that also hold a private key. */
  keyFiles: string[];
} {
  const certificates: ProfileCertificate[] = [];
  const keyFiles: string[] = [];
  const bundles = new Map<string, { count: number; expired: number }>();
  const isExpired = (c: ParsedCertificate): boolean => Date.parse(c.notAfter) < now.getTime();
  for (const { path, node, content } of files) {
    const parsed = parseCertificateFile(content);
    if (!parsed) continue;
    if (parsed.containsPrivateKey) keyFiles.push(`/${path}`);
    const trustStore = isTrustStorePath(path);
    if (trustStore || parsed.certificates.length > 1) {
      const key = `/${trustStore && parsed.certificates.length === 1 ? dirOf(path) : path}`;
      const bundle = bundles.get(key) ?? { count: 0, expired: 0 };
      bundle.count += parsed.certificates.length;
      bundle.expired += parsed.certificates.filter(isExpired).length;
      bundles.set(key, bundle);
      continue;
    }
    const cert = parsed.certificates[0] as ParsedCertificate;
    const expired = isExpired(cert);
    certificates.push({
      path: `/${path}`,
      ...cert,
      expired,
      expiresSoon: !expired && Date.parse(cert.notAfter) - now.getTime() < EXPIRES_SOON_MS,
      privateKeyNearby: parsed.containsPrivateKey || keyDirs.has(dirOf(path)),
      layerIndex: node.layerIndex,
    });
  }
  return {
    certificates: certificates.slice(0, CERTIFICATE_ITEMS),
    certificateBundles: [...bundles]
      .sort(([a], [b]) => compare(a, b))
      .slice(0, CERTIFICATE_ITEMS)
      .map(([path, b]) => ({ path, count: b.count, expired: b.expired })),
    keyFiles,
  };
}

/** World-writable files and directories; sticky directories (`/tmp`) are the safe norm. */
function isWorldWritable(node: FsNode): boolean {
  if (!(node.mode & 0o002)) return false;
  if (node.type === 'file') return true;
  return node.type === 'dir' && !(node.mode & 0o1000);
}

/**
 * A Go binary's modules, as Syft reports them: the main module (`(devel)` for GOPATH builds
 * without one), every dependency, and the standard library at the toolchain's version.
 */
function goPackages(path: string, node: FsNode): ProfilePackage[] {
  const info = node.go;
  if (!info) return [];
  const at = { layerIndex: node.layerIndex, path: `/${path}` };
  const mainPath = info.main?.path ?? info.path;
  return [
    // Pre-1.18 binaries built outside a module carry no module info: the toolchain only.
    ...(mainPath === ''
      ? []
      : [{ type: 'golang' as const, name: mainPath, version: info.main?.version ?? '(devel)', ...at }]),
    ...info.deps.map((d) => ({ type: 'golang' as const, name: d.path, version: d.version, ...at })),
    { type: 'golang', name: 'stdlib', version: info.goVersion, ...at },
  ];
}

function languagePackage(path: string, node: FsNode): ProfilePackage | undefined {
  const content = node.inode?.content;
  if (!content) return undefined;
  if (NPM_PACKAGE_JSON.test(path)) {
    const p = parseNpmPackageJson(content.toString('utf8'));
    return (
      p && { type: 'npm', name: p.name, version: p.version, layerIndex: node.layerIndex, path: `/${path}` }
    );
  }
  if (PYTHON_METADATA.test(path)) {
    const p = parsePythonMetadata(content.toString('utf8'));
    return (
      p && { type: 'pypi', name: p.name, version: p.version, layerIndex: node.layerIndex, path: `/${path}` }
    );
  }
  return undefined;
}

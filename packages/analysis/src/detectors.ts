import { certificateWant } from './certificates.js';
import { RPM_DATABASE_FILES, RPM_SQLITE_MAX_BYTES } from './rpm-database.js';

/**
 * Which small files the analysis keeps, declared up front so the layer pass can decide at each
 * tar header whether to hold on to the data. Everything else is only hashed and counted.
 */
export interface FileWant {
  /** Largest content kept. */
  readonly maxBytes: number;
  /** Keep the first `maxBytes` of a larger file instead of nothing (headers of METADATA files). */
  readonly prefix?: boolean;
}

export interface Detector {
  readonly id: string;
  /** Called with each regular file's clean path; undefined when the detector does not care. */
  wants(path: string): FileWant | undefined;
}

const KiB = 1024;
const MiB = 1024 * KiB;

function exact(id: string, paths: readonly string[], want: FileWant): Detector {
  const set = new Set(paths);
  return { id, wants: (path) => (set.has(path) ? want : undefined) };
}

/** os-release(5): `/etc/os-release`, falling back to `/usr/lib/os-release` (often its symlink target). */
export const osReleaseDetector = exact('os-release', ['etc/os-release', 'usr/lib/os-release'], {
  maxBytes: 64 * KiB,
});

export const accountsDetector = exact('accounts', ['etc/passwd', 'etc/group', 'etc/shells'], {
  maxBytes: 4 * MiB,
});

/** dpkg's database; distroless images write one file per package into `status.d/`. */
export const dpkgDetector: Detector = {
  id: 'dpkg',
  wants(path) {
    if (path === 'var/lib/dpkg/status') return { maxBytes: 64 * MiB };
    if (
      path.startsWith('var/lib/dpkg/status.d/') &&
      !path.endsWith('.md5sums') &&
      !path.slice(22).includes('/')
    ) {
      return { maxBytes: 4 * MiB };
    }
    return undefined;
  },
};

/**
 * dpkg's per-package file lists (`var/lib/dpkg/info/<name>[:<arch>].list`, one path per line):
 * what each package installed, so advice can count the exact bytes of build tools.
 */
export const dpkgFileListDetector: Detector = {
  id: 'dpkg-lists',
  wants(path) {
    return path.startsWith('var/lib/dpkg/info/') && path.endsWith('.list') && !path.slice(18).includes('/')
      ? { maxBytes: 4 * MiB }
      : undefined;
  },
};

/** apk's installed database (Alpine, Wolfi). */
export const apkDetector = exact('apk', ['lib/apk/db/installed'], { maxBytes: 64 * MiB });

/** rpm's SQLite database (Berkeley DB and NDB ones are only reported as present, never kept). */
export const rpmDetector = exact(
  'rpm',
  RPM_DATABASE_FILES.filter((f) => f.format === 'sqlite').map((f) => f.path),
  { maxBytes: RPM_SQLITE_MAX_BYTES },
);

/** PEM and DER certificates (certificates.ts): `*.pem`, `*.crt`, `*.cer`, `*.der`, `/etc/ssl/certs/*`. */
export const certificateDetector: Detector = { id: 'certificates', wants: certificateWant };

const NPM_PACKAGE_JSON = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@.][^/]*\/package\.json$/;

/** `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json`, at any depth. */
export const npmDetector: Detector = {
  id: 'npm',
  wants: (path) => (NPM_PACKAGE_JSON.test(path) ? { maxBytes: 1 * MiB } : undefined),
};

const PYTHON_METADATA = /(?:^|\/)[^/]+\.dist-info\/METADATA$/;

/** Python wheels' `*.dist-info/METADATA`: only the RFC 822 header part at the top is needed. */
export const pythonDetector: Detector = {
  id: 'pypi',
  wants: (path) => (PYTHON_METADATA.test(path) ? { maxBytes: 64 * KiB, prefix: true } : undefined),
};

export const DEFAULT_DETECTORS: readonly Detector[] = [
  osReleaseDetector,
  accountsDetector,
  dpkgDetector,
  dpkgFileListDetector,
  apkDetector,
  rpmDetector,
  certificateDetector,
  npmDetector,
  pythonDetector,
];

/** The largest want among detectors for `path`. */
export function combinedWant(detectors: readonly Detector[], path: string): FileWant | undefined {
  let best: FileWant | undefined;
  for (const detector of detectors) {
    const want = detector.wants(path);
    if (want && (!best || want.maxBytes > best.maxBytes)) best = want;
  }
  return best;
}

import type { Platform } from '@berth/oci';

/**
 * The Container Profile: the `profile` document of the HTTP API (../shared/API.md). Field
 * names are a stable contract for the CLI, the portal and outside scripts: add, never rename.
 * Paths are absolute (`/usr/bin/env`).
 */
export interface ContainerProfile {
  readonly image: ProfileImage;
  readonly overview: ProfileOverview;
  readonly config: ProfileConfig;
  readonly layers: readonly ProfileLayer[];
  /** Every history entry, empty ones included, with the layer it produced (if any). */
  readonly history: readonly ProfileHistoryEntry[];
  readonly packages: readonly ProfilePackage[];
  readonly security: ProfileSecurity;
  readonly efficiency: ProfileEfficiency;
  readonly advice: readonly ProfileAdvice[];
  readonly dockerfile: string;
  readonly analyzer: { readonly version: string; readonly durationMs: number };
}

export interface ProfileImage {
  readonly manifestDigest: string;
  readonly indexDigest?: string;
  readonly mediaType: string;
  readonly platform: Platform;
  readonly platforms: readonly Platform[];
}

export interface ProfileOverview {
  readonly os: {
    readonly id: string | null;
    readonly versionId: string | null;
    readonly prettyName: string | null;
  };
  readonly created: string | null;
  /** Sum of the layer blobs as stored in the registry. */
  readonly sizeCompressed: number;
  /** Sum of the uncompressed layer tar streams (analysed layers). */
  readonly sizeUncompressed: number;
  readonly layerCount: number;
  /** Regular files in the merged file system, every hardlink counted (`find -type f`). */
  readonly fileCount: number;
  /** Content bytes of the merged file system, each hardlinked file once. */
  readonly filesSize: number;
  readonly user: string;
  readonly runsAsRoot: boolean;
  readonly shells: readonly string[];
  readonly packageManagers: readonly string[];
  /**
   * The OS package databases found (dpkg, apk, rpm) and whether they were read: an rpm
   * Berkeley DB or NDB database is `unsupported`, so an empty package list is never silent.
   */
  readonly packageDatabases: readonly ProfilePackageDatabase[];
}

export interface ProfilePackageDatabase {
  readonly type: 'deb' | 'apk' | 'rpm';
  /** Absolute: `/var/lib/rpm/rpmdb.sqlite`. */
  readonly path: string;
  /** `dpkg-status`, `dpkg-status.d`, `apk-installed`, `rpm-sqlite`, `rpm-bdb` or `rpm-ndb`. */
  readonly format: string;
  /** `read`; `unsupported` (format not parsed); `too-large` (over the detector cap); `invalid` (corrupt). */
  readonly status: 'read' | 'unsupported' | 'too-large' | 'invalid';
  readonly packageCount: number;
  /** Why it was not read, one sentence. */
  readonly detail?: string;
}

export interface ProfileHealthcheck {
  readonly test: readonly string[];
  readonly intervalNs?: number;
  readonly timeoutNs?: number;
  readonly startPeriodNs?: number;
  readonly startIntervalNs?: number;
  readonly retries?: number;
}

export interface ProfileConfig {
  readonly entrypoint: readonly string[] | null;
  readonly cmd: readonly string[] | null;
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly user: string;
  readonly exposedPorts: readonly string[];
  readonly volumes: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly stopSignal: string | null;
  readonly healthcheck: ProfileHealthcheck | null;
}

export interface ProfileLayer {
  /** Position in the manifest's `layers` (what `layerIndex` elsewhere refers to). */
  readonly index: number;
  readonly digest: string;
  readonly diffId: string;
  readonly mediaType: string;
  readonly sizeCompressed: number;
  /** null when the layer was not analysed. */
  readonly sizeUncompressed: number | null;
  readonly createdBy: string | null;
  readonly created: string | null;
  /** The layer's tar holds no entries (old builders wrote such layers for metadata steps). */
  readonly emptyLayer: boolean;
  /** false for foreign/non-distributable layers, which are reported, not fetched. */
  readonly analysed: boolean;
  readonly notAnalysedReason?: string;
  readonly compression: 'gzip' | 'zstd' | 'none' | null;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  readonly bytesAdded: number;
  readonly bytesModified: number;
  readonly bytesDeleted: number;
  readonly largestFiles: readonly { readonly path: string; readonly size: number }[];
}

export interface ProfileHistoryEntry {
  readonly created: string | null;
  readonly createdBy: string | null;
  readonly comment: string | null;
  readonly emptyLayer: boolean;
  /** The manifest layer this step produced; null for empty steps (ENV, CMD…). */
  readonly layerIndex: number | null;
}

export type PackageType = 'deb' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'golang';

export interface ProfilePackage {
  readonly type: PackageType;
  readonly name: string;
  readonly version: string;
  readonly arch?: string;
  /** The layer that introduced this version of the package. */
  readonly layerIndex: number;
  /** Where the package was found (language packages). */
  readonly path?: string;
}

export interface ProfileUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly shell: string;
  readonly home: string;
}

export interface ProfileSecurity {
  readonly setuid: readonly string[];
  readonly setgid: readonly string[];
  readonly worldWritable: readonly string[];
  readonly capabilities: readonly { readonly path: string; readonly caps: string }[];
  readonly privateKeys: readonly string[];
  /** Certificates outside system trust stores and bundles, one by one (at most 1000). */
  readonly certificates: readonly ProfileCertificate[];
  /** Trust-store directories and multi-certificate files, summarised. */
  readonly certificateBundles: readonly ProfileCertificateBundle[];
  readonly users: readonly ProfileUser[];
  readonly groups: readonly {
    readonly name: string;
    readonly gid: number;
    readonly members: readonly string[];
  }[];
}

export interface ProfileCertificate {
  readonly path: string;
  /** Distinguished names as `CN=example.com, O=Acme`. */
  readonly subject: string;
  readonly issuer: string;
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** notAfter is past at the time the profile was built. */
  readonly expired: boolean;
  /** Not expired, but expires within 30 days of the profile. */
  readonly expiresSoon: boolean;
  readonly selfSigned: boolean;
  /** A private key sits in the same file or the same directory. */
  readonly privateKeyNearby: boolean;
  readonly layerIndex: number;
}

export interface ProfileCertificateBundle {
  /** A bundle file, or a trust-store directory of one-certificate files. */
  readonly path: string;
  readonly count: number;
  readonly expired: number;
}

export interface ProfileEfficiency {
  /** 1 − wastedBytes / all file bytes shipped by the layers; 1 when nothing is wasted. */
  readonly score: number;
  /** Bytes of dead copies only: files a later layer overwrote or deleted. */
  readonly wastedBytes: number;
  /** Biggest dead copies first (at most 100). */
  readonly items: readonly { readonly path: string; readonly bytes: number; readonly reason: string }[];
}

export type AdviceSeverity = 'info' | 'low' | 'medium' | 'high';

/** One optimisation or hardening finding (advice-*.ts), explained in one sentence. */
export interface ProfileAdvice {
  /** Stable rule id: `dead-bytes`, `package-caches`, `build-tools`… */
  readonly id: string;
  readonly title: string;
  /** One sentence. */
  readonly detail: string;
  /** Bytes acting on this finding alone would save, computed from the files; 0 when none. */
  readonly estimatedSavingsBytes: number;
  readonly severity: AdviceSeverity;
  /** The files concerned, absolute, most significant first (at most 100). */
  readonly paths: readonly string[];
  /** How many paths there are in all. */
  readonly pathCount: number;
  /** Packages concerned (`build-tools`). */
  readonly packages?: readonly string[];
  /** A Dockerfile fragment showing the fix. */
  readonly suggestion?: string;
}

/** Live progress of one profile, as `GET /profiles/:id` reports it. */
export interface ProfileProgress {
  readonly layersDone: number;
  readonly layersTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/** The API shapes the portal reads (../shared/API.md); only the fields it uses. */

export interface User {
  readonly id: string;
  readonly email: string;
  readonly role: string;
}

export interface PlatformField {
  readonly name: string;
  readonly label: string;
  readonly secret: boolean;
  readonly required: boolean;
  /** `text` (default), `list`, `boolean`, `textarea`. */
  readonly kind?: string;
  readonly placeholder?: string;
  readonly help?: string;
}

export interface Platform {
  readonly id: string;
  readonly name: string;
  readonly credentialFields: readonly PlatformField[];
  readonly configFields: readonly PlatformField[];
  readonly instructions: string;
}

/** `pending`, `syncing`, `ok` or `error`. */
export type ConnectorStatus = string;

export interface Connector {
  readonly id: string;
  readonly platform: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly credentialHint: string | null;
  readonly status: ConnectorStatus;
  readonly lastSyncAt: string | null;
  readonly lastError: string | null;
  readonly repositoryCount: number;
  /** The quota the platform reported during the last sync; null when it reports none. */
  readonly rateLimit?: {
    readonly limit?: number;
    readonly remaining?: number;
    readonly resetAt?: string;
    readonly observedAt: string;
  } | null;
  readonly createdAt: string;
}

export interface TreeConnector {
  readonly id: string;
  readonly name: string;
  readonly repositoryCount: number;
  readonly status: ConnectorStatus;
  readonly lastSyncAt: string | null;
  readonly lastError: string | null;
}

export interface TreePlatform {
  readonly platform: string;
  readonly connectors: readonly TreeConnector[];
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface Repository {
  readonly name: string;
  readonly tagCount: number;
  readonly lastPushedAt: string | null;
  readonly description?: string;
}

export interface ImagePlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly digest: string;
}

export interface Tag {
  readonly name: string;
  readonly digest: string | null;
  readonly mediaType: string | null;
  readonly size: number | null;
  readonly pushedAt: string | null;
  readonly platforms: readonly ImagePlatform[];
}

export interface SearchItem {
  readonly source: 'connected' | 'public';
  readonly platform: string;
  readonly connectorId?: string;
  readonly connectorName?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly description?: string;
  readonly match: string;
}

export interface Job {
  readonly id: string;
  /** `queued`, `running`, `done` or `failed`. */
  readonly status: string;
  readonly progress: Readonly<Record<string, number>> | null;
  readonly error: string | null;
}

export interface TestResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly code?: string;
}

export interface AuthStatus {
  readonly hasAccounts: boolean;
  readonly signup: 'open' | 'closed';
}

/** How an image is named to the profile API (API.md "Images, profiles, diffs"). */
export type ImageSpec =
  | {
      readonly connectorId: string;
      readonly repository: string;
      readonly reference: string;
      readonly platform?: string;
    }
  | { readonly ref: string; readonly platform?: string };

export interface ProfileProgress {
  readonly layersDone: number;
  readonly layersTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/** `GET /profiles/:id`: the analysis' state, and the profile once it is done. */
export interface ProfileState {
  readonly id: string;
  /** `queued`, `running`, `done` or `failed`. */
  readonly status: string;
  readonly progress: ProfileProgress | null;
  readonly error?: string;
  readonly profile?: ContainerProfile;
}

export interface OsPlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface ProfileLayer {
  readonly index: number;
  readonly digest: string;
  readonly mediaType: string;
  readonly sizeCompressed: number;
  readonly sizeUncompressed: number | null;
  readonly createdBy: string | null;
  readonly created?: string | null;
  readonly emptyLayer: boolean;
  readonly analysed?: boolean;
  readonly notAnalysedReason?: string;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  readonly bytesAdded: number;
  readonly bytesModified: number;
  readonly bytesDeleted: number;
}

export interface ProfileHistoryEntry {
  readonly created: string | null;
  readonly createdBy: string | null;
  readonly comment: string | null;
  readonly emptyLayer: boolean;
  /** The layer this step produced; null for steps that change only the config. */
  readonly layerIndex: number | null;
}

export interface ProfilePackage {
  readonly type: string;
  readonly name: string;
  readonly version: string;
  readonly arch?: string;
  readonly layerIndex: number;
  readonly path?: string;
}

export interface ProfileUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly shell: string;
  readonly home?: string;
}

export interface ProfileAdvice {
  readonly id: string;
  readonly title: string;
  readonly detail: string;
  readonly estimatedSavingsBytes: number;
  /** `info`, `low`, `medium` or `high`. */
  readonly severity: string;
  readonly paths?: readonly string[];
  readonly pathCount?: number;
  readonly packages?: readonly string[];
  readonly suggestion?: string;
}

/** The Container Profile (API.md `profile`); fields beyond the stable ones are optional here. */
export interface ContainerProfile {
  readonly image: {
    readonly manifestDigest: string;
    readonly indexDigest?: string;
    readonly mediaType: string;
    readonly platform: OsPlatform;
    readonly platforms: readonly OsPlatform[];
  };
  readonly overview: {
    readonly os: {
      readonly id: string | null;
      readonly versionId: string | null;
      readonly prettyName: string | null;
    };
    readonly created: string | null;
    readonly sizeCompressed: number;
    readonly sizeUncompressed: number;
    readonly layerCount: number;
    readonly fileCount: number;
    readonly user: string;
    readonly runsAsRoot: boolean;
    readonly shells: readonly string[];
    readonly packageManagers: readonly string[];
  };
  readonly config: {
    readonly entrypoint: readonly string[] | null;
    readonly cmd: readonly string[] | null;
    readonly env: readonly string[];
    readonly workingDir: string;
    readonly user: string;
    readonly exposedPorts: readonly string[];
    readonly volumes: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
    readonly stopSignal: string | null;
  };
  readonly layers: readonly ProfileLayer[];
  readonly history?: readonly ProfileHistoryEntry[];
  readonly packages: readonly ProfilePackage[];
  readonly security: {
    readonly setuid: readonly string[];
    readonly setgid: readonly string[];
    readonly worldWritable: readonly string[];
    readonly capabilities: readonly { readonly path: string; readonly caps: string }[];
    readonly privateKeys: readonly string[];
    readonly users: readonly ProfileUser[];
  };
  readonly efficiency: {
    readonly score: number;
    readonly wastedBytes: number;
    readonly items: readonly { readonly path: string; readonly bytes: number; readonly reason: string }[];
  };
  readonly advice: readonly ProfileAdvice[];
  readonly dockerfile: string;
  readonly analyzer: { readonly version: string; readonly durationMs: number };
}

/** One entry of `GET /profiles/:id/files`: a directory level of the merged (or one layer's) tree. */
export interface FileItem {
  readonly name: string;
  readonly path: string;
  /** `file`, `dir`, `symlink`, `hardlink`, `char`, `block`, `fifo`, `whiteout`… */
  readonly type: string;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly linkTarget?: string;
  readonly layerIndex: number;
  readonly childCount?: number;
  /** Directories: content bytes of the whole subtree (each inode once). */
  readonly totalSize?: number;
}

/** One image of a diff (`diff.left` / `diff.right`). */
export interface DiffSide {
  readonly manifestDigest: string;
  readonly indexDigest?: string;
  readonly platform: OsPlatform;
  readonly sizeCompressed: number;
  readonly sizeUncompressed: number;
  readonly layerCount: number;
  readonly os: string | null;
}

export interface DiffSummary {
  /** Right minus left, uncompressed bytes. */
  readonly sizeDelta: number;
  readonly sizeDeltaCompressed?: number;
  readonly filesAdded: number;
  readonly filesRemoved: number;
  readonly filesModified: number;
  readonly packagesAdded: number;
  readonly packagesRemoved: number;
  readonly packagesChanged: number;
  readonly sharedLayers: number;
  readonly configChanged?: number;
}

export interface ConfigChange {
  /** `entrypoint`, `env.PATH`, `labels.version`… */
  readonly field: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly left: unknown;
  readonly right: unknown;
}

export type FileChangeKind = 'added' | 'removed' | 'modified';

/** An added or removed path (any non-directory type). */
export interface FileChangeItem {
  readonly path: string;
  readonly type: string;
  readonly size: number;
  readonly layerIndex?: number;
  /** Regular files: the content looks binary (a NUL in its first 8000 bytes); absent when unknown. */
  readonly binary?: boolean;
}

export interface FileState {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly sha256?: string;
  readonly linkTarget?: string;
  readonly mtime: number;
}

export interface FileModification {
  readonly path: string;
  readonly type: string;
  readonly leftType?: string;
  readonly leftSize: number;
  readonly rightSize: number;
  /** `type`, `content`, `mode`, `owner`, `linkTarget`, `device`, `xattrs`, `mtime`. */
  readonly changes?: readonly string[];
  readonly left?: FileState;
  readonly right?: FileState;
  /** Either regular-file side looks binary: a text diff would only say "binary files differ". */
  readonly binary?: boolean;
}

export interface PackageDiffItem {
  readonly type: string;
  readonly name: string;
  readonly version: string;
  readonly arch?: string;
  readonly path?: string;
}

export interface PackageChange {
  readonly type?: string;
  readonly name: string;
  readonly arch?: string;
  readonly path?: string;
  readonly left: string;
  readonly right: string;
  readonly direction?: 'upgrade' | 'downgrade' | 'rebuild';
}

export interface LayerDiffSide {
  readonly digest: string;
  readonly diffId: string;
  readonly sizeCompressed: number;
  readonly sizeUncompressed: number | null;
  readonly createdBy: string | null;
}

export interface LayerDiff {
  readonly index: number;
  readonly status: 'shared' | 'same-content' | 'changed' | 'added' | 'removed';
  readonly left: LayerDiffSide | null;
  readonly right: LayerDiffSide | null;
  readonly createdByChanged: boolean;
}

/** The `diff` document (API.md); the file lists hold their first page only. */
export interface ImageDiff {
  readonly left: DiffSide;
  readonly right: DiffSide;
  readonly summary: DiffSummary;
  readonly config: readonly ConfigChange[];
  readonly layers?: readonly LayerDiff[];
  readonly files: {
    readonly added: readonly FileChangeItem[];
    readonly removed: readonly FileChangeItem[];
    readonly modified: readonly FileModification[];
  };
  readonly packages: {
    readonly added: readonly PackageDiffItem[];
    readonly removed: readonly PackageDiffItem[];
    readonly changed: readonly PackageChange[];
  };
  readonly dockerfile: { readonly left: string; readonly right: string };
}

export interface DiffState {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'done' | 'failed';
  readonly progress: { readonly sidesDone?: number; readonly sidesTotal?: number } | null;
  readonly error?: string;
  readonly diff?: ImageDiff;
}

export interface DiffListPage<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
  readonly total: number;
}

/** `GET /diffs/:id/file?path=`: the unified diff of one file present in both images. */
export interface FileContentDiff {
  readonly path: string;
  readonly binary: boolean;
  readonly leftSize: number;
  readonly rightSize: number;
  readonly diff: string;
}

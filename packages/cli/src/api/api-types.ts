// The JSON shapes of the Berth API (API.md) that the CLI reads; `--json` prints them as they come.

export interface User {
  readonly id: string;
  readonly email: string;
  readonly role: 'admin' | 'user';
  readonly createdAt: string;
}

export interface PlatformField {
  readonly name: string;
  readonly label: string;
  readonly secret: boolean;
  readonly required: boolean;
  /** `list` (comma-separated), `boolean`, `textarea`; plain text when absent. */
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
  readonly suggestedConfig?: Readonly<Record<string, unknown>>;
}

export interface Connector {
  readonly id: string;
  readonly platform: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly credentialHint: string | null;
  readonly status: string;
  readonly lastSyncAt: string | null;
  readonly lastError: string | null;
  readonly repositoryCount: number;
  readonly createdAt: string;
}

export interface TreePlatform {
  readonly platform: string;
  readonly connectors: readonly {
    readonly id: string;
    readonly name: string;
    readonly repositoryCount: number;
    readonly status: string;
    readonly lastSyncAt?: string | null;
    readonly lastError?: string | null;
  }[];
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

export interface Tag {
  readonly name: string;
  readonly digest: string | null;
  readonly mediaType: string | null;
  readonly size: number | null;
  readonly pushedAt: string | null;
  readonly platforms: readonly { os: string; architecture: string; variant?: string; digest: string }[];
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
  readonly kind: string;
  readonly status: 'queued' | 'running' | 'done' | 'failed';
  readonly attempts: number;
  readonly progress: Readonly<Record<string, number>> | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface AnalysisProgress {
  readonly layersDone: number;
  readonly layersTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/** `POST /profiles`, `GET /profiles/:id`. */
export interface ProfileState<P = unknown> {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'done' | 'failed';
  readonly progress: AnalysisProgress | null;
  readonly error?: string;
  readonly profile?: P;
}

/** `POST /diffs`, `GET /diffs/:id`. */
export interface DiffState<D = unknown> {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'done' | 'failed';
  readonly progress: Readonly<Record<string, number>> | null;
  readonly error?: string;
  readonly diff?: D;
}

/** How the API names an image. */
export type ImageSpec =
  | {
      readonly connectorId: string;
      readonly repository: string;
      readonly reference: string;
      readonly platform?: string;
    }
  | { readonly ref: string; readonly platform?: string };

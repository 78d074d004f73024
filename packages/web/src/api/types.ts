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

import type { EndpointPolicy, ImageSource, Keychain, RateLimitInfo, RetryPolicy } from '@berth/oci';

export type PlatformId = 'dockerhub' | 'ecr' | 'google' | 'quay' | 'ghcr' | 'acr' | 'generic';

/** One input of a platform's form (`GET /platforms`). */
export interface PlatformField {
  readonly name: string;
  readonly label: string;
  /** Write-only: never returned by the API, encrypted at rest. */
  readonly secret: boolean;
  readonly required: boolean;
  readonly kind?: 'text' | 'textarea' | 'boolean' | 'list';
  readonly placeholder?: string;
  readonly help?: string;
}

export type ConnectorConfig = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
export type ConnectorCredentials = Readonly<Record<string, string>>;

/** Credentials are fetched (decrypted) only when a request needs them. */
export type CredentialSource = () => Promise<ConnectorCredentials>;

export interface ConnectorContext {
  readonly endpointPolicy: EndpointPolicy;
  readonly userAgent?: string;
  /** Retry settings of the registry client and vendor APIs (tests make them fast). */
  readonly retry?: Partial<RetryPolicy>;
  readonly now?: () => number;
}

export interface PlatformDefinition {
  readonly id: PlatformId;
  readonly name: string;
  readonly credentialFields: readonly PlatformField[];
  readonly configFields: readonly PlatformField[];
  /** Markdown: how to create least-privilege credentials on this platform. */
  readonly instructions: string;
  /** Checks `config` and `credentials` have the right shape (no network); throws `invalid_configuration`. */
  check(config: ConnectorConfig, credentials: ConnectorCredentials | undefined): void;
  /** The secret field whose last characters make the hint (`…a1b2`). */
  readonly hintField?: string;
  /**
   * Settings Berth proposes for a new connector, shown before it is created (ECR: a fresh
   * external ID for the role's trust policy).
   */
  suggestConfig?(): ConnectorConfig;
  create(config: ConnectorConfig, credentials: CredentialSource, context: ConnectorContext): Connector;
}

export interface RepositoryInfo {
  readonly name: string;
  readonly description?: string;
  readonly lastPushedAt?: string;
  readonly tagCount?: number;
}

export interface PlatformRef {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly digest: string;
}

export interface TagInfo {
  readonly name: string;
  readonly digest?: string;
  readonly mediaType?: string;
  readonly size?: number;
  readonly pushedAt?: string;
  readonly platforms?: readonly PlatformRef[];
}

export interface ListPage<T> {
  readonly items: readonly T[];
  /** Opaque; absent on the last page. */
  readonly next?: string;
}

export interface ValidationResult {
  readonly ok: true;
  /** A sentence for people: what was checked. */
  readonly detail: string;
}

/**
 * A read-only link to one registry account. Adapters use the vendor's metadata APIs where
 * `_catalog` does not work, and the registry API for pulls.
 */
export interface Connector {
  readonly platform: PlatformId;
  /** Registry name that images are pulled from (`docker.io`, `123.dkr.ecr.eu-west-1.amazonaws.com`). */
  readonly registry: string;
  /** A cheap authenticated call; throws ConnectorError with a precise code when it fails. */
  validate(signal?: AbortSignal): Promise<ValidationResult>;
  listRepositories(cursor: string | undefined, signal?: AbortSignal): Promise<ListPage<RepositoryInfo>>;
  listTags(repository: string, cursor: string | undefined, signal?: AbortSignal): Promise<ListPage<TagInfo>>;
  /** Credentials for pulls from {@link registry}. */
  keychain(): Keychain;
  /**
   * Images of one repository, read with this connector's connection settings (plain HTTP,
   * private CA) and credentials. Optional: without it, callers use {@link registry} and
   * {@link keychain} with default settings (HTTPS).
   */
  imageSource?(repository: string): ImageSource;
  /** Last quota the platform reported, if any. */
  rateLimit(): RateLimitInfo | undefined;
  /** Releases connections. */
  close(): Promise<void>;
}

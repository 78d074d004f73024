import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from '../config.js';
import type { Schema } from '../db/schema.js';
import type { Stores } from '../stores/stores.js';
import type { HttpMetrics } from './metrics.js';
import type { ConnectorService } from '../connectors/connector-service.js';
import type { CatalogStore } from '../catalog/catalog-store.js';
import type { PublicSearch } from '../catalog/public-search.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { ProfileService } from '../profiles/profile-service.js';
import type { ProfileStore } from '../profiles/profile-store.js';
import type { DiffService } from '../diffs/diff-service.js';
import type { DiffStore } from '../diffs/diff-store.js';

/** What the HTTP layer needs; wired in the composition root (`main-server.ts`). */
export interface AppDeps {
  readonly config: ServerConfig;
  readonly db: Kysely<Schema>;
  readonly stores: Stores;
  readonly logger: FastifyBaseLogger;
  readonly metrics: HttpMetrics;
  readonly connectors: ConnectorService;
  readonly catalog: CatalogStore;
  readonly jobs: JobQueue;
  readonly publicSearch: PublicSearch;
  readonly profiles: ProfileStore;
  readonly profileService: ProfileService;
  readonly diffs: DiffStore;
  readonly diffService: DiffService;
  /** The built portal; default packages/web/dist. */
  readonly webRoot?: string;
  /** Storage-specific clean-up after secrets were deleted (see `OpenedDatabase`). */
  readonly afterSensitiveDelete: () => Promise<void>;
}

import type { DestinationStream } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { loadConfig, type ServerConfig } from './config.js';
import { migrateToLatest } from './db/migrations.js';
import type { Schema } from './db/schema.js';
import { openDatabase } from './db/database.js';
import type { Engine } from './db/engine.js';
import { loadKeyRing } from './crypto/master-keys.js';
import { SecretBox } from './crypto/secret-box.js';
import { buildApp } from './http/app.js';
import { createLogger } from './http/logger.js';
import { createHttpMetrics } from './http/metrics.js';
import { SYSTEM_CLOCK, type Clock } from './stores/clock.js';
import { createStores, type Stores } from './stores/stores.js';
import { createCatalogStore, type CatalogStore } from './catalog/catalog-store.js';
import { NO_PUBLIC_SEARCH, type PublicSearch } from './catalog/public-search.js';
import { createSyncHandler, SYNC_JOB } from './catalog/sync-connector.js';
import { startSyncScheduler } from './catalog/sync-scheduler.js';
import { createEmbeddedJobQueue, type EmbeddedJobQueueOptions } from './jobs/embedded-job-queue.js';
import type { JobQueue } from './jobs/job-queue.js';
import { createDiffService, DIFF_JOB, type DiffService } from './diffs/diff-service.js';
import { createDiffStore, type DiffStore } from './diffs/diff-store.js';
import { createProfileService, PROFILE_JOB, type ProfileService } from './profiles/profile-service.js';
import { createProfileStore, databaseLayerCache, type ProfileStore } from './profiles/profile-store.js';
import { createConnectorService, type ConnectorService } from './connectors/connector-service.js';

export interface Runtime {
  readonly config: ServerConfig;
  readonly clock: Clock;
  readonly catalog: CatalogStore;
  readonly jobs: JobQueue;
  readonly profiles: ProfileStore;
  readonly profileService: ProfileService;
  readonly diffs: DiffStore;
  readonly diffService: DiffService;
  readonly db: Kysely<Schema>;
  /** `sqlite` (embedded) or `postgres` (BERTH_DATABASE_URL). */
  readonly engine: Engine;
  readonly stores: Stores;
  readonly box: SecretBox;
  readonly connectors: ConnectorService;
  readonly afterSensitiveDelete: () => Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  readonly jobs?: EmbeddedJobQueueOptions;
  /** Where public search results come from (tests point it at a fake Hub); unset: none. */
  readonly publicSearch?: PublicSearch;
  /** Run background jobs in this process (`berth serve --no-worker` turns it off). */
  readonly worker?: boolean;
  /** The built portal to serve; default packages/web/dist. */
  readonly webRoot?: string;
}

/** Opens the database (migrated) and the key ring: what every server-side command needs. */
export async function openRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const config = loadConfig(options.env);
  const { db, engine, afterSensitiveDelete } = await openDatabase(config);
  try {
    await migrateToLatest(db);
    const box = new SecretBox(loadKeyRing(config));
    const stores = createStores({
      db,
      box,
      clock: options.clock ?? SYSTEM_CLOCK,
      sessionTtlHours: config.sessionTtlHours,
    });
    const connectors = createConnectorService({ stores, context: { endpointPolicy: config.endpointPolicy } });
    const clock = options.clock ?? SYSTEM_CLOCK;
    const jobs = createEmbeddedJobQueue(db, clock, {
      ...(engine === 'postgres' && config.databaseUrl ? { notifyUrl: config.databaseUrl } : {}),
      ...options.jobs,
    });
    const profiles = createProfileStore(db, clock);
    const layerCache = databaseLayerCache(db, clock);
    const profileService = createProfileService({
      stores,
      profiles,
      layerCache,
      connectors,
      jobs,
      endpointPolicy: config.endpointPolicy,
    });
    const diffs = createDiffStore(db, clock);
    const diffService = createDiffService({
      stores,
      diffs,
      layerCache,
      connectors,
      jobs,
      endpointPolicy: config.endpointPolicy,
    });
    return {
      config,
      clock,
      db,
      engine,
      stores,
      box,
      connectors,
      catalog: createCatalogStore(db),
      jobs,
      profiles,
      profileService,
      diffs,
      diffService,
      afterSensitiveDelete,
      close: () => db.destroy(),
    };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  /**
   * Stops listening, stops taking jobs, lets running ones finish for up to `deadlineMs` (then
   * aborts them, which hands them back to the queue) and closes the database pool.
   */
  close(deadlineMs?: number): Promise<void>;
}

/**
 * Runs this process's job workers (sync, profile, diff) and the periodic sync scheduler.
 * Returns a function that stops the scheduler; `runtime.jobs.stop()` stops the workers.
 */
export function startJobWorkers(runtime: Runtime): () => void {
  runtime.jobs.start({
    [SYNC_JOB]: createSyncHandler({
      stores: runtime.stores,
      catalog: runtime.catalog,
      connectors: runtime.connectors,
      clock: runtime.clock,
    }),
    [PROFILE_JOB]: runtime.profileService.handler,
    [DIFF_JOB]: runtime.diffService.handler,
  });
  return startSyncScheduler(runtime.db, runtime.jobs, runtime.clock, runtime.config.syncIntervalMs);
}

export interface RunningWorker {
  readonly runtime: Runtime;
  /** Stops taking jobs, finishes or hands back running ones within `deadlineMs`, closes the pool. */
  close(deadlineMs?: number): Promise<void>;
}

/**
 * The composition root of `berth worker`: jobs only, no HTTP. Any number of workers (and
 * `berth serve --no-worker` API processes) share one PostgreSQL database.
 */
export async function startWorker(
  options: Omit<RuntimeOptions, 'worker' | 'webRoot' | 'publicSearch'> = {},
): Promise<RunningWorker> {
  const runtime = await openRuntime(options);
  const stopScheduler = startJobWorkers(runtime);
  let closing: Promise<void> | undefined;
  return {
    runtime,
    close(deadlineMs) {
      closing ??= (async () => {
        stopScheduler();
        await runtime.jobs.stop(deadlineMs);
        await runtime.close();
      })();
      return closing;
    },
  };
}

/**
 * The composition root of `berth serve`: configuration → database → keys → stores → HTTP.
 *
 * @example
 * const server = await startServer({ env: { BERTH_PORT: '0', BERTH_DATA_DIR: dir } });
 * await fetch(`${server.url}/healthz`);
 * await server.close();
 */
export async function startServer(
  options: RuntimeOptions & { logDestination?: DestinationStream } = {},
): Promise<RunningServer> {
  const runtime = await openRuntime(options);
  const logger = createLogger(runtime.config.logLevel, options.logDestination);
  try {
    const app = await buildApp({
      config: runtime.config,
      db: runtime.db,
      stores: runtime.stores,
      logger,
      metrics: createHttpMetrics(),
      connectors: runtime.connectors,
      catalog: runtime.catalog,
      jobs: runtime.jobs,
      publicSearch: options.publicSearch ?? NO_PUBLIC_SEARCH,
      profiles: runtime.profiles,
      profileService: runtime.profileService,
      diffs: runtime.diffs,
      diffService: runtime.diffService,
      ...(options.webRoot ? { webRoot: options.webRoot } : {}),
      afterSensitiveDelete: runtime.afterSensitiveDelete,
    });
    const stopScheduler = options.worker !== false ? startJobWorkers(runtime) : () => undefined;
    const address = await app.listen({ host: runtime.config.host, port: runtime.config.port });
    return {
      url: address,
      app,
      runtime,
      async close(deadlineMs?: number) {
        stopScheduler();
        await app.close();
        await runtime.jobs.stop(deadlineMs);
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { searchCatalog } from '../catalog/catalog-search.js';
import { enqueueSync } from '../catalog/sync-scheduler.js';
import { notFound } from '../errors.js';
import type { AppDeps } from '../http/app-deps.js';
import { requireUser } from '../http/principal.js';
import { problemResponses } from '../http/schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 500 }));
const Cursor = Type.Optional(Type.String({ maxLength: 2048 }));
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const PlatformRef = Type.Object({
  os: Type.String(),
  architecture: Type.String(),
  variant: Type.Optional(Type.String()),
  digest: Type.String(),
});

const TreeSchema = Type.Array(
  Type.Object({
    platform: Type.String(),
    connectors: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        repositoryCount: Type.Integer(),
        status: Type.String(),
        lastSyncAt: Nullable(Type.String()),
        lastError: Nullable(Type.String()),
      }),
    ),
  }),
);
const RepositoryPage = Type.Object({
  items: Type.Array(
    Type.Object({
      name: Type.String(),
      tagCount: Type.Integer(),
      lastPushedAt: Nullable(Type.String()),
      description: Type.Optional(Type.String()),
    }),
  ),
  nextCursor: Nullable(Type.String()),
});
const TagPage = Type.Object({
  items: Type.Array(
    Type.Object({
      name: Type.String(),
      digest: Nullable(Type.String()),
      mediaType: Nullable(Type.String()),
      size: Nullable(Type.Integer()),
      pushedAt: Nullable(Type.String()),
      platforms: Type.Array(PlatformRef),
    }),
  ),
  nextCursor: Nullable(Type.String()),
});
const SearchResult = Type.Object({
  items: Type.Array(
    Type.Object({
      source: Type.Union([Type.Literal('connected'), Type.Literal('public')]),
      platform: Type.String(),
      connectorId: Type.Optional(Type.String()),
      connectorName: Type.Optional(Type.String()),
      repository: Type.String(),
      tag: Type.Optional(Type.String()),
      digest: Type.Optional(Type.String()),
      description: Type.Optional(Type.String()),
      match: Type.String(),
    }),
  ),
});
const Job = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  progress: Nullable(Type.Record(Type.String(), Type.Number())),
  error: Nullable(Type.String()),
  createdAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
});

/** The Connected Registries tree, its lazy levels, search, and sync jobs. */
export function registerCatalogRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/api/v1/tree',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Platform › connector: the first levels of the tree',
        response: { 200: TreeSchema, ...problemResponses },
      },
    },
    (request) => deps.catalog.tree(requireUser(request).id),
  );

  const RepoQuery = Type.Object(
    { cursor: Cursor, limit: Limit, q: Type.Optional(Type.String({ maxLength: 200 })) },
    { additionalProperties: false },
  );
  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof RepoQuery> }>(
    '/api/v1/connectors/:id/repositories',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Repositories of a connector, in natural order',
        params: IdParams,
        querystring: RepoQuery,
        response: { 200: RepositoryPage, ...problemResponses },
      },
    },
    async (request) => {
      const page = await deps.catalog.listRepositories(requireUser(request).id, request.params.id, {
        limit: request.query.limit ?? 100,
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
        ...(request.query.q ? { q: request.query.q } : {}),
      });
      if (!page) throw notFound('connector');
      return page;
    },
  );

  const TagQuery = Type.Object(
    {
      repository: Type.String({ minLength: 1, maxLength: 512 }),
      cursor: Cursor,
      limit: Limit,
      reference: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    },
    { additionalProperties: false },
  );
  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof TagQuery> }>(
    '/api/v1/connectors/:id/tags',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Versions of a repository: latest first, then natural order',
        params: IdParams,
        querystring: TagQuery,
        response: { 200: TagPage, ...problemResponses },
      },
    },
    async (request) => {
      const page = await deps.catalog.listTags(
        requireUser(request).id,
        request.params.id,
        request.query.repository,
        {
          limit: request.query.limit ?? 100,
          ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
          ...(request.query.reference ? { reference: request.query.reference } : {}),
        },
      );
      if (!page) throw notFound('repository');
      return page;
    },
  );

  const SearchQuery = Type.Object(
    {
      q: Type.String({ maxLength: 200 }),
      limit: Limit,
      publicLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    },
    { additionalProperties: false },
  );
  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/v1/search',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Repositories and versions of your registries first, then public images',
        querystring: SearchQuery,
        response: { 200: SearchResult, ...problemResponses },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const limit = request.query.limit ?? 20;
      const connected = await searchCatalog(deps.db, user.id, request.query.q, limit);
      // Public results have their own budget, so they still show below a full page of your own.
      const publicLimit = request.query.publicLimit ?? 5;
      const publicItems = publicLimit > 0 ? await deps.publicSearch(request.query.q, publicLimit) : [];
      return { items: [...connected, ...publicItems] };
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/api/v1/connectors/:id/sync',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Sync the catalog of a connector now',
        params: IdParams,
        response: { 202: Type.Object({ jobId: Type.String() }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const record = await deps.stores.connectors.get(user.id, request.params.id);
      if (!record) throw notFound('connector');
      const job = await enqueueSync(deps.jobs, user.id, record.id);
      return reply.code(202).send({ jobId: job.id });
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/jobs/:id',
    {
      schema: {
        tags: ['catalog'],
        summary: 'A background job and its progress',
        params: IdParams,
        response: { 200: Job, ...problemResponses },
      },
    },
    async (request) => {
      const job = await deps.jobs.get(request.params.id);
      if (!job || job.ownerId !== requireUser(request).id) throw notFound('job');
      const { payload: _p, key: _k, ownerId: _o, connectorId: _c, ...visible } = job;
      return visible;
    },
  );
}

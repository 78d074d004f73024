import type { FastifyInstance } from 'fastify';
import { PLATFORMS } from '@berth/connectors';
import { Type, type Static } from 'typebox';
import type { AppDeps } from '../http/app-deps.js';
import { requireUser } from '../http/principal.js';
import { ProblemSchema, problemResponses } from '../http/schemas.js';
import type { ConnectorRecord } from '../stores/connector-store.js';
import { ownedBy } from '../stores/stores.js';
import { notFound } from '../errors.js';
import { enqueueSync } from '../catalog/sync-scheduler.js';

const Field = Type.Object({
  name: Type.String(),
  label: Type.String(),
  secret: Type.Boolean(),
  required: Type.Boolean(),
  kind: Type.Optional(Type.String()),
  placeholder: Type.Optional(Type.String()),
  help: Type.Optional(Type.String()),
});
const Platform = Type.Object({
  id: Type.String(),
  name: Type.String(),
  credentialFields: Type.Array(Field),
  configFields: Type.Array(Field),
  instructions: Type.String(),
  /** Settings proposed for a new connector (ECR: a fresh external ID for the trust policy). */
  suggestedConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
const ConfigValue = Type.Union([
  Type.String({ maxLength: 65536 }),
  Type.Boolean(),
  Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 1000 }),
]);
const Config = Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }), ConfigValue);
const Credentials = Type.Record(
  Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }),
  Type.String({ maxLength: 65536 }),
);
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const ConnectorSchema = Type.Object({
  id: Type.String(),
  platform: Type.String(),
  name: Type.String(),
  config: Type.Record(Type.String(), Type.Unknown()),
  credentialHint: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  lastSyncAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  repositoryCount: Type.Integer(),
  /** The quota the platform reported during the last sync (Docker Hub, GitHub…); null when none. */
  rateLimit: Type.Union([
    Type.Object({
      limit: Type.Optional(Type.Integer()),
      remaining: Type.Optional(Type.Integer()),
      windowSeconds: Type.Optional(Type.Integer()),
      resetAt: Type.Optional(Type.String()),
      observedAt: Type.String(),
    }),
    Type.Null(),
  ]),
  createdAt: Type.String(),
});
const CreateBody = Type.Object(
  {
    platform: Type.String({ minLength: 1, maxLength: 32 }),
    name: Name,
    config: Type.Optional(Config),
    credentials: Type.Optional(Credentials),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  { name: Type.Optional(Name), config: Type.Optional(Config), credentials: Type.Optional(Credentials) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const connectorResponses = { ...problemResponses, 409: ProblemSchema, 422: ProblemSchema };

/** What the API shows of a connector: never the secret or where it is kept. */
export function publicConnector(record: ConnectorRecord): Static<typeof ConnectorSchema> {
  const { secretId: _secret, ...rest } = record;
  return rest;
}

/** `GET /platforms` and connector CRUD, test and (with the catalog) sync. */
export function registerConnectorRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/api/v1/platforms',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Supported platforms, their fields and least-privilege instructions',
        response: { 200: Type.Array(Platform) },
      },
    },
    () =>
      PLATFORMS.map((p) => ({
        id: p.id,
        name: p.name,
        credentialFields: [...p.credentialFields],
        configFields: [...p.configFields],
        instructions: p.instructions,
        ...(p.suggestConfig ? { suggestedConfig: { ...p.suggestConfig() } } : {}),
      })),
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/v1/connectors',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Connect a registry (credentials are validated first)',
        body: CreateBody,
        response: { 201: ConnectorSchema, ...connectorResponses },
      },
    },
    async (request, reply) => {
      const owned = ownedBy(deps.stores, requireUser(request).id);
      const created = await deps.connectors.create(owned, {
        platform: request.body.platform,
        name: request.body.name.trim(),
        config: request.body.config ?? {},
        credentials: request.body.credentials ?? {},
      });
      await enqueueSync(deps.jobs, owned.ownerId, created.id);
      return reply.code(201).send(publicConnector(created));
    },
  );

  app.get(
    '/api/v1/connectors',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Your connectors',
        response: { 200: Type.Array(ConnectorSchema), ...problemResponses },
      },
    },
    async (request) =>
      (await ownedBy(deps.stores, requireUser(request).id).connectors.list()).map(publicConnector),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/connectors/:id',
    {
      schema: {
        tags: ['connectors'],
        summary: 'One connector',
        params: IdParams,
        response: { 200: ConnectorSchema, ...problemResponses },
      },
    },
    async (request) => {
      const record = await ownedBy(deps.stores, requireUser(request).id).connectors.get(request.params.id);
      if (!record) throw notFound('connector');
      return publicConnector(record);
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof PatchBody> }>(
    '/api/v1/connectors/:id',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Rename, reconfigure or rotate credentials (re-validated)',
        params: IdParams,
        body: PatchBody,
        response: { 200: ConnectorSchema, ...connectorResponses },
      },
    },
    async (request) => {
      const owned = ownedBy(deps.stores, requireUser(request).id);
      const { name, config, credentials } = request.body;
      const updated = await deps.connectors.update(owned, request.params.id, {
        ...(name !== undefined ? { name: name.trim() } : {}),
        ...(config !== undefined ? { config } : {}),
        ...(credentials !== undefined ? { credentials } : {}),
      });
      if (config !== undefined || credentials !== undefined)
        await enqueueSync(deps.jobs, owned.ownerId, updated.id);
      return publicConnector(updated);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/v1/connectors/:id',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Delete permanently: the connector, its credentials and everything derived through it',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      await deps.connectors.delete(ownedBy(deps.stores, requireUser(request).id), request.params.id);
      await deps.afterSensitiveDelete();
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/api/v1/connectors/:id/test',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Check the stored credentials against the registry now',
        params: IdParams,
        response: {
          200: Type.Object({ ok: Type.Boolean(), detail: Type.String(), code: Type.Optional(Type.String()) }),
          ...problemResponses,
        },
      },
    },
    (request) => deps.connectors.test(ownedBy(deps.stores, requireUser(request).id), request.params.id),
  );
}

import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { notFound } from '../errors.js';
import type { AppDeps } from '../http/app-deps.js';
import { requireUser } from '../http/principal.js';
import { problemResponses } from '../http/schemas.js';
import { ownedBy } from '../stores/stores.js';

const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});
const NewToken = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** API tokens for the CLI and scripts: shown once, stored as a hash, revocable. */
export function registerTokenRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<{ Body: Static<typeof NewToken> }>(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an API token (its value is shown only in this response)',
        body: NewToken,
        response: {
          201: Type.Intersect([TokenInfo, Type.Object({ token: Type.String() })]),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const owned = ownedBy(deps.stores, requireUser(request).id);
      const created = await owned.tokens.create(request.body.name.trim());
      await deps.stores.audit.record({
        actorId: owned.ownerId,
        action: 'token.create',
        target: created.id,
        ip: request.ip,
        detail: { name: created.name },
      });
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Your API tokens (never their values)',
        response: { 200: Type.Array(TokenInfo), ...problemResponses },
      },
    },
    (request) => ownedBy(deps.stores, requireUser(request).id).tokens.list(),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/v1/tokens/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Revoke an API token; it stops working at once',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const owned = ownedBy(deps.stores, requireUser(request).id);
      if (!(await owned.tokens.revoke(request.params.id))) throw notFound('API token');
      await deps.stores.audit.record({
        actorId: owned.ownerId,
        action: 'token.revoke',
        target: request.params.id,
        ip: request.ip,
      });
      return reply.code(204).send();
    },
  );
}

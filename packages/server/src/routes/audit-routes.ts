import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { AppDeps } from '../http/app-deps.js';
import { requireUser } from '../http/principal.js';
import { problemResponses } from '../http/schemas.js';
import { ownedBy } from '../stores/stores.js';

const Query = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) },
  { additionalProperties: false },
);
const Entry = Type.Object({
  id: Type.String(),
  at: Type.String(),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

/** The caller's own security events (sign-up, log-ins, tokens), newest first. */
export function registerAuditRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/api/v1/audit',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Your audit log',
        querystring: Query,
        response: { 200: Type.Array(Entry), ...problemResponses },
      },
    },
    (request) => ownedBy(deps.stores, requireUser(request).id).audit.list(request.query.limit ?? 100),
  );
}

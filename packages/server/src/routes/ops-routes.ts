import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { isMigrated } from '../db/migrations.js';
import type { AppDeps } from '../http/app-deps.js';

const Status = Type.Object({ status: Type.String() });

/** `/healthz` (process up), `/readyz` (database reachable and migrated), `/metrics`, the OpenAPI document. */
export function registerOpsRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/healthz', { schema: { hide: true, response: { 200: Status } } }, () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { schema: { hide: true, response: { 200: Status, 503: Status } } },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(deps.db);
        if (!(await isMigrated(deps.db))) return reply.code(503).send({ status: 'migrations pending' });
        return { status: 'ok' };
      } catch {
        return reply.code(503).send({ status: 'database unreachable' });
      }
    },
  );
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
}

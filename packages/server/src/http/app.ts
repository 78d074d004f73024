import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAuditRoutes } from '../routes/audit-routes.js';
import { registerAuthRoutes } from '../routes/auth-routes.js';
import { registerCatalogRoutes } from '../routes/catalog-routes.js';
import { registerConnectorRoutes } from '../routes/connector-routes.js';
import { registerProfileRoutes } from '../routes/profile-routes.js';
import { registerDiffRoutes } from '../routes/diff-routes.js';
import { registerOpsRoutes } from '../routes/ops-routes.js';
import { registerTokenRoutes } from '../routes/token-routes.js';
import type { AppDeps } from './app-deps.js';
import { resolvePrincipal } from './principal.js';
import { problemOf, sendProblem } from './problem.js';
import { createValidatorCompiler } from './validators.js';
import { registerWebAssets, sendPortalPage, wantsPortalPage } from './web-assets.js';

/** Request bodies are small JSON documents; anything larger is refused before parsing. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Builds the HTTP application from its dependencies (no listening, no globals), so tests and
 * the composition root wire it the same way.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT_BYTES,
  });
  app.setValidatorCompiler(createValidatorCompiler());

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Berth API',
        version: '0.1.0',
        description: 'Connect registries; browse, search, profile and diff images.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token from POST /api/v1/tokens' },
          session: { type: 'apiKey', in: 'cookie', name: 'berth_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });

  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    (request as { startedAt?: bigint }).startedAt = process.hrtime.bigint();
    if (request.url.startsWith('/api/v1/')) request.principal = await resolvePrincipal(request, deps.stores);
  });
  app.addHook('onResponse', async (request, reply) => {
    const started = (request as { startedAt?: bigint }).startedAt ?? process.hrtime.bigint();
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.observe(
      request.method,
      route,
      reply.statusCode,
      Number(process.hrtime.bigint() - started) / 1e9,
    );
  });
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  const portal = await registerWebAssets(app, deps.webRoot);
  app.setNotFoundHandler((request, reply) =>
    portal && wantsPortalPage(request)
      ? sendPortalPage(reply)
      : reply
          .code(404)
          .type('application/problem+json')
          .send({
            ...problemOf(404, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]}`),
            instance: request.url.split('?')[0],
          }),
  );

  registerOpsRoutes(app, deps);
  registerAuthRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerConnectorRoutes(app, deps);
  registerCatalogRoutes(app, deps);
  registerProfileRoutes(app, deps);
  registerDiffRoutes(app, deps);
  await app.ready();
  return app;
}

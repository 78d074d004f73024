import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the portal (packages/web/dist), from src/ or dist/ alike. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * Serves the portal from the same origin as the API: hashed assets cached for a year, and
 * `index.html` for any other page address so deep links and reloads work.
 * Returns whether the portal is there (it is absent in API-only deployments and some tests).
 */
export async function registerWebAssets(
  app: FastifyInstance,
  root: string = DEFAULT_WEB_ROOT,
): Promise<boolean> {
  if (!existsSync(`${root}/index.html`)) return false;
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  return true;
}

/** True for a browser asking for a page (not the API, not an asset). */
export function wantsPortalPage(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '/';
  return (
    request.method === 'GET' &&
    !path.startsWith('/api/') &&
    !['/healthz', '/readyz', '/metrics'].includes(path) &&
    !/\.[a-z0-9]+$/i.test(path) &&
    (request.headers.accept ?? '').includes('text/html')
  );
}

export function sendPortalPage(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-cache').type('text/html').sendFile('index.html');
}

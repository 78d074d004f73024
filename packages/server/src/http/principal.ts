import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Stores } from '../stores/stores.js';
import type { User } from '../stores/user-store.js';

export const SESSION_COOKIE = 'berth_session';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Who is calling, and how they proved it. */
export type Principal =
  | {
      readonly kind: 'session';
      readonly user: User;
      readonly sessionToken: string;
      readonly csrfToken: string;
    }
  | { readonly kind: 'token'; readonly user: User; readonly tokenId: string };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/**
 * Resolves the caller from `Authorization: Bearer <api token>` or the session cookie. A bearer
 * header that does not name a live token is an error, never a silent fallback to the cookie.
 * Cookie-authenticated state-changing requests must echo the session's CSRF token in
 * `X-CSRF-Token` (bearer requests need none: browsers never attach them on their own).
 */
export async function resolvePrincipal(
  request: FastifyRequest,
  stores: Stores,
): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1])
      throw new AppError(401, 'invalid_token', 'the Authorization header must be "Bearer <API token>"');
    const found = await stores.tokens.authenticate(match[1]);
    if (!found) throw new AppError(401, 'invalid_token', 'the API token is unknown or revoked');
    return { kind: 'token', user: found.user, tokenId: found.tokenId };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return undefined;
  const session = await stores.sessions.find(cookie);
  if (!session) return undefined;
  const principal: Principal = {
    kind: 'session',
    user: session.user,
    sessionToken: cookie,
    csrfToken: session.csrfToken,
  };
  if (STATE_CHANGING.has(request.method)) {
    const sent = request.headers['x-csrf-token'];
    const expected = Buffer.from(session.csrfToken);
    const given = Buffer.from(typeof sent === 'string' ? sent : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError(
        403,
        'csrf_token_invalid',
        'send the X-CSRF-Token header you got at login with every change made through the session cookie',
      );
    }
  }
  return principal;
}

/** The signed-in user, or 401 `unauthenticated`. */
export function requireUser(request: FastifyRequest): User {
  if (!request.principal)
    throw new AppError(401, 'unauthenticated', 'sign in, or send an API token as "Authorization: Bearer …"');
  return request.principal.user;
}

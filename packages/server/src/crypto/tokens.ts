import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Random bearer secrets. API tokens carry a recognisable prefix (like GitHub's `ghp_`), so
 * secret scanners and people can tell what leaked; only their sha256 is stored — a fast hash
 * is right for 256-bit random values, which cannot be guessed.
 */
export const API_TOKEN_PREFIX = 'berth_pat_';

export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function newId(): string {
  return randomBytes(12).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The CSRF token of a session, derived from the session's own secret (so nothing extra is
 * stored, and a database dump does not yield it): HMAC-SHA256(session token, purpose).
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('berth-csrf/v1').digest('base64url');
}

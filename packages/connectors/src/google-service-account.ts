import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { ConnectorError } from './connector-error.js';

/** The fields Berth uses from a service-account JSON key (Cloud console → Keys → JSON). */
export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: KeyObject;
  readonly privateKeyId: string | undefined;
  readonly projectId: string | undefined;
  readonly tokenUri: string;
}

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** Parses a key without ever quoting it back: errors name the field, not its value. */
export function parseServiceAccountKey(text: string | undefined): ServiceAccountKey {
  let json: Record<string, unknown>;
  try {
    const value = JSON.parse(text ?? '') as unknown;
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    json = value as Record<string, unknown>;
  } catch {
    throw new ConnectorError(
      'invalid_configuration',
      'the service-account key must be the JSON file downloaded from the Cloud console (Keys → Add key → JSON)',
    );
  }
  if (json.type !== 'service_account')
    throw new ConnectorError(
      'invalid_configuration',
      'the key is not a service-account key ("type" must be "service_account")',
    );
  if (typeof json.client_email !== 'string' || !json.client_email.includes('@'))
    throw new ConnectorError('invalid_configuration', 'the service-account key has no "client_email"');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: String(json.private_key), format: 'pem' });
  } catch {
    throw new ConnectorError(
      'invalid_configuration',
      'the "private_key" of the service-account key is not a PEM private key',
    );
  }
  const tokenUri = typeof json.token_uri === 'string' && json.token_uri ? json.token_uri : GOOGLE_TOKEN_URI;
  if (!/^https?:\/\//.test(tokenUri))
    throw new ConnectorError(
      'invalid_configuration',
      'the "token_uri" of the service-account key must be an https URL',
    );
  return {
    clientEmail: json.client_email,
    privateKey,
    privateKeyId: typeof json.private_key_id === 'string' ? json.private_key_id : undefined,
    projectId: typeof json.project_id === 'string' ? json.project_id : undefined,
    tokenUri,
  };
}

/**
 * The signed JWT assertion of the OAuth 2.0 JWT bearer grant (RFC 7523 §2.1; Google's
 * "Using OAuth 2.0 for Server to Server Applications"): RS256 over
 * `{iss, scope, aud: token_uri, iat, exp ≤ iat + 1 h}`.
 */
export function signJwtAssertion(key: ServiceAccountKey, scope: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) };
  const claims = { iss: key.clientEmail, scope, aud: key.tokenUri, iat, exp: iat + 3600 };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = sign('RSA-SHA256', Buffer.from(input), key.privateKey).toString('base64url');
  return `${input}.${signature}`;
}

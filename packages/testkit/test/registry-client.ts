import { MANIFEST_ACCEPT } from '../src/index.js';
import type { Credentials, RunningRegistry } from '../src/index.js';

/** A Basic `Authorization` value. */
export function basic(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Asks the registry's token server for a token, as `user` or anonymously. */
export async function fetchToken(
  registry: RunningRegistry,
  scopes: string[],
  user?: Credentials,
): Promise<{
  status: number;
  token?: string;
  claims?: { access: { type: string; name: string; actions: string[] }[] };
}> {
  const server = registry.tokenServer;
  if (!server) throw new Error('registry has no token server');
  const url = new URL(server.realm);
  url.searchParams.set('service', server.service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  if (user) url.searchParams.set('account', user.username);
  const response = await fetch(url, { headers: user ? { authorization: basic(user) } : {} });
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  const body = (await response.json()) as {
    token: string;
    access_token: string;
    expires_in: number;
    issued_at: string;
  };
  const payload = body.token.split('.')[1] ?? '';
  return {
    status: 200,
    token: body.token,
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      access: { type: string; name: string; actions: string[] }[];
    },
  };
}

/** GET (or HEAD) through the recording proxy with all four manifest types accepted. */
export async function registryGet(
  registry: RunningRegistry,
  path: string,
  authorization?: string,
  method = 'GET',
): Promise<Response> {
  return fetch(`${registry.url}${path}`, {
    method,
    headers: { accept: MANIFEST_ACCEPT, ...(authorization ? { authorization } : {}) },
  });
}

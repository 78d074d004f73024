/**
 * A fake of Google's OAuth 2.0 token endpoint and the Artifact Registry API in front of a real
 * `docker-registry`:
 * - `POST /token` with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…`
 *   ("Using OAuth 2.0 for Server to Server Applications",
 *   https://developers.google.com/identity/protocols/oauth2/service-account, and RFC 7523):
 *   the RS256 assertion is verified against the service account's public key, `aud` must be the
 *   token URI and `exp` in the future; answers `{access_token, expires_in, token_type}` or 400
 *   `{error: "invalid_grant", error_description}`;
 * - `GET /v1/projects/{project}/locations/{location}/repositories/{repository}/dockerImages`
 *   (Artifact Registry REST, `projects.locations.repositories.dockerImages.list`,
 *   https://cloud.google.com/artifact-registry/docs/reference/rest/v1/projects.locations.repositories.dockerImages/list)
 *   with `pageSize`/`pageToken`/`orderBy`, answering `{dockerImages:[{name, uri, tags,
 *   imageSizeBytes, uploadTime, mediaType, buildTime, updateTime}], nextPageToken}`; errors in the
 *   Google API shape `{error:{code, message, status}}` (401 UNAUTHENTICATED, 403 PERMISSION_DENIED);
 * - the registry (`{location}-docker.pkg.dev` / gcr.io) on the same origin with token auth at
 *   `/v2/token`, where `oauth2accesstoken` + an access token get pull tokens.
 */
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import type { RunningRegistry } from '../registry.js';
import {
  bearerToken,
  FakeTokens,
  parseBasic,
  startFakeServer,
  type FakeReply,
  type FakeServer,
} from './fake-http.js';
import {
  bearerAuthorizer,
  forwardToRegistry,
  registryTokenReply,
  type RegistryGrant,
} from './registry-gateway.js';
import { readRegistryContents } from './registry-contents.js';

export interface GoogleServiceAccount {
  readonly email: string;
  /** IAM permissions, e.g. `artifactregistry.dockerimages.list`, `artifactregistry.repositories.downloadArtifacts`. */
  readonly permissions: readonly string[];
}

export const ARTIFACT_REGISTRY_READER = [
  'artifactregistry.dockerimages.list',
  'artifactregistry.dockerimages.get',
  'artifactregistry.repositories.downloadArtifacts',
];

export interface GoogleFakeOptions {
  /** A registry started with `auth: 'basic'`; repositories are named `project/repository/image`. */
  readonly registry: RunningRegistry;
  readonly location: string;
  readonly serviceAccounts: readonly GoogleServiceAccount[];
  readonly maxPageSize?: number;
  readonly tokenTtlSeconds?: number;
}

export interface GoogleFake extends FakeServer {
  /** A service-account JSON key as the Cloud console downloads it, with `token_uri` on this fake. */
  serviceAccountKey(email: string, project: string): string;
  expireTokens(): void;
  tokenExchanges(): number;
}

interface Access {
  readonly account: GoogleServiceAccount;
}

const TIME = '2024-01-01T00:00:00Z';

export async function startGoogleFake(options: GoogleFakeOptions): Promise<GoogleFake> {
  const keys = new Map<string, { privatePem: string; publicKey: KeyObject; id: string }>();
  for (const [i, account] of options.serviceAccounts.entries()) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys.set(account.email, {
      privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKey,
      id: `key${i}`,
    });
  }
  const accessTokens = new FakeTokens<Access>();
  const registryTokens = new FakeTokens<RegistryGrant>();
  const ttl = options.tokenTtlSeconds ?? 3600;
  const maxPage = Math.min(1000, options.maxPageSize ?? 1000);
  let exchanges = 0;
  const googleError = (code: number, status: string, message: string): FakeReply => ({
    status: code,
    json: { error: { code, message, status } },
  });
  const grantError = (description: string): FakeReply => ({
    status: 400,
    json: { error: 'invalid_grant', error_description: description },
  });

  const server = await startFakeServer(async (request, response) => {
    const { pathname } = request;
    if (pathname === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(request.body.toString('utf8'));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return { status: 400, json: { error: 'unsupported_grant_type' } };
      const [h = '', c = '', s = ''] = (form.get('assertion') ?? '').split('.');
      let header: { alg?: unknown; kid?: unknown };
      let claims: { iss?: unknown; aud?: unknown; exp?: unknown; iat?: unknown; scope?: unknown };
      try {
        header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
        claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as typeof claims;
      } catch {
        return grantError('Invalid JWT.');
      }
      const account = options.serviceAccounts.find((a) => a.email === claims.iss);
      const key = account && keys.get(account.email);
      if (!account || !key) return grantError('Invalid grant: account not found');
      if (
        header.alg !== 'RS256' ||
        !verify('RSA-SHA256', Buffer.from(`${h}.${c}`), key.publicKey, Buffer.from(s, 'base64url'))
      )
        return grantError('Invalid JWT Signature.');
      const now = Math.floor(Date.now() / 1000);
      if (claims.aud !== `${request.origin}/token`)
        return grantError(
          'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
        );
      if (
        typeof claims.exp !== 'number' ||
        claims.exp <= now ||
        typeof claims.iat !== 'number' ||
        claims.iat > now + 60 ||
        claims.exp - claims.iat > 3600
      )
        return grantError(
          'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
        );
      if (typeof claims.scope !== 'string' || !/cloud-platform/.test(claims.scope))
        return { status: 400, json: { error: 'invalid_scope' } };
      exchanges++;
      return {
        status: 200,
        json: { access_token: accessTokens.issue({ account }, ttl), expires_in: ttl, token_type: 'Bearer' },
      };
    }
    if (pathname === '/v2/token') {
      const basic = parseBasic(request.headers.authorization);
      const access =
        basic?.username === 'oauth2accesstoken' ? accessTokens.verify(basic.password) : undefined;
      if (!access)
        return { status: 401, json: { errors: [{ code: 'UNAUTHORIZED', message: 'Not Authorized.' }] } };
      const canPull = access.account.permissions.includes('artifactregistry.repositories.downloadArtifacts');
      return registryTokenReply(
        registryTokens,
        { repositories: canPull ? 'all' : [], catalog: canPull },
        300,
      );
    }
    if (pathname.startsWith('/v2/')) {
      return forwardToRegistry(request, response, {
        upstream: options.registry,
        challenge: (access) =>
          `Bearer realm="${request.origin}/v2/token",service="${request.headers.host ?? ''}"${access.repository ? `,scope="repository:${access.repository}:pull"` : ''}`,
        authorize: bearerAuthorizer(registryTokens),
      });
    }
    const list = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/repositories\/([^/]+)\/dockerImages$/.exec(
      pathname,
    );
    if (!list) return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
    const access = accessTokens.verify(bearerToken(request.headers.authorization));
    if (!access)
      return googleError(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    const [, project = '', location = '', repo = ''] = list;
    const resource = `projects/${project}/locations/${location}/repositories/${repo}`;
    if (!access.account.permissions.includes('artifactregistry.dockerimages.list'))
      return googleError(
        403,
        'PERMISSION_DENIED',
        `Permission 'artifactregistry.dockerimages.list' denied on resource '${resource}' (or it may not exist).`,
      );
    const contents = (await readRegistryContents(options.registry)).filter((r) =>
      r.name.startsWith(`${project}/${repo}/`),
    );
    if (location !== options.location || contents.length === 0)
      return googleError(404, 'NOT_FOUND', `Repository "${resource}" not found`);
    const host = `${location}-docker.pkg.dev`;
    const images = contents.flatMap((r) => {
      const byDigest = new Map<string, { tags: string[]; size: number; mediaType: string }>();
      for (const t of r.tags) {
        const entry = byDigest.get(t.digest) ?? { tags: [], size: t.size, mediaType: t.mediaType };
        entry.tags.push(t.name);
        byDigest.set(t.digest, entry);
      }
      const image = r.name.slice(project.length + repo.length + 2);
      return [...byDigest.entries()].map(([digest, e]) => ({
        name: `${resource}/dockerImages/${encodeURIComponent(image)}@${digest}`,
        uri: `${host}/${project}/${repo}/${image}@${digest}`,
        tags: e.tags,
        imageSizeBytes: String(e.size),
        uploadTime: TIME,
        mediaType: e.mediaType,
        buildTime: TIME,
        updateTime: TIME,
      }));
    });
    images.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
    const size = Math.max(1, Math.min(Number(request.query.get('pageSize') ?? 100) || 100, maxPage));
    const offset =
      Number(Buffer.from(request.query.get('pageToken') ?? '', 'base64url').toString('utf8')) || 0;
    const more = offset + size < images.length;
    return {
      status: 200,
      json: {
        dockerImages: images.slice(offset, offset + size),
        ...(more ? { nextPageToken: Buffer.from(String(offset + size)).toString('base64url') } : {}),
      },
    };
  });
  return {
    ...server,
    serviceAccountKey: (email, project) => {
      const key = keys.get(email);
      if (!key) throw new Error(`no service account ${email}`);
      return JSON.stringify({
        type: 'service_account',
        project_id: project,
        private_key_id: key.id,
        private_key: key.privatePem,
        client_email: email,
        client_id: '100000000000000000001',
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: `${server.url}/token`,
      });
    },
    expireTokens: () => {
      accessTokens.expireAll();
      registryTokens.expireAll();
    },
    tokenExchanges: () => exchanges,
  };
}

import { isOciError, remoteImageSource } from '@berth/oci';
import { checkCredentialShape, endpointValue, listValue, textValue } from './config-values.js';
import { ConnectorError, fromOciError } from './connector-error.js';
import type {
  Connector,
  ConnectorConfig,
  ListPage,
  PlatformDefinition,
  RepositoryInfo,
} from './connector.js';
import { parseServiceAccountKey, signJwtAssertion } from './google-service-account.js';
import { decodeCursor, encodeCursor, isRecord } from './page-cursor.js';
import { createRegistryAccess, listCatalog, listRegistryTags } from './registry-access.js';
import { tokenAuthenticator, TokenSource } from './token-source.js';
import { VendorHttp } from './vendor-http.js';

const NAME = 'Google Cloud';
const ARTIFACT_REGISTRY_API = 'https://artifactregistry.googleapis.com';
/** Read-only is enough: listing images and pulling. */
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform.read-only';
/** dockerImages.list: pageSize up to 1000; 100 keeps pages small. */
const PAGE_SIZE = 100;
const GCR_HOST = /^([a-z]+\.)?gcr\.io$/;

interface GoogleCursor {
  readonly r: number;
  readonly t?: string;
  /** The last image name of the previous page: images continue across pages. */
  readonly l?: string;
}
const isGoogleCursor = (v: unknown): v is GoogleCursor =>
  isRecord(v) &&
  Number.isInteger(v.r) &&
  (v.t === undefined || typeof v.t === 'string') &&
  (v.l === undefined || typeof v.l === 'string');

function registryHostOf(config: ConnectorConfig): string {
  const host = textValue(config, 'registryHost');
  if (host) return host;
  const location = textValue(config, 'location');
  if (!location)
    throw new ConnectorError(
      'invalid_configuration',
      'config.location is required for Artifact Registry (e.g. europe-west1), or set config.registryHost to gcr.io',
    );
  return `${location}-docker.pkg.dev`;
}

/**
 * Google Artifact Registry (`{location}-docker.pkg.dev`) and Container Registry hosts (`gcr.io`,
 * served by Artifact Registry): a service-account JSON key is exchanged for an access token
 * with a self-signed JWT assertion (RFC 7523, node:crypto — no client library, so every
 * request goes through Berth's endpoint policy); images are listed with
 * `projects.locations.repositories.dockerImages.list` because `_catalog` on `*.pkg.dev` can come
 * back empty, and with `_catalog` on gcr.io hosts; pulls use `oauth2accesstoken`.
 */
export const googlePlatform: PlatformDefinition = {
  id: 'google',
  name: 'Google Artifact Registry / GCR',
  hintField: 'serviceAccountKey',
  credentialFields: [
    {
      name: 'serviceAccountKey',
      label: 'Service-account key (JSON)',
      secret: true,
      required: true,
      kind: 'textarea',
    },
  ],
  configFields: [
    { name: 'location', label: 'Location', secret: false, required: false, placeholder: 'europe-west1' },
    {
      name: 'repositories',
      label: 'Artifact Registry repositories',
      secret: false,
      required: false,
      kind: 'list',
      placeholder: 'docker-images, base',
    },
    { name: 'project', label: 'Project ID (default: the key’s project)', secret: false, required: false },
    {
      name: 'registryHost',
      label: 'Registry host (gcr.io, eu.gcr.io… or {location}-docker.pkg.dev)',
      secret: false,
      required: false,
    },
    {
      name: 'endpoint',
      label: 'Artifact Registry API URL',
      secret: false,
      required: false,
      placeholder: ARTIFACT_REGISTRY_API,
    },
    { name: 'registryEndpoint', label: 'Registry URL', secret: false, required: false },
  ],
  instructions: [
    'Berth reads Google Artifact Registry (and gcr.io, which Artifact Registry now serves) with a service account that can only read.',
    '',
    '1. IAM & Admin → **Service accounts → Create service account**, name it `berth-reader`; grant no project role.',
    '2. On each Artifact Registry repository (or on the project) grant it **Artifact Registry Reader** (`roles/artifactregistry.reader`).',
    '3. Open the service account → **Keys → Add key → Create new key → JSON**, and paste the file’s content here. Berth keeps it encrypted and never shows it again.',
    '4. Enter the location (e.g. `europe-west1`) and the repository IDs; for gcr.io set the registry host to `gcr.io` (or `eu.gcr.io`, `us.gcr.io`, `asia.gcr.io`).',
  ].join('\n'),
  check(config, credentials) {
    checkCredentialShape(credentials, [['serviceAccountKey']], NAME);
    if (credentials) parseServiceAccountKey(credentials.serviceAccountKey);
    const host = registryHostOf(config);
    if (!GCR_HOST.test(host) && listValue(config, 'repositories').length === 0)
      throw new ConnectorError(
        'invalid_configuration',
        'config.repositories must name at least one Artifact Registry repository',
      );
    endpointValue(config, 'endpoint', false);
    endpointValue(config, 'registryEndpoint', false);
  },
  create(config, credentials, context): Connector {
    const registryHost = registryHostOf(config);
    const gcr = GCR_HOST.test(registryHost);
    const location = textValue(config, 'location');
    const repositories = listValue(config, 'repositories');
    const api = endpointValue(config, 'endpoint', false, ARTIFACT_REGISTRY_API) as URL;
    const registryUrl = endpointValue(config, 'registryEndpoint', false, `https://${registryHost}`) as URL;
    const now = context.now ?? Date.now;
    const http = new VendorHttp({
      platformName: NAME,
      endpointPolicy: context.endpointPolicy,
      ...(context.retry ? { retry: context.retry } : {}),
      ...(context.userAgent ? { userAgent: context.userAgent } : {}),
    });
    const key = async () => parseServiceAccountKey((await credentials()).serviceAccountKey);
    const project = async (): Promise<string> => {
      const p = textValue(config, 'project') ?? (await key()).projectId;
      if (!p)
        throw new ConnectorError(
          'invalid_configuration',
          'config.project is required (the key names no project)',
        );
      return p;
    };

    // OAuth 2.0 JWT bearer grant at the key's token_uri → {access_token, expires_in}.
    const tokens = new TokenSource<string>(async (signal) => {
      const k = await key();
      const res = await http
        .request({
          method: 'POST',
          url: k.tokenUri,
          form: {
            grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
            assertion: signJwtAssertion(k, SCOPE, now()),
          },
          signal,
          what: 'exchanging the service-account key for an access token',
          accept: [400],
        })
        .catch((error: unknown) => {
          if (
            error instanceof ConnectorError &&
            (error.code === 'invalid_credentials' || error.code === 'insufficient_permissions')
          )
            throw keyRejected(k.clientEmail, error);
          throw error;
        });
      if (res.status === 400)
        throw keyRejected(
          k.clientEmail,
          new ConnectorError(
            'invalid_credentials',
            String(isRecord(res.body) ? (res.body.error_description ?? res.body.error) : ''),
          ),
        );
      const body = res.body as { access_token?: unknown; expires_in?: unknown };
      if (typeof body.access_token !== 'string')
        throw new ConnectorError(
          'vendor_error',
          'Google answered the token exchange without an access token',
        );
      const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
      return { value: body.access_token, expiresAt: now() + expiresIn * 1000 };
    }, now);

    const access = createRegistryAccess({
      endpoint: registryUrl,
      context,
      // The access token is the registry password; one the registry refuses is fetched again once.
      authenticator: tokenAuthenticator(tokens, (token) => ({
        kind: 'basic',
        username: 'oauth2accesstoken',
        password: token,
      })),
    });
    const { client, registry } = access;
    const registryCall = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        if (isOciError(error, 'denied') || isOciError(error, 'unauthorized')) {
          const email = (await key()).clientEmail;
          throw new ConnectorError(
            'insufficient_permissions',
            `${registry} does not let ${email} read this: grant it Artifact Registry Reader (roles/artifactregistry.reader)`,
            { cause: error },
          );
        }
        throw fromOciError(error, NAME);
      }
    };

    const listImagesPage = async (
      repository: string,
      pageToken: string | undefined,
      pageSize: number,
      signal?: AbortSignal,
    ) => {
      const p = await project();
      const url = new URL(
        `v1/projects/${encodeURIComponent(p)}/locations/${encodeURIComponent(location ?? '')}/repositories/${encodeURIComponent(repository)}/dockerImages`,
        api.href.endsWith('/') ? api.href : `${api.href}/`,
      );
      url.searchParams.set('pageSize', String(pageSize));
      url.searchParams.set('orderBy', 'name');
      if (pageToken) url.searchParams.set('pageToken', pageToken);
      const what = `listing the images of ${p}/${repository} in ${location ?? ''}`;
      try {
        const res = await tokens.use(
          (token) =>
            http.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` }, signal, what }),
          signal,
        );
        return res.body as { dockerImages?: unknown; nextPageToken?: unknown };
      } catch (error) {
        if (error instanceof ConnectorError && error.code === 'insufficient_permissions') {
          const email = (await key()).clientEmail;
          throw new ConnectorError(
            'insufficient_permissions',
            `Google does not let ${email} list the images of ${p}/${repository}: grant it Artifact Registry Reader (roles/artifactregistry.reader) on that repository`,
            { cause: error },
          );
        }
        if (error instanceof ConnectorError && error.code === 'not_found')
          throw new ConnectorError(
            'not_found',
            `Google has no Artifact Registry repository "${repository}" in ${p}/${location ?? ''}: check the project, location and repository IDs`,
            {
              cause: error,
            },
          );
        throw error;
      }
    };

    const listArtifactRegistry = async (
      cursor: string | undefined,
      signal?: AbortSignal,
    ): Promise<ListPage<RepositoryInfo>> => {
      const state: GoogleCursor = cursor ? decodeCursor(cursor, isGoogleCursor) : { r: 0 };
      const repository = repositories[state.r];
      if (repository === undefined) return { items: [] };
      const body = await listImagesPage(repository, state.t, PAGE_SIZE, signal);
      const items: RepositoryInfo[] = [];
      let last = state.l;
      for (const image of Array.isArray(body.dockerImages) ? body.dockerImages : []) {
        if (!isRecord(image) || typeof image.uri !== 'string') continue;
        // uri = HOST/PROJECT/REPOSITORY/IMAGE@sha256:…; images arrive ordered by name, one entry per digest.
        const path = image.uri.slice(image.uri.indexOf('/') + 1).split('@')[0] ?? '';
        const uploaded = typeof image.uploadTime === 'string' ? image.uploadTime : undefined;
        const previous = items[items.length - 1];
        if (path === last) {
          if (
            previous?.name === path &&
            uploaded &&
            (!previous.lastPushedAt || uploaded > previous.lastPushedAt)
          )
            items[items.length - 1] = { ...previous, lastPushedAt: uploaded };
          continue;
        }
        items.push({ name: path, ...(uploaded ? { lastPushedAt: uploaded } : {}) });
        last = path;
      }
      const token =
        typeof body.nextPageToken === 'string' && body.nextPageToken ? body.nextPageToken : undefined;
      const next: GoogleCursor | undefined = token
        ? { r: state.r, t: token, ...(last ? { l: last } : {}) }
        : state.r + 1 < repositories.length
          ? { r: state.r + 1 }
          : undefined;
      return { items, ...(next ? { next: encodeCursor(next) } : {}) };
    };

    return {
      platform: 'google',
      registry,
      async validate(signal) {
        const k = await key();
        await tokens.get(signal);
        if (gcr) {
          await registryCall(() =>
            client.listRepositoriesPage(registry, { pageSize: 1, ...(signal ? { signal } : {}) }),
          );
        } else {
          for (const repository of repositories) await listImagesPage(repository, undefined, 1, signal);
          await registryCall(() => client.checkAuth(registry, undefined, signal));
        }
        return {
          ok: true,
          detail: `Google accepted the key of ${k.clientEmail}; ${gcr ? registryHost : repositories.join(', ')} readable`,
        };
      },
      listRepositories: (cursor, signal) =>
        gcr
          ? registryCall(() => listCatalog(client, registry, cursor, signal))
          : listArtifactRegistry(cursor, signal),
      listTags: (repository, cursor, signal) =>
        registryCall(() => listRegistryTags(client, { registry, repository }, cursor, signal)),
      keychain: () => access.keychain,
      imageSource: (repository) => remoteImageSource(client, { registry, repository }),
      rateLimit: () => http.rateLimit() ?? client.rateLimit(registry),
      close: async () => {
        await Promise.all([http.close(), client.close()]);
      },
    };
  },
};

function keyRejected(email: string, cause: unknown): ConnectorError {
  return new ConnectorError(
    'invalid_credentials',
    `Google rejected the service-account key of ${email}: the key may have been deleted or the service account disabled; create a new JSON key`,
    { cause },
  );
}

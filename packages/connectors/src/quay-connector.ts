import {
  basicAuthenticator,
  imageEntries,
  isOciError,
  type RegistryClient,
  remoteImageSource,
} from '@berth/oci';
import { checkCredentialShape, endpointValue, listValue, textValue } from './config-values.js';
import { ConnectorError, fromOciError } from './connector-error.js';
import type {
  Connector,
  ListPage,
  PlatformDefinition,
  PlatformRef,
  RepositoryInfo,
  TagInfo,
} from './connector.js';
import { decodeCursor, encodeCursor, isRecord } from './page-cursor.js';
import { createRegistryAccess, listCatalog, listRegistryTags } from './registry-access.js';
import { VendorHttp } from './vendor-http.js';

const NAME = 'Quay';
const QUAY = 'https://quay.io';
/** Quay API: `limit` is at most 100 per page. */
const PAGE_SIZE = 100;
const ROBOT = /^[a-z0-9][a-z0-9_-]*\+[a-z0-9_]+$/;

interface QuayCursor {
  readonly n: number;
  readonly t?: string;
}
const isQuayCursor = (v: unknown): v is QuayCursor =>
  isRecord(v) && Number.isInteger(v.n) && (v.t === undefined || typeof v.t === 'string');

/**
 * Quay (quay.io and self-hosted): a robot account (`org+name` + token) pulls; an optional OAuth
 * application token reads the Quay API (`/api/v1/repository?namespace=`, `/tag/`), which gives
 * tags with digests and sizes. Without it, `_catalog` with the robot's registry token.
 * API reference: https://docs.redhat.com/en/documentation/red_hat_quay/3/html/red_hat_quay_api_reference/
 */
export const quayPlatform: PlatformDefinition = {
  id: 'quay',
  name: 'Quay',
  hintField: 'password',
  credentialFields: [
    {
      name: 'username',
      label: 'Robot account (org+name)',
      secret: false,
      required: true,
      placeholder: 'acme+berth',
    },
    { name: 'password', label: 'Robot token', secret: true, required: true },
    {
      name: 'oauthToken',
      label: 'OAuth application token with "View all visible repositories" (optional)',
      secret: true,
      required: false,
    },
  ],
  configFields: [
    {
      name: 'namespaces',
      label: 'Organisations or users to list (default: the robot’s organisation)',
      secret: false,
      required: false,
      kind: 'list',
    },
    {
      name: 'endpoint',
      label: 'Quay URL',
      secret: false,
      required: false,
      placeholder: QUAY,
      help: 'For self-hosted Quay.',
    },
    {
      name: 'caCert',
      label: 'CA certificate (PEM) for a private CA',
      secret: false,
      required: false,
      kind: 'textarea',
    },
  ],
  instructions: [
    'Berth pulls from Quay with a **robot account** that has **Read** permission only.',
    '',
    '1. In your organisation → **Robot Accounts → Create Robot Account**, name it `berth`.',
    '2. Grant it **Read** on the repositories Berth should see (a default permission of Read on the organisation covers new repositories too).',
    '3. Open the robot → *Docker Login* and copy the username (`org+berth`) and the token.',
    '4. Optional but recommended: create an **OAuth application** in the organisation → *Generate Token* with only **View all visible repositories** (`repo:read`). With it Berth lists repositories and tags with digests and sizes through the Quay API; without it Berth uses the registry catalog.',
  ].join('\n'),
  check(config, credentials) {
    endpointValue(config, 'endpoint', false);
    listValue(config, 'namespaces');
    checkCredentialShape(
      credentials,
      [
        ['username', 'password'],
        ['username', 'password', 'oauthToken'],
      ],
      NAME,
    );
    if (credentials?.username && !ROBOT.test(credentials.username))
      throw new ConnectorError(
        'invalid_configuration',
        'the Quay robot account looks like org+name (copy it from the robot’s Docker Login tab)',
      );
  },
  create(config, credentials, context): Connector {
    const endpoint = endpointValue(config, 'endpoint', false, QUAY) as URL;
    const caCert = textValue(config, 'caCert');
    const configured = listValue(config, 'namespaces');
    const http = new VendorHttp({
      platformName: NAME,
      endpointPolicy: context.endpointPolicy,
      ...(context.retry ? { retry: context.retry } : {}),
      ...(context.userAgent ? { userAgent: context.userAgent } : {}),
      ...(caCert ? { caCert } : {}),
    });
    const access = createRegistryAccess({
      endpoint,
      context,
      ...(caCert ? { caCert } : {}),
      authenticator: {
        authorization: async () => {
          const c = await credentials();
          return basicAuthenticator(c.username ?? '', c.password ?? '').authorization();
        },
      },
    });
    const { client, registry } = access;
    const namespaces = async (): Promise<string[]> => {
      if (configured.length > 0) return configured;
      const robot = (await credentials()).username ?? '';
      return [robot.split('+')[0] ?? robot];
    };
    const api = async (path: string, what: string, signal?: AbortSignal): Promise<unknown> => {
      const { oauthToken } = await credentials();
      try {
        const res = await http.request({
          method: 'GET',
          url: new URL(path, endpoint),
          headers: { authorization: `Bearer ${oauthToken ?? ''}` },
          signal,
          what,
        });
        return res.body;
      } catch (error) {
        if (error instanceof ConnectorError && error.code === 'invalid_credentials')
          throw new ConnectorError(
            'invalid_credentials',
            'Quay rejected the OAuth token: it may have been revoked; generate a new one in the OAuth application (scope "View all visible repositories") or remove it to use the catalog',
            { cause: error },
          );
        if (error instanceof ConnectorError && error.code === 'insufficient_permissions')
          throw new ConnectorError(
            'insufficient_permissions',
            `Quay's OAuth token may not be used for ${what}: generate it with "View all visible repositories" (repo:read) by a user who can see that namespace`,
            { cause: error },
          );
        throw error;
      }
    };
    const registryCall = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        if (isOciError(error, 'unauthorized'))
          throw new ConnectorError(
            'invalid_credentials',
            'Quay rejected the robot account and token: copy both from the robot account’s Docker Login tab',
            { cause: error },
          );
        if (isOciError(error, 'denied'))
          throw new ConnectorError(
            'insufficient_permissions',
            `Quay's robot account may not read this: give it Read permission (${error.message})`,
            {
              cause: error,
            },
          );
        throw fromOciError(error, NAME);
      }
    };

    const listWithApi = async (
      cursor: string | undefined,
      signal?: AbortSignal,
    ): Promise<ListPage<RepositoryInfo>> => {
      const list = await namespaces();
      const state: QuayCursor = cursor ? decodeCursor(cursor, isQuayCursor) : { n: 0 };
      const namespace = list[state.n];
      if (namespace === undefined) return { items: [] };
      const q = new URLSearchParams({ namespace, last_modified: 'true' });
      if (state.t) q.set('next_page', state.t);
      const body = await api(
        `/api/v1/repository?${q.toString()}`,
        `listing the repositories of ${namespace}`,
        signal,
      );
      const repos =
        isRecord(body) && Array.isArray(body.repositories) ? body.repositories.filter(isRecord) : [];
      const items: RepositoryInfo[] = repos.flatMap((r) =>
        typeof r.name === 'string'
          ? [
              {
                name: `${typeof r.namespace === 'string' ? r.namespace : namespace}/${r.name}`,
                ...(typeof r.description === 'string' && r.description ? { description: r.description } : {}),
                ...(typeof r.last_modified === 'number'
                  ? { lastPushedAt: new Date(r.last_modified * 1000).toISOString() }
                  : {}),
              },
            ]
          : [],
      );
      const token = isRecord(body) && typeof body.next_page === 'string' ? body.next_page : undefined;
      const next: QuayCursor | undefined = token
        ? { n: state.n, t: token }
        : state.n + 1 < list.length
          ? { n: state.n + 1 }
          : undefined;
      return { items, ...(next ? { next: encodeCursor(next) } : {}) };
    };

    const platformsOf = async (
      c: RegistryClient,
      repository: string,
      digest: string,
      signal?: AbortSignal,
    ) => {
      const index = await c.getManifest({ registry, repository }, digest, signal).catch(() => undefined);
      if (index?.manifest.kind !== 'index') return undefined;
      return imageEntries(index.manifest).flatMap((d): PlatformRef[] =>
        d.platform
          ? [
              {
                os: d.platform.os,
                architecture: d.platform.architecture,
                ...(d.platform.variant ? { variant: d.platform.variant } : {}),
                digest: d.digest,
              },
            ]
          : [],
      );
    };

    const tagsWithApi = async (
      repository: string,
      cursor: string | undefined,
      signal?: AbortSignal,
    ): Promise<ListPage<TagInfo>> => {
      const page = cursor
        ? decodeCursor(cursor, (v): v is number => Number.isInteger(v) && (v as number) >= 1)
        : 1;
      const q = new URLSearchParams({ page: String(page), limit: String(PAGE_SIZE), onlyActiveTags: 'true' });
      const body = await api(
        `/api/v1/repository/${repository}/tag/?${q.toString()}`,
        `listing the tags of ${repository}`,
        signal,
      );
      const tags = isRecord(body) && Array.isArray(body.tags) ? body.tags.filter(isRecord) : [];
      const items: TagInfo[] = [];
      for (const t of tags) {
        if (typeof t.name !== 'string') continue;
        const digest = typeof t.manifest_digest === 'string' ? t.manifest_digest : undefined;
        const platforms =
          t.is_manifest_list === true && digest
            ? await platformsOf(client, repository, digest, signal)
            : undefined;
        items.push({
          name: t.name,
          ...(digest ? { digest } : {}),
          ...(typeof t.size === 'number' ? { size: t.size } : {}),
          ...(typeof t.start_ts === 'number' ? { pushedAt: new Date(t.start_ts * 1000).toISOString() } : {}),
          ...(platforms ? { platforms } : {}),
        });
      }
      const more = isRecord(body) && body.has_additional === true;
      return { items, ...(more ? { next: encodeCursor(page + 1) } : {}) };
    };

    return {
      platform: 'quay',
      registry,
      async validate(signal) {
        const { oauthToken } = await credentials();
        await registryCall(() => client.checkAuth(registry, undefined, signal));
        if (oauthToken) {
          for (const namespace of await namespaces())
            await api(
              `/api/v1/repository?namespace=${encodeURIComponent(namespace)}`,
              `listing the repositories of ${namespace}`,
              signal,
            );
          return { ok: true, detail: `Quay accepted the robot account and the OAuth token` };
        }
        await registryCall(() =>
          client.listRepositoriesPage(registry, { pageSize: 1, ...(signal ? { signal } : {}) }),
        );
        return {
          ok: true,
          detail: `Quay accepted the robot account; its repositories are listed from the catalog`,
        };
      },
      async listRepositories(cursor, signal) {
        const { oauthToken } = await credentials();
        if (oauthToken) return listWithApi(cursor, signal);
        return registryCall(() => listCatalog(client, registry, cursor, signal));
      },
      async listTags(repository, cursor, signal) {
        const { oauthToken } = await credentials();
        if (oauthToken) return tagsWithApi(repository, cursor, signal);
        return registryCall(() => listRegistryTags(client, { registry, repository }, cursor, signal));
      },
      keychain: () => access.keychain,
      imageSource: (repository) => remoteImageSource(client, { registry, repository }),
      rateLimit: () => http.rateLimit() ?? client.rateLimit(registry),
      close: async () => {
        await Promise.all([http.close(), client.close()]);
      },
    };
  },
};

import { randomBytes } from 'node:crypto';
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import {
  imageEntries,
  isIndexMediaType,
  isOciError,
  redact,
  type AuthConfig,
  remoteImageSource,
} from '@berth/oci';
import { PolicyHttpHandler } from './aws-http-handler.js';
import { checkCredentialShape, endpointValue, textValue } from './config-values.js';
import { ConnectorError, fromOciError } from './connector-error.js';
import type {
  Connector,
  ConnectorConfig,
  ConnectorCredentials,
  PlatformDefinition,
  PlatformRef,
  TagInfo,
} from './connector.js';
import { createRegistryAccess } from './registry-access.js';
import { tokenAuthenticator, TokenSource } from './token-source.js';

const NAME = 'AWS ECR';
/** DescribeRepositories / DescribeImages accept maxResults 1..1000; 100 keeps pages small. */
const PAGE_SIZE = 100;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** STS: an external ID is 2–1224 characters of `[\w+=,.@:/-]`. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** A fresh external ID for a connector's role trust policy (IAM: "confused deputy" protection). */
export function newExternalId(): string {
  return `berth-${randomBytes(16).toString('hex')}`;
}

export interface EcrPlatformOptions {
  /**
   * Berth's own AWS identity, used to assume the customers' roles. Default: the SDK's default
   * credential chain (environment, shared config, instance role) of the server process.
   */
  readonly sourceCredentials?: STSClientConfig['credentials'];
}

interface EcrSettings {
  readonly region: string;
  readonly roleArn: string | undefined;
  readonly externalId: string | undefined;
  readonly accountId: string;
  readonly endpoint: URL | undefined;
  readonly stsEndpoint: URL | undefined;
  readonly registryEndpoint: URL;
}

function settings(config: ConnectorConfig, credentials: ConnectorCredentials | undefined): EcrSettings {
  const region = textValue(config, 'region', true);
  if (!REGION.test(region))
    throw new ConnectorError(
      'invalid_configuration',
      `config.region "${region}" is not an AWS region such as eu-west-1`,
    );
  const roleArn = textValue(config, 'roleArn');
  const externalId = textValue(config, 'externalId');
  let accountId = textValue(config, 'accountId');
  if (roleArn) {
    const m = ROLE_ARN.exec(roleArn);
    if (!m)
      throw new ConnectorError(
        'invalid_configuration',
        'config.roleArn must look like arn:aws:iam::123456789012:role/berth-read-only',
      );
    if (!externalId)
      throw new ConnectorError(
        'invalid_configuration',
        'config.externalId is required with a role ARN (Berth generates it)',
      );
    accountId ??= m[1];
  } else if (credentials && !credentials.accessKeyId) {
    throw new ConnectorError(
      'invalid_configuration',
      'AWS ECR needs a role ARN (preferred) or an access key pair',
    );
  }
  if (externalId && !EXTERNAL_ID.test(externalId))
    throw new ConnectorError(
      'invalid_configuration',
      'config.externalId may only hold 2–1224 characters of letters, digits and +=,.@:/-',
    );
  if (!accountId || !/^\d{12}$/.test(accountId))
    throw new ConnectorError(
      'invalid_configuration',
      'config.accountId must be the 12-digit AWS account ID of the registry',
    );
  const endpoint = endpointValue(config, 'endpoint', false);
  const stsEndpoint = endpointValue(config, 'stsEndpoint', false);
  const registryEndpoint = endpointValue(
    config,
    'registryEndpoint',
    false,
    `https://${accountId}.dkr.ecr.${region}.amazonaws.com`,
  ) as URL;
  return { region, roleArn, externalId, accountId, endpoint, stsEndpoint, registryEndpoint };
}

/**
 * AWS Elastic Container Registry through the AWS SDK v3: an IAM role assumed with an external
 * ID (preferred) or an access key pair; `DescribeRepositories` and `DescribeImages` with
 * `nextToken` paging; `GetAuthorizationToken` (valid 12 h, refreshed early) for pulls.
 * API reference: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/
 */
export function createEcrPlatform(options: EcrPlatformOptions = {}): PlatformDefinition {
  return {
    id: 'ecr',
    name: 'AWS ECR',
    hintField: 'secretAccessKey',
    suggestConfig: () => ({ externalId: newExternalId() }),
    credentialFields: [
      { name: 'accessKeyId', label: 'Access key ID (only without a role)', secret: false, required: false },
      {
        name: 'secretAccessKey',
        label: 'Secret access key (only without a role)',
        secret: true,
        required: false,
      },
    ],
    configFields: [
      { name: 'region', label: 'Region', secret: false, required: true, placeholder: 'eu-west-1' },
      {
        name: 'roleArn',
        label: 'Read-only IAM role ARN (preferred)',
        secret: false,
        required: false,
        placeholder: 'arn:aws:iam::123456789012:role/berth-read-only',
      },
      {
        name: 'externalId',
        label: 'External ID (generated by Berth; put it in the role trust policy)',
        secret: false,
        required: false,
      },
      {
        name: 'accountId',
        label: 'AWS account ID of the registry (taken from the role ARN when empty)',
        secret: false,
        required: false,
        placeholder: '123456789012',
      },
      {
        name: 'endpoint',
        label: 'ECR API URL (other partitions, VPC endpoints)',
        secret: false,
        required: false,
      },
      { name: 'stsEndpoint', label: 'STS URL', secret: false, required: false },
      { name: 'registryEndpoint', label: 'Registry URL', secret: false, required: false },
    ],
    instructions: [
      'Berth reads Amazon ECR with the AWS managed policy **AmazonEC2ContainerRegistryReadOnly** — it cannot push or delete.',
      '',
      '**Preferred: a read-only role that Berth assumes**',
      '1. In IAM → Roles → *Create role* → *Another AWS account*, enter the account ID of Berth’s AWS identity and tick **Require external ID**; paste the external ID Berth shows for this connector.',
      '2. Attach **AmazonEC2ContainerRegistryReadOnly** (or a policy allowing only `ecr:GetAuthorizationToken`, `ecr:DescribeRepositories`, `ecr:DescribeImages`, `ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`).',
      '3. Enter the role ARN and the region of the registry.',
      '',
      '**Alternative: an access key pair**',
      '1. Create an IAM user with only **AmazonEC2ContainerRegistryReadOnly** and create an access key for it.',
      '2. Enter the access key ID, the secret access key, the region and the account ID.',
    ].join('\n'),
    check(config, credentials) {
      checkCredentialShape(credentials, [[], ['accessKeyId', 'secretAccessKey']], NAME);
      settings(config, credentials ?? {});
    },
    create(config, credentials, context): Connector {
      const s = settings(config, undefined);
      const now = context.now ?? Date.now;
      const handler = new PolicyHttpHandler(context.endpointPolicy);
      const maxAttempts = (context.retry?.maxRetries ?? 3) + 1;
      const ecrClients: ECRClient[] = [];
      let sts: STSClient | undefined;
      const who = s.roleArn ? `role ${s.roleArn}` : 'access key';

      const staticKeys = async (): Promise<{ accessKeyId: string; secretAccessKey: string } | undefined> => {
        const c = await credentials();
        return c.accessKeyId && c.secretAccessKey
          ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
          : undefined;
      };
      const newEcr = (creds: {
        accessKeyId: string;
        secretAccessKey: string;
        sessionToken?: string;
      }): ECRClient => {
        const client = new ECRClient({
          region: s.region,
          credentials: creds,
          requestHandler: handler,
          maxAttempts,
          ...(s.endpoint ? { endpoint: s.endpoint.href } : {}),
        });
        ecrClients.push(client);
        return client;
      };

      // The ECR client of the current session: one per assumed-role session, or one for the keys.
      const sessions = new TokenSource<ECRClient>(async (signal) => {
        const keys = await staticKeys();
        if (!s.roleArn) {
          if (!keys)
            throw new ConnectorError(
              'invalid_configuration',
              'AWS ECR needs a role ARN or an access key pair',
            );
          return { value: newEcr(keys), expiresAt: Number.MAX_SAFE_INTEGER };
        }
        sts ??= new STSClient({
          region: s.region,
          requestHandler: handler,
          maxAttempts,
          ...(s.stsEndpoint ? { endpoint: s.stsEndpoint.href } : {}),
          ...(keys
            ? { credentials: keys }
            : options.sourceCredentials
              ? { credentials: options.sourceCredentials }
              : {}),
        });
        let out;
        try {
          out = await sts.send(
            new AssumeRoleCommand({
              RoleArn: s.roleArn,
              RoleSessionName: 'berth',
              ExternalId: s.externalId,
              DurationSeconds: 3600,
            }),
            signal ? { abortSignal: signal } : {},
          );
        } catch (error) {
          const name = (error as { name?: string }).name ?? '';
          if (name === 'AccessDenied' || name === 'AccessDeniedException')
            throw new ConnectorError(
              'invalid_credentials',
              `AWS refused to let Berth assume ${s.roleArn}: check that the role's trust policy allows Berth's AWS account and requires the external ID "${s.externalId ?? ''}" exactly`,
              { cause: error },
            );
          throw mapAwsError(error, 'assuming the role');
        }
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
          throw new ConnectorError('vendor_error', 'AWS STS answered AssumeRole without credentials');
        return {
          value: newEcr({
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
          }),
          expiresAt: c.Expiration?.getTime() ?? now() + 3600_000,
        };
      }, now);

      const call = <T>(
        action: string,
        work: (ecr: ECRClient) => Promise<T>,
        signal?: AbortSignal,
      ): Promise<T> =>
        sessions.use(async (ecr) => {
          try {
            return await work(ecr);
          } catch (error) {
            throw mapAwsError(error, action, who);
          }
        }, signal);
      const opts = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

      // GetAuthorizationToken: base64 "AWS:<password>", valid 12 hours; refreshed early, and
      // again when the registry answers 401 (the registry client drops it through the keychain).
      const registryPassword = new TokenSource<AuthConfig>(async (signal) => {
        const out = await call(
          'GetAuthorizationToken',
          (ecr) => ecr.send(new GetAuthorizationTokenCommand({}), opts(signal)),
          signal,
        );
        const data = out.authorizationData?.[0];
        const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0)
          throw new ConnectorError(
            'vendor_error',
            'AWS ECR answered GetAuthorizationToken without a usable token',
          );
        return {
          value: { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) },
          expiresAt: data?.expiresAt?.getTime() ?? now() + 3600_000,
        };
      }, now);

      const access = createRegistryAccess({
        endpoint: s.registryEndpoint,
        context,
        // A password the registry refuses (revoked, or expired early) is fetched again once.
        authenticator: tokenAuthenticator(registryPassword, (password) => password),
      });
      const { client, registry } = access;

      const platformsOf = async (
        repository: string,
        digest: string,
        signal?: AbortSignal,
      ): Promise<PlatformRef[] | undefined> => {
        try {
          const index = await client.getManifest({ registry, repository }, digest, signal);
          if (index.manifest.kind !== 'index') return undefined;
          return imageEntries(index.manifest).flatMap((d) =>
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
        } catch {
          return undefined; // listing stays useful without pull rights; profiles will say why.
        }
      };

      return {
        platform: 'ecr',
        registry,
        async validate(signal) {
          await call(
            'DescribeRepositories',
            (ecr) =>
              ecr.send(
                new DescribeRepositoriesCommand({ registryId: s.accountId, maxResults: 1 }),
                opts(signal),
              ),
            signal,
          );
          await registryPassword.get(signal);
          try {
            await client.checkAuth(registry, undefined, signal);
          } catch (error) {
            if (isOciError(error, 'unauthorized')) {
              throw new ConnectorError(
                'invalid_credentials',
                `the ECR registry ${registry} refused the authorization token from GetAuthorizationToken`,
                { cause: error },
              );
            }
            throw fromOciError(error, NAME);
          }
          return {
            ok: true,
            detail: `AWS ECR accepted the ${who}; repositories of account ${s.accountId} in ${s.region} are readable`,
          };
        },
        async listRepositories(cursor, signal) {
          const out = await call(
            'DescribeRepositories',
            (ecr) =>
              ecr.send(
                new DescribeRepositoriesCommand({
                  registryId: s.accountId,
                  maxResults: PAGE_SIZE,
                  ...(cursor ? { nextToken: cursor } : {}),
                }),
                opts(signal),
              ),
            signal,
          );
          return {
            items: (out.repositories ?? []).flatMap((r) =>
              r.repositoryName ? [{ name: r.repositoryName }] : [],
            ),
            ...(out.nextToken ? { next: out.nextToken } : {}),
          };
        },
        async listTags(repository, cursor, signal) {
          const out = await call(
            'DescribeImages',
            (ecr) =>
              ecr.send(
                new DescribeImagesCommand({
                  registryId: s.accountId,
                  repositoryName: repository,
                  maxResults: PAGE_SIZE,
                  filter: { tagStatus: 'TAGGED' },
                  ...(cursor ? { nextToken: cursor } : {}),
                }),
                opts(signal),
              ),
            signal,
          );
          const items: TagInfo[] = [];
          for (const image of out.imageDetails ?? []) {
            const digest = image.imageDigest;
            const mediaType = image.imageManifestMediaType;
            const platforms =
              digest && mediaType && isIndexMediaType(mediaType)
                ? await platformsOf(repository, digest, signal)
                : undefined;
            for (const tag of image.imageTags ?? []) {
              items.push({
                name: tag,
                ...(digest ? { digest } : {}),
                ...(mediaType ? { mediaType } : {}),
                ...(image.imageSizeInBytes !== undefined ? { size: image.imageSizeInBytes } : {}),
                ...(image.imagePushedAt ? { pushedAt: image.imagePushedAt.toISOString() } : {}),
                ...(platforms ? { platforms } : {}),
              });
            }
          }
          return { items, ...(out.nextToken ? { next: out.nextToken } : {}) };
        },
        keychain: () => access.keychain,
        imageSource: (repository) => remoteImageSource(client, { registry, repository }),
        rateLimit: () => client.rateLimit(registry),
        close: async () => {
          for (const c of ecrClients) c.destroy();
          sts?.destroy();
          handler.destroy();
          await client.close();
        },
      };
    },
  };
}

/** The platform with the server's default AWS identity for assuming roles. */
export const ecrPlatform: PlatformDefinition = createEcrPlatform();

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'ExpiredTokenException',
  'ExpiredToken',
]);

/** Turns an AWS SDK failure into a connector error; never includes keys or signatures. */
export function mapAwsError(error: unknown, action: string, who = 'credentials'): unknown {
  if (error instanceof ConnectorError) return error;
  if (isOciError(error)) return fromOciError(error, NAME);
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (isOciError(e.cause)) return fromOciError(e.cause, NAME);
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const message = redact(e.message ?? '');
  if (CREDENTIAL_ERRORS.has(name)) {
    const sentence = name.startsWith('Expired')
      ? `AWS says the session of the ${who} expired`
      : `AWS rejected the ${who}: check the access key ID and secret access key (and that the key is active)`;
    return new ConnectorError('invalid_credentials', sentence, { cause: error });
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || status === 403)
    return new ConnectorError(
      'insufficient_permissions',
      `AWS accepted the ${who} but it may not call ecr:${action}: attach the AWS managed policy AmazonEC2ContainerRegistryReadOnly (or allow ecr:${action})`,
      { cause: error },
    );
  if (name === 'RepositoryNotFoundException' || name === 'RegistryNotFoundException')
    return new ConnectorError('not_found', `AWS ECR: ${message}`, { cause: error });
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || status === 429)
    return new ConnectorError('rate_limited', `AWS ECR is rate limiting Berth (${action})`, {
      cause: error,
      retryable: true,
    });
  const code = e.code ?? '';
  if (
    [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ETIMEDOUT',
      'ECONNRESET',
    ].includes(code) ||
    name === 'TimeoutError'
  )
    return new ConnectorError('endpoint_unreachable', `AWS ECR cannot be reached (${code || name})`, {
      cause: error,
      retryable: true,
    });
  return new ConnectorError(
    'vendor_error',
    `AWS ECR failed while calling ${action}: ${name || 'error'}${message ? ` ${message}` : ''}`,
    {
      cause: error,
      retryable: (status ?? 0) >= 500,
    },
  );
}

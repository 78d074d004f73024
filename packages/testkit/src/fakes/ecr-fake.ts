/**
 * A fake of the Amazon ECR API in front of a real `docker-registry`, following the Amazon ECR
 * API Reference (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/Welcome.html):
 * AWS JSON 1.1 protocol (`POST /`, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Action>`),
 * every request SigV4-signed for service `ecr` and verified with the SDK's own signer.
 * - `DescribeRepositories` / `DescribeImages` page with `maxResults` (1..1000) and `nextToken`;
 *   images carry `imageDigest`, `imageTags`, `imageSizeInBytes`, `imagePushedAt`,
 *   `imageManifestMediaType`;
 * - `GetAuthorizationToken` answers base64 `AWS:<password>` valid 12 hours, with `proxyEndpoint`;
 * - errors are `{__type, message}` with status 400: `UnrecognizedClientException` (unknown key),
 *   `InvalidSignatureException`, `ExpiredTokenException` (an expired STS session),
 *   `AccessDeniedException` (an IAM policy without the action), `RepositoryNotFoundException`;
 * - the registry on the same origin takes Basic `AWS:<password>` (as `docker login` does with
 *   the token) and needs `ecr:BatchGetImage` to pull.
 * Sessions come from {@link startStsFake}; access keys of IAM users are given directly.
 */
import type { RunningRegistry } from '../registry.js';
import {
  FakeTokens,
  jsonBody,
  parseBasic,
  startFakeServer,
  type FakeReply,
  type FakeServer,
} from './fake-http.js';
import { forwardToRegistry } from './registry-gateway.js';
import { readRegistryContents } from './registry-contents.js';
import { verifySigV4, type AwsSecret } from './aws-sigv4.js';
import type { StsFake } from './sts-fake.js';

export interface EcrFakeUser extends AwsSecret {
  readonly permissions: readonly string[];
}

export interface EcrFakeOptions {
  /** A registry started with `auth: 'basic'`. */
  readonly registry: RunningRegistry;
  readonly accountId: string;
  readonly region: string;
  readonly users?: readonly EcrFakeUser[];
  readonly sts?: StsFake;
  /** Largest page handed out (ECR: 1000). */
  readonly maxPageSize?: number;
  readonly authorizationTokenSeconds?: number;
}

export interface EcrFake extends FakeServer {
  /** Makes every registry password from GetAuthorizationToken invalid. */
  expireAuthorizationTokens(): void;
  /** Calls per ECR action. */
  calls(action: string): number;
}

export const ECR_READ_ONLY = [
  'ecr:GetAuthorizationToken',
  'ecr:DescribeRepositories',
  'ecr:DescribeImages',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchCheckLayerAvailability',
];

const TARGET = 'AmazonEC2ContainerRegistry_V20150921.';

export async function startEcrFake(options: EcrFakeOptions): Promise<EcrFake> {
  const passwords = new FakeTokens<readonly string[]>();
  const counts = new Map<string, number>();
  const maxPage = Math.min(1000, options.maxPageSize ?? 1000);
  const arnBase = `arn:aws:ecr:${options.region}:${options.accountId}:repository/`;

  const server = await startFakeServer(async (request, response) => {
    if (request.pathname.startsWith('/v2/')) {
      return forwardToRegistry(request, response, {
        upstream: options.registry,
        challenge: () => `Basic realm="${request.origin}/",service="ecr.amazonaws.com"`,
        authorize: (req, access) => {
          const basic = parseBasic(req.headers.authorization);
          const permissions = basic?.username === 'AWS' ? passwords.verify(basic.password) : undefined;
          if (!permissions) return 'unauthorized';
          if (access.catalog) return 'denied';
          if (access.repository && !permissions.includes('ecr:BatchGetImage')) return 'denied';
          return 'ok';
        },
      });
    }
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || typeof target !== 'string' || !target.startsWith(TARGET))
      return ecrError('UnknownOperationException', 'unknown operation', 404);
    const action = target.slice(TARGET.length);
    counts.set(action, (counts.get(action) ?? 0) + 1);

    let expired = false;
    const auth = await verifySigV4(request, 'ecr', (id) => {
      const user = options.users?.find((u) => u.accessKeyId === id);
      if (user) return user;
      const session = options.sts?.session(id);
      if (!session) return undefined;
      if (session.expiresAt <= Date.now()) expired = true;
      return session;
    });
    if (!auth.ok) {
      if (auth.code === 'bad_signature')
        return ecrError(
          'InvalidSignatureException',
          'The request signature we calculated does not match the signature you provided.',
        );
      return ecrError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    const session = options.sts?.session(auth.accessKeyId);
    if (session && (expired || request.headers['x-amz-security-token'] !== session.sessionToken))
      return ecrError('ExpiredTokenException', 'The security token included in the request is expired');
    const permissions =
      session?.permissions ??
      options.users?.find((u) => u.accessKeyId === auth.accessKeyId)?.permissions ??
      [];
    const principal = session
      ? session.roleArn
      : `arn:aws:iam::${options.accountId}:user/${auth.accessKeyId}`;
    if (!permissions.includes(`ecr:${action}`))
      return ecrError(
        'AccessDeniedException',
        `User: ${principal} is not authorized to perform: ecr:${action} on resource: ${arnBase}* because no identity-based policy allows the ecr:${action} action`,
      );

    const body = jsonBody(request);
    if (body.registryId !== undefined && body.registryId !== options.accountId)
      return ecrError(
        'RepositoryNotFoundException',
        `The registry with id '${JSON.stringify(body.registryId)}' does not exist`,
      );
    const maxResults = body.maxResults === undefined ? 100 : Number(body.maxResults);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000)
      return ecrError('InvalidParameterException', 'maxResults must be between 1 and 1000');
    const size = Math.min(maxResults, maxPage);
    const offset =
      typeof body.nextToken === 'string'
        ? Number(Buffer.from(body.nextToken, 'base64').toString('utf8')) || 0
        : 0;
    const nextToken = (total: number): Record<string, string> =>
      offset + size < total ? { nextToken: Buffer.from(String(offset + size)).toString('base64') } : {};

    switch (action) {
      case 'GetAuthorizationToken': {
        const seconds = options.authorizationTokenSeconds ?? 12 * 3600;
        const password = passwords.issue(permissions, seconds);
        return ok({
          authorizationData: [
            {
              authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
              expiresAt: Math.floor(Date.now() / 1000) + seconds,
              proxyEndpoint: `https://${options.accountId}.dkr.ecr.${options.region}.amazonaws.com`,
            },
          ],
        });
      }
      case 'DescribeRepositories': {
        const all = await readRegistryContents(options.registry);
        return ok({
          repositories: all.slice(offset, offset + size).map((r) => ({
            repositoryArn: `${arnBase}${r.name}`,
            registryId: options.accountId,
            repositoryName: r.name,
            repositoryUri: `${options.accountId}.dkr.ecr.${options.region}.amazonaws.com/${r.name}`,
            createdAt: PUSHED_AT,
            imageTagMutability: 'MUTABLE',
            imageScanningConfiguration: { scanOnPush: false },
            encryptionConfiguration: { encryptionType: 'AES256' },
          })),
          ...nextToken(all.length),
        });
      }
      case 'DescribeImages': {
        const name = typeof body.repositoryName === 'string' ? body.repositoryName : '';
        const repository = (await readRegistryContents(options.registry)).find((r) => r.name === name);
        if (!repository)
          return ecrError(
            'RepositoryNotFoundException',
            `The repository with name '${name}' does not exist in the registry with id '${options.accountId}'`,
          );
        // One image per digest, with every tag that points at it.
        const byDigest = new Map<string, { tags: string[]; mediaType: string; size: number }>();
        for (const t of repository.tags) {
          const entry = byDigest.get(t.digest) ?? { tags: [], mediaType: t.mediaType, size: t.size };
          entry.tags.push(t.name);
          byDigest.set(t.digest, entry);
        }
        const images = [...byDigest.entries()];
        return ok({
          imageDetails: images.slice(offset, offset + size).map(([digest, i]) => ({
            registryId: options.accountId,
            repositoryName: name,
            imageDigest: digest,
            imageTags: i.tags,
            imageSizeInBytes: i.size,
            imagePushedAt: PUSHED_AT,
            imageManifestMediaType: i.mediaType,
          })),
          ...nextToken(images.length),
        });
      }
      default:
        return ecrError('UnknownOperationException', `${action} is not faked`);
    }
  });
  return {
    ...server,
    expireAuthorizationTokens: () => passwords.expireAll(),
    calls: (action) => counts.get(action) ?? 0,
  };
}

/** 2024-01-01T00:00:00Z; the JSON protocols send timestamps as epoch seconds. */
const PUSHED_AT = 1_704_067_200;

function ok(json: unknown): FakeReply {
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, json };
}

function ecrError(type: string, message: string, status = 400): FakeReply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
    json: { __type: type, message },
  };
}

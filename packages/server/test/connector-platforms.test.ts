/**
 * Every platform through the HTTP API, against its vendor fake in front of one real registry:
 * created with the credentials its `GET /platforms` form asks for, validated (wrong credentials
 * and a token missing a permission give a platform-specific sentence), listed by a sync (more
 * items than one vendor page), rotated through `PATCH`, and deleted. Then, per platform, a 429
 * with `Retry-After` and a token expiring mid-listing during a sync, an unreachable endpoint,
 * and the `strict` endpoint policy refusing each one before any packet is sent.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACT_REGISTRY_READER,
  buildVendorImages,
  ECR_READ_ONLY,
  freePort,
  jsonBody,
  pushImage,
  readRegistryContents,
  startAcrFake,
  startDockerHubFake,
  startEcrFake,
  startGitHubPackagesFake,
  startGoogleFake,
  startQuayFake,
  startRegistry,
  startStsFake,
  type AcrFake,
  type DockerHubFake,
  type EcrFake,
  type FakeRequest,
  type FakeServer,
  type GitHubPackagesFake,
  type GoogleFake,
  type OciLayout,
  type QuayFake,
  type RegistryRepository,
  type RunningRegistry,
  type StsFake,
} from '@berth/testkit';
import { Api, startTestServer, type TestServer } from './harness.js';

type Fields = Record<string, unknown>;
type Credentials = Record<string, string>;

interface PlatformForm {
  id: string;
  credentialFields: { name: string; required: boolean; secret: boolean }[];
  configFields: { name: string; required: boolean }[];
  instructions: string;
  suggestedConfig?: Fields;
}

interface Refusal {
  readonly config?: Fields;
  readonly credentials?: Credentials;
  readonly detail: RegExp;
  /** The refusal shows when the catalog is synced, not when the credentials are checked. */
  readonly atSync?: boolean;
}

/** One way to connect a platform, and how its fake behaves. */
interface PlatformCase {
  readonly label: string;
  readonly platform: string;
  /** What the instructions tell the user to create (checked against the text). */
  readonly instructed: RegExp;
  readonly fake: () => FakeServer;
  readonly config: () => Fields;
  readonly credentials: () => Credentials;
  /** A second valid secret (the vendor's "rotate" or "add another password"). */
  readonly rotated: () => Credentials;
  readonly wrong: () => Refusal & { readonly secret?: string };
  readonly narrow?: () => Refusal & { readonly code: string };
  readonly repositories: () => string[];
  /** A repository whose tags are compared with the registry. */
  readonly tagsOf: string;
  /** Listing requests the fake served so far: a sync must need more than one page. */
  readonly listingPages?: () => number;
  /** A listing request to answer 429 + Retry-After once during a sync. */
  readonly throttle?: RegExp;
  /** Expires the platform's short-lived tokens just before a request in the middle of a listing. */
  readonly expiry?: {
    readonly at: (request: FakeRequest) => boolean;
    readonly expire: () => void;
    /** Token exchanges so far: one more after the sync. */
    readonly exchanges: () => number;
    /** What the user sees that needed the fresh token. */
    readonly shows?: (connectorId: string) => Promise<void>;
  };
  /** The quota limit the vendor API reports on every answer (shown on the connector); none: null. */
  readonly quota?: number;
  /** Endpoints at a port where nothing listens. */
  readonly unreachable: (url: string) => { config: Fields; credentials: Credentials };
}

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/berth-read-only`;
const NARROW_ROLE = `arn:aws:iam::${ACCOUNT}:role/berth-no-describe`;
/** Berth's own AWS identity: the server takes it from the default credential chain (environment). */
const BERTH_AWS = {
  accessKeyId: 'AKIABERTHSERVER00002',
  secretAccessKey: 'berth-server-secret-0000000000000000000',
};
const AWS_KEYS = {
  accessKeyId: 'AKIAREADONLYUSER0002',
  secretAccessKey: 'read-only-user-secret-0000000000000001',
};
const AWS_KEYS_2 = {
  accessKeyId: 'AKIAREADONLYUSER0003',
  secretAccessKey: 'read-only-user-secret-0000000000000002',
};
const AWS_NO_TOKEN = {
  accessKeyId: 'AKIANOAUTHTOKEN00001',
  secretAccessKey: 'no-authorization-token-000000000000000',
};
const READER = 'berth-reader@proj.iam.gserviceaccount.com';
const READER_2 = 'berth-reader-2@proj.iam.gserviceaccount.com';
const PULL_ONLY = 'berth-pull@proj.iam.gserviceaccount.com';
const LIST_ONLY = 'berth-list@proj.iam.gserviceaccount.com';
const HUB_TOKEN = 'dckr_pat_berth-read-only-0001';
const HUB_TOKEN_2 = 'dckr_pat_berth-read-only-0002';
const QUAY_TOKEN = 'QUAYROBOTTOKEN0000000001';
const QUAY_TOKEN_2 = 'QUAYROBOTTOKEN0000000002';
const QUAY_OAUTH = 'quay-oauth-token-repo-read-0001';
const QUAY_OAUTH_2 = 'quay-oauth-token-repo-read-0002';
const GH_TOKEN = 'ghp_berthreadpackages000000000000001';
const GH_TOKEN_2 = 'ghp_berthreadpackages000000000000002';
const ACR_PASSWORD = 'acr-admin-password-000000000001';
const ACR_PASSWORD_2 = 'acr-admin-password-000000000002';
const REPOSITORIES = [
  'acme/api:v1',
  'acme/api:v2',
  'acme/api:v3',
  'acme/web:v1',
  'acme/worker:v1',
  'proj/docker/app0:v1',
  'proj/docker/app1:v1',
  'proj/docker/app2:v1',
];

let layout: OciLayout;
let registry: RunningRegistry;
let truth: RegistryRepository[];
let server: TestServer;
let api: Api;
let forms: PlatformForm[];
let hub: DockerHubFake;
let sts: StsFake;
let ecr: EcrFake;
let google: GoogleFake;
let quay: QuayFake;
let github: GitHubPackagesFake;
let acr: AcrFake;
let externalId: string;
const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

const names = (prefix?: string): string[] =>
  truth.map((r) => r.name).filter((n) => prefix === undefined || n.startsWith(prefix));

function forgedGoogleKey(email: string): string {
  const key = JSON.parse(google.serviceAccountKey(email, 'proj')) as Record<string, unknown>;
  key.private_key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  return JSON.stringify(key);
}

function googleKeyAt(tokenUri: string): string {
  const key = JSON.parse(google.serviceAccountKey(READER, 'proj')) as Record<string, unknown>;
  return JSON.stringify({ ...key, token_uri: tokenUri });
}

const registryCredentials = (): Credentials => ({
  username: registry.credentials?.username ?? '',
  password: registry.credentials?.password ?? '',
});
const ecrAction = (request: FakeRequest, action: string): boolean =>
  request.headers['x-amz-target'] === `AmazonEC2ContainerRegistry_V20150921.${action}`;
const count = (fake: FakeServer, pattern: RegExp): number =>
  fake.requests().filter((r) => pattern.test(`${r.method} ${r.path}`)).length;

const CASES: PlatformCase[] = [
  {
    label: 'Docker Hub',
    quota: 180,
    platform: 'dockerhub',
    instructed: /Repo Read-only/,
    fake: () => hub,
    config: () => ({ organizations: 'acme', endpoint: hub.url, registryEndpoint: hub.url }),
    credentials: () => ({ username: 'berth-user', token: HUB_TOKEN }),
    rotated: () => ({ username: 'berth-user', token: HUB_TOKEN_2 }),
    wrong: () => ({
      credentials: { username: 'berth-user', token: 'dckr_pat_wrong-token-0000' },
      secret: 'dckr_pat_wrong-token-0000',
      detail: /Docker Hub rejected the username "berth-user" with this personal access token/,
    }),
    narrow: () => ({
      credentials: { username: 'outsider', token: 'dckr_pat_outsider-0001' },
      code: 'insufficient_permissions',
      detail:
        /Docker Hub does not let this token list the repositories of "acme": make sure your account is a member/,
    }),
    repositories: () => names('acme/'),
    tagsOf: 'acme/api',
    listingPages: () => count(hub, /\/v2\/namespaces\/acme\/repositories\?page=\d+&page_size=100/),
    throttle: /\/repositories\/api\/tags/,
    expiry: {
      at: (r) => r.pathname === '/v2/namespaces/acme/repositories' && r.query.get('page') === '2',
      expire: () => hub.expireTokens(),
      exchanges: () => hub.tokenExchanges(),
    },
    unreachable: (url) => ({
      config: { organizations: 'acme', endpoint: url, registryEndpoint: url },
      credentials: { username: 'berth-user', token: HUB_TOKEN },
    }),
  },
  {
    label: 'AWS ECR with a role and external ID',
    platform: 'ecr',
    instructed: /Require external ID/,
    fake: () => ecr,
    config: () => ({
      region: 'eu-west-1',
      roleArn: ROLE,
      externalId,
      endpoint: ecr.url,
      stsEndpoint: sts.url,
      registryEndpoint: ecr.url,
    }),
    credentials: () => ({}),
    rotated: () => ({}),
    wrong: () => ({
      config: { externalId: 'berth-not-the-external-id' },
      detail:
        /AWS refused to let Berth assume arn:aws:iam::123456789012:role\/berth-read-only: check that the role's trust policy .* external ID "berth-not-the-external-id"/,
    }),
    narrow: () => ({
      config: { roleArn: NARROW_ROLE },
      code: 'insufficient_permissions',
      detail:
        /may not call ecr:DescribeRepositories: attach the AWS managed policy AmazonEC2ContainerRegistryReadOnly/,
    }),
    repositories: () => names(),
    tagsOf: 'acme/api',
    listingPages: () => ecr.calls('DescribeRepositories'),
    throttle: /^POST \/$/,
    expiry: {
      at: (r) => ecrAction(r, 'DescribeRepositories') && jsonBody(r).nextToken !== undefined,
      expire: () => sts.expireSessions(),
      exchanges: () => sts.assumeRoleCount(),
    },
    unreachable: (url) => ({
      config: {
        region: 'eu-west-1',
        roleArn: ROLE,
        externalId,
        endpoint: url,
        stsEndpoint: url,
        registryEndpoint: url,
      },
      credentials: {},
    }),
  },
  {
    label: 'AWS ECR with an access key pair',
    platform: 'ecr',
    instructed: /access key pair/,
    fake: () => ecr,
    config: () => ({ region: 'eu-west-1', accountId: ACCOUNT, endpoint: ecr.url, registryEndpoint: ecr.url }),
    credentials: () => ({ ...AWS_KEYS }),
    rotated: () => ({ ...AWS_KEYS_2 }),
    wrong: () => ({
      credentials: {
        accessKeyId: AWS_KEYS.accessKeyId,
        secretAccessKey: 'not-the-secret-key-00000000000000000000',
      },
      secret: 'not-the-secret-key-00000000000000000000',
      detail: /AWS rejected the access key: check the access key ID and secret access key/,
    }),
    narrow: () => ({
      credentials: { ...AWS_NO_TOKEN },
      code: 'insufficient_permissions',
      detail: /may not call ecr:GetAuthorizationToken/,
    }),
    repositories: () => names(),
    tagsOf: 'acme/api',
    listingPages: () => ecr.calls('DescribeRepositories'),
    throttle: /^POST \/$/,
    // The registry password dies just as the platforms of an index are read: one 401, a new one.
    expiry: {
      at: (r) => r.pathname.startsWith('/v2/acme/worker/manifests/'),
      expire: () => ecr.expireAuthorizationTokens(),
      exchanges: () => ecr.calls('GetAuthorizationToken'),
      shows: async (id) => {
        const tags = await api.call<{ items: { name: string; platforms: { architecture: string }[] }[] }>(
          'GET',
          `/api/v1/connectors/${id}/tags?repository=acme/worker`,
        );
        const multi = tags.body.items.find((t) => t.name === 'multi');
        expect(multi?.platforms.map((p) => p.architecture)).toEqual(['amd64', 'arm64']);
      },
    },
    unreachable: (url) => ({
      config: { region: 'eu-west-1', accountId: ACCOUNT, endpoint: url, registryEndpoint: url },
      credentials: { ...AWS_KEYS },
    }),
  },
  {
    label: 'Google Artifact Registry (pkg.dev)',
    platform: 'google',
    instructed: /Artifact Registry Reader/,
    fake: () => google,
    config: () => ({
      location: 'europe-west1',
      repositories: 'docker',
      endpoint: google.url,
      registryEndpoint: google.url,
    }),
    credentials: () => ({ serviceAccountKey: google.serviceAccountKey(READER, 'proj') }),
    rotated: () => ({ serviceAccountKey: google.serviceAccountKey(READER_2, 'proj') }),
    wrong: () => ({
      credentials: { serviceAccountKey: forgedGoogleKey(READER) },
      secret: 'PRIVATE KEY',
      detail:
        /Google rejected the service-account key of berth-reader@proj.iam.gserviceaccount.com: .*create a new JSON key/,
    }),
    narrow: () => ({
      credentials: { serviceAccountKey: google.serviceAccountKey(PULL_ONLY, 'proj') },
      code: 'insufficient_permissions',
      detail: /does not let berth-pull@.* list the images of proj\/docker: grant it Artifact Registry Reader/,
    }),
    repositories: () => names('proj/docker/'),
    tagsOf: 'proj/docker/app0',
    listingPages: () => count(google, /\/dockerImages\?pageSize=100/),
    throttle: /\/dockerImages\?/,
    expiry: {
      at: (r) => r.pathname.endsWith('/dockerImages') && r.query.has('pageToken'),
      expire: () => google.expireTokens(),
      exchanges: () => google.tokenExchanges(),
    },
    unreachable: (url) => ({
      config: { location: 'europe-west1', repositories: 'docker', endpoint: url, registryEndpoint: url },
      credentials: { serviceAccountKey: googleKeyAt(`${url}/token`) },
    }),
  },
  {
    label: 'Google Container Registry (gcr.io)',
    platform: 'google',
    instructed: /gcr\.io/,
    fake: () => google,
    config: () => ({ registryHost: 'gcr.io', registryEndpoint: google.url }),
    credentials: () => ({ serviceAccountKey: google.serviceAccountKey(READER, 'proj') }),
    rotated: () => ({ serviceAccountKey: google.serviceAccountKey(READER_2, 'proj') }),
    wrong: () => ({
      credentials: { serviceAccountKey: forgedGoogleKey(READER) },
      secret: 'PRIVATE KEY',
      detail: /Google rejected the service-account key of berth-reader@proj.iam.gserviceaccount.com/,
    }),
    narrow: () => ({
      credentials: { serviceAccountKey: google.serviceAccountKey(LIST_ONLY, 'proj') },
      code: 'insufficient_permissions',
      detail:
        /does not let berth-list@proj.iam.gserviceaccount.com read this: grant it Artifact Registry Reader/,
    }),
    repositories: () => names(),
    tagsOf: 'acme/api',
    throttle: /\/v2\/_catalog/,
    // Both the access token (the registry password) and the registry tokens die mid-listing.
    expiry: {
      at: (r) => r.pathname === '/v2/acme/web/tags/list',
      expire: () => google.expireTokens(),
      exchanges: () => google.tokenExchanges(),
    },
    unreachable: (url) => ({
      config: { registryHost: 'gcr.io', registryEndpoint: url },
      credentials: { serviceAccountKey: googleKeyAt(`${url}/token`) },
    }),
  },
  {
    label: 'Quay with an OAuth token',
    platform: 'quay',
    instructed: /View all visible repositories/,
    fake: () => quay,
    config: () => ({ endpoint: quay.url }),
    credentials: () => ({ username: 'acme+berth', password: QUAY_TOKEN, oauthToken: QUAY_OAUTH }),
    rotated: () => ({ username: 'acme+berth2', password: QUAY_TOKEN_2, oauthToken: QUAY_OAUTH_2 }),
    wrong: () => ({
      credentials: { username: 'acme+berth', password: QUAY_TOKEN, oauthToken: 'revoked-oauth-token-000000' },
      secret: 'revoked-oauth-token-000000',
      detail: /Quay rejected the OAuth token: it may have been revoked/,
    }),
    narrow: () => ({
      credentials: { username: 'acme+berth', password: QUAY_TOKEN, oauthToken: 'quay-oauth-no-repo-read' },
      code: 'insufficient_permissions',
      detail:
        /Quay's OAuth token may not be used for listing the repositories of acme: generate it with "View all visible repositories"/,
    }),
    repositories: () => names('acme/'),
    tagsOf: 'acme/api',
    listingPages: () => count(quay, /\/api\/v1\/repository\?namespace=acme&last_modified=true/),
    throttle: /\/api\/v1\/repository\?/,
    unreachable: (url) => ({
      config: { endpoint: url },
      credentials: { username: 'acme+berth', password: QUAY_TOKEN, oauthToken: QUAY_OAUTH },
    }),
  },
  {
    label: 'Quay with a robot account only',
    platform: 'quay',
    instructed: /Robot Account/,
    fake: () => quay,
    config: () => ({ endpoint: quay.url }),
    credentials: () => ({ username: 'acme+berth', password: QUAY_TOKEN }),
    rotated: () => ({ username: 'acme+berth2', password: QUAY_TOKEN_2 }),
    wrong: () => ({
      credentials: { username: 'acme+berth', password: 'NOTTHEROBOTTOKEN00000000' },
      secret: 'NOTTHEROBOTTOKEN00000000',
      detail:
        /Quay rejected the robot account and token: copy both from the robot account’s Docker Login tab/,
    }),
    narrow: () => ({
      credentials: { username: 'acme+apionly', password: 'APIONLYROBOTTOKEN0000001' },
      code: 'insufficient_permissions',
      detail: /Quay's robot account may not read this: give it Read permission/,
      atSync: true,
    }),
    repositories: () => names(),
    tagsOf: 'acme/api',
    throttle: /\/v2\/_catalog/,
    expiry: {
      at: (r) => r.pathname === '/v2/acme/web/tags/list',
      expire: () => quay.expireTokens(),
      exchanges: () => quay.registryTokenCount(),
    },
    unreachable: (url) => ({
      config: { endpoint: url },
      credentials: { username: 'acme+berth', password: QUAY_TOKEN },
    }),
  },
  {
    label: 'GitHub Container Registry',
    quota: 5000,
    platform: 'ghcr',
    instructed: /only `read:packages`/,
    fake: () => github,
    config: () => ({ organizations: 'acme', endpoint: github.url, registryEndpoint: github.url }),
    credentials: () => ({ username: 'octo', token: GH_TOKEN }),
    rotated: () => ({ username: 'octo', token: GH_TOKEN_2 }),
    wrong: () => ({
      credentials: { username: 'octo', token: 'ghp_revoked0000000000000000000000000' },
      secret: 'ghp_revoked0000000000000000000000000',
      detail: /GitHub rejected the personal access token: it may be expired or revoked/,
    }),
    narrow: () => ({
      credentials: { username: 'octo', token: 'ghp_reposcopeonly00000000000000000000' },
      code: 'insufficient_permissions',
      detail: /GitHub accepted the token but it lacks the read:packages scope \(it has: repo\)/,
    }),
    repositories: () => names('acme/'),
    tagsOf: 'acme/api',
    listingPages: () => count(github, /\/orgs\/acme\/packages\?package_type=container&per_page=100/),
    throttle: /\/orgs\/acme\/packages\?/,
    unreachable: (url) => ({
      config: { organizations: 'acme', endpoint: url, registryEndpoint: url },
      credentials: { username: 'octo', token: GH_TOKEN },
    }),
  },
  {
    label: 'Azure Container Registry',
    platform: 'acr',
    instructed: /AcrPull/,
    fake: () => acr,
    config: () => ({ registryName: 'berthacr', endpoint: acr.url }),
    credentials: () => ({ username: 'berthacr', password: ACR_PASSWORD }),
    rotated: () => ({ username: 'berthacr', password: ACR_PASSWORD_2 }),
    wrong: () => ({
      credentials: { username: 'berthacr', password: 'not-the-acr-password-000001' },
      secret: 'not-the-acr-password-000001',
      detail: /Azure Container Registry rejected the username and password: for the admin user copy/,
    }),
    narrow: () => ({
      credentials: { username: 'berth-scoped-token', password: 'scoped-token-password-0001' },
      code: 'insufficient_permissions',
      detail:
        /does not let these credentials list the catalog \(repository-scoped tokens cannot\): list the repositories under "Repositories"/,
    }),
    repositories: () => names(),
    tagsOf: 'acme/api',
    listingPages: () => count(acr, /\/acr\/v1\/acme\/api\/_tags/),
    throttle: /\/_tags\?/,
    expiry: {
      at: (r) => r.pathname === '/acr/v1/acme/api/_tags' && r.query.has('last'),
      expire: () => acr.expireTokens(),
      exchanges: () => acr.tokenCount(),
    },
    unreachable: (url) => ({
      config: { registryName: 'berthacr', endpoint: url },
      credentials: { username: 'berthacr', password: ACR_PASSWORD },
    }),
  },
  {
    label: 'any OCI registry',
    platform: 'generic',
    instructed: /read-only/,
    fake: () => {
      throw new Error('the generic platform talks to the real registry directly');
    },
    config: () => ({ endpoint: registry.url }),
    credentials: () => registryCredentials(),
    rotated: () => registryCredentials(),
    wrong: () => ({
      credentials: { username: registry.credentials?.username ?? '', password: 'not-the-registry-password' },
      secret: 'not-the-registry-password',
      detail: /rejected the username and password/,
    }),
    repositories: () => names(),
    tagsOf: 'acme/api',
    unreachable: (url) => ({ config: { endpoint: url }, credentials: {} }),
  },
];

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = BERTH_AWS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = BERTH_AWS.secretAccessKey;
  [registry, layout, server] = await Promise.all([
    startRegistry({ auth: 'basic' }),
    buildVendorImages(),
    startTestServer(),
  ]);
  for (const name of REPOSITORIES) await pushImage(layout, 'one', registry, name);
  await pushImage(layout, 'multi', registry, 'acme/worker:multi', { all: true });
  truth = await readRegistryContents(registry);
  api = new Api(server.url);
  await api.signup('platforms@example.com', 'platforms password 1');
  forms = (await api.call<PlatformForm[]>('GET', '/api/v1/platforms')).body;
  // The external ID Berth shows goes into the role's trust policy.
  externalId = String(forms.find((p) => p.id === 'ecr')?.suggestedConfig?.externalId);
  const page = { registry, maxPageSize: 2 };
  sts = await startStsFake({
    callers: [BERTH_AWS],
    roles: [
      { arn: ROLE, externalId, permissions: ECR_READ_ONLY },
      {
        arn: NARROW_ROLE,
        externalId,
        permissions: ECR_READ_ONLY.filter((p) => p !== 'ecr:DescribeRepositories'),
      },
    ],
  });
  [hub, ecr, google, quay, github, acr] = await Promise.all([
    startDockerHubFake({
      ...page,
      users: [
        { username: 'berth-user', secret: HUB_TOKEN, namespaces: ['berth-user', 'acme'] },
        { username: 'berth-user', secret: HUB_TOKEN_2, namespaces: ['berth-user', 'acme'] },
        { username: 'outsider', secret: 'dckr_pat_outsider-0001', namespaces: ['outsider'] },
      ],
    }),
    startEcrFake({
      ...page,
      accountId: ACCOUNT,
      region: 'eu-west-1',
      sts,
      users: [
        { ...AWS_KEYS, permissions: ECR_READ_ONLY },
        { ...AWS_KEYS_2, permissions: ECR_READ_ONLY },
        {
          ...AWS_NO_TOKEN,
          permissions: ECR_READ_ONLY.filter((p) => p !== 'ecr:GetAuthorizationToken'),
        },
      ],
    }),
    startGoogleFake({
      ...page,
      location: 'europe-west1',
      serviceAccounts: [
        { email: READER, permissions: ARTIFACT_REGISTRY_READER },
        { email: READER_2, permissions: ARTIFACT_REGISTRY_READER },
        { email: PULL_ONLY, permissions: ['artifactregistry.repositories.downloadArtifacts'] },
        { email: LIST_ONLY, permissions: ['artifactregistry.dockerimages.list'] },
      ],
    }),
    startQuayFake({
      ...page,
      robots: [
        { username: 'acme+berth', token: QUAY_TOKEN },
        { username: 'acme+berth2', token: QUAY_TOKEN_2 },
        { username: 'acme+apionly', token: 'APIONLYROBOTTOKEN0000001', repositories: ['acme/api'] },
      ],
      oauthTokens: [
        { token: QUAY_OAUTH, scopes: ['repo:read'], namespaces: ['acme'] },
        { token: QUAY_OAUTH_2, scopes: ['repo:read'], namespaces: ['acme'] },
        { token: 'quay-oauth-no-repo-read', scopes: ['user:read'], namespaces: ['acme'] },
      ],
    }),
    startGitHubPackagesFake({
      ...page,
      users: [
        { login: 'octo', token: GH_TOKEN, scopes: ['read:packages'], orgs: ['acme'] },
        { login: 'octo', token: GH_TOKEN_2, scopes: ['read:packages'], orgs: ['acme'] },
        { login: 'octo', token: 'ghp_reposcopeonly00000000000000000000', scopes: ['repo'], orgs: ['acme'] },
      ],
    }),
    startAcrFake({
      ...page,
      users: [
        { username: 'berthacr', password: ACR_PASSWORD, repositories: 'all', catalog: true },
        { username: 'berthacr', password: ACR_PASSWORD_2, repositories: 'all', catalog: true },
        {
          username: 'berth-scoped-token',
          password: 'scoped-token-password-0001',
          repositories: ['acme/api'],
          catalog: false,
        },
      ],
    }),
  ]);
});

afterAll(async () => {
  const fakes = [hub, ecr, sts, google, quay, github, acr];
  await Promise.all([server?.stop(), ...fakes.map((f) => f?.stop()), registry?.stop(), layout?.remove()]);
  for (const [name, value] of [
    ['AWS_ACCESS_KEY_ID', savedEnv.id],
    ['AWS_SECRET_ACCESS_KEY', savedEnv.secret],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** The form a person fills in: only fields the platform declares, every required one given. */
function form(c: PlatformCase, config: Fields, credentials: Credentials) {
  const platform = forms.find((p) => p.id === c.platform);
  if (!platform) throw new Error(`GET /platforms does not offer ${c.platform}`);
  expect(platform.instructions).toMatch(c.instructed);
  const known = (fields: { name: string }[], given: object) =>
    expect(Object.keys(given).filter((k) => !fields.some((f) => f.name === k))).toEqual([]);
  known(platform.configFields, config);
  known(platform.credentialFields, credentials);
  for (const f of platform.configFields.filter((f) => f.required)) expect(config[f.name]).toBeTruthy();
  return { platform: c.platform, config, credentials };
}

let serial = 0;
const nameFor = (c: PlatformCase) => `${c.label} #${++serial}`;

async function create(c: PlatformCase, config = c.config(), credentials = c.credentials()) {
  return api.call<{ id: string; code: string; detail: string; credentialHint: string | null }>(
    'POST',
    '/api/v1/connectors',
    { name: nameFor(c), ...form(c, config, credentials) },
  );
}

async function waitForJob(jobId: string): Promise<{ status: string; error: string | null }> {
  for (;;) {
    const job = await api.call<{ status: string; error: string | null }>('GET', `/api/v1/jobs/${jobId}`);
    if (job.body.status === 'done' || job.body.status === 'failed') return job.body;
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function sync(id: string) {
  const res = await api.call<{ jobId: string }>('POST', `/api/v1/connectors/${id}/sync`);
  expect(res.status).toBe(202);
  return waitForJob(res.body.jobId);
}

async function repositoriesOf(id: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: { name: string }[]; nextCursor: string | null } } = await api.call(
      'GET',
      `/api/v1/connectors/${id}/repositories?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...page.body.items.map((i) => i.name));
    cursor = page.body.nextCursor;
  } while (cursor);
  return out.sort();
}

async function tagsOf(id: string, repository: string): Promise<[string, string | null][]> {
  const res = await api.call<{ items: { name: string; digest: string | null }[] }>(
    'GET',
    `/api/v1/connectors/${id}/tags?repository=${encodeURIComponent(repository)}`,
  );
  expect(res.status).toBe(200);
  return res.body.items.map((t): [string, string | null] => [t.name, t.digest]).sort();
}

const expectedTags = (repository: string): [string, string][] =>
  (truth.find((r) => r.name === repository)?.tags ?? [])
    .map((t): [string, string] => [t.name, t.digest])
    .sort();

async function treeIds(): Promise<string[]> {
  const tree = await api.call<{ connectors: { id: string }[] }[]>('GET', '/api/v1/tree');
  return tree.body.flatMap((p) => p.connectors.map((c) => c.id));
}

describe.each(CASES)('$label through the API', (c) => {
  it('refuses wrong credentials with 422, a platform-specific sentence, and no echo', async () => {
    const wrong = c.wrong();
    const res = await create(c, { ...c.config(), ...wrong.config }, wrong.credentials ?? c.credentials());
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_credentials');
    expect(res.body.detail).toMatch(wrong.detail);
    if (wrong.secret) expect(JSON.stringify(res.body)).not.toContain(wrong.secret);
  });

  it('is created, listed by a sync, rotated and deleted', async () => {
    const pagesBefore = c.listingPages?.() ?? 0;
    const created = await create(c);
    expect(created.status).toBe(201);
    const id = created.body.id;
    await server.runtime.jobs.idle();
    const shown = await api.call<{
      status: string;
      lastError: string | null;
      repositoryCount: number;
      rateLimit: { limit?: number; remaining?: number; observedAt: string } | null;
    }>('GET', `/api/v1/connectors/${id}`);
    expect(shown.body).toMatchObject({ status: 'ok', lastError: null });
    // The quota the vendor reported during the sync, as the connector shows it.
    if (c.quota === undefined) expect(shown.body.rateLimit).toBeNull();
    else {
      expect(shown.body.rateLimit).toMatchObject({ limit: c.quota });
      expect(shown.body.rateLimit?.remaining).toBeLessThan(c.quota);
      expect(Date.parse(shown.body.rateLimit?.observedAt ?? '')).not.toBeNaN();
    }
    expect(shown.body.repositoryCount).toBe(c.repositories().length);
    expect(await treeIds()).toContain(id);
    expect(await repositoriesOf(id)).toEqual(c.repositories());
    expect(await tagsOf(id, c.tagsOf)).toEqual(expectedTags(c.tagsOf));
    // More items than one vendor page: the listing went past the first page.
    if (c.listingPages) expect(c.listingPages() - pagesBefore).toBeGreaterThanOrEqual(2);

    const rotated = c.rotated();
    const bad = await api.call<{ code: string }>('PATCH', `/api/v1/connectors/${id}`, {
      credentials: c.wrong().credentials ?? rotated,
      ...(c.wrong().config ? { config: { ...c.config(), ...c.wrong().config } } : {}),
    });
    expect(bad.status).toBe(422);
    const patched = await api.call<{ credentialHint: string | null }>('PATCH', `/api/v1/connectors/${id}`, {
      credentials: rotated,
    });
    expect(patched.status).toBe(200);
    const hint = patched.body.credentialHint;
    if (hint) expect(Object.values(rotated).map((v) => `…${v.slice(-4)}`)).toContain(hint);
    expect((await api.call('POST', `/api/v1/connectors/${id}/test`)).body).toMatchObject({ ok: true });
    expect(await sync(id)).toMatchObject({ status: 'done' });
    expect(await repositoriesOf(id)).toEqual(c.repositories());

    expect((await api.call('DELETE', `/api/v1/connectors/${id}`)).status).toBe(204);
    expect(await treeIds()).not.toContain(id);
    expect((await api.call('GET', `/api/v1/connectors/${id}/repositories`)).status).toBe(404);
  });
});

describe.each(CASES.filter((c) => c.narrow))('$label with a credential lacking a permission', (c) => {
  it('names the permission a read-only credential lacks', async () => {
    const narrow = (c.narrow as NonNullable<PlatformCase['narrow']>)();
    const res = await create(c, { ...c.config(), ...narrow.config }, narrow.credentials ?? c.credentials());
    if (!narrow.atSync) {
      expect(res.status).toBe(422);
      expect(res.body.code).toBe(narrow.code);
      expect(res.body.detail).toMatch(narrow.detail);
      return;
    }
    expect(res.status).toBe(201);
    await server.runtime.jobs.idle();
    const after = await api.call<{ status: string; lastError: string }>(
      'GET',
      `/api/v1/connectors/${res.body.id}`,
    );
    expect(after.body.status).toBe('error');
    expect(after.body.lastError).toMatch(narrow.detail);
    expect((await api.call('DELETE', `/api/v1/connectors/${res.body.id}`)).status).toBe(204);
  });
});

// The generic platform talks to the real registry itself: nothing to script there (the registry
// client's own tests cover 429 and token expiry against scripted servers).
describe.each(CASES.filter((c) => c.throttle || c.expiry))('$label when the vendor pushes back', (c) => {
  it('syncs through a 429 with Retry-After and a token expiring mid-listing', async () => {
    const created = await create(c);
    expect(created.status).toBe(201);
    const id = created.body.id;
    await server.runtime.jobs.idle();
    const fake = c.fake();
    const exchangesBefore = c.expiry?.exchanges() ?? 0;
    if (c.throttle) {
      fake.clearRequests();
      fake.failNext({
        status: 429,
        retryAfterSeconds: 1,
        match: c.throttle,
        json: { __type: 'ThrottlingException', message: 'Rate exceeded' },
        headers: { 'x-amzn-errortype': 'ThrottlingException' },
      });
      expect(await sync(id)).toMatchObject({ status: 'done' });
      const seen = fake.requests().filter((r) => c.throttle?.test(`${r.method} ${r.path}`));
      const throttled = seen.findIndex((r) => r.status === 429);
      expect(throttled).toBeGreaterThanOrEqual(0);
      const retry = seen.slice(throttled + 1).find((r) => r.path === seen[throttled]?.path);
      expect(retry?.status).toBe(200);
      // Honoured, not hammered: the retry came after the second the fake asked for.
      expect((retry?.at ?? 0) - (seen[throttled]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    } else {
      expect(await sync(id)).toMatchObject({ status: 'done' });
    }
    if (c.expiry) {
      const { at, expire, exchanges } = c.expiry;
      // A sync fetches its tokens; one that survives an expiry fetches at least one more.
      const usual = exchanges() - exchangesBefore;
      const before = exchanges();
      let fired = false;
      fake.beforeNext({
        match: at,
        run: () => {
          fired = true;
          expire();
        },
      });
      expect(await sync(id)).toMatchObject({ status: 'done' });
      expect(fired).toBe(true);
      expect(exchanges() - before).toBeGreaterThan(usual);
      expect(await repositoriesOf(id)).toEqual(c.repositories());
      expect(await tagsOf(id, c.tagsOf)).toEqual(expectedTags(c.tagsOf));
      await c.expiry.shows?.(id);
    }
    expect((await api.call('DELETE', `/api/v1/connectors/${id}`)).status).toBe(204);
  });
});

describe('every platform', () => {
  it('says clearly when its endpoint cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const results = await Promise.all(
      CASES.map(async (c) => {
        const { config, credentials } = c.unreachable(url);
        const res = await create(c, config, credentials);
        return { label: c.label, status: res.status, code: res.body.code, detail: res.body.detail };
      }),
    );
    for (const r of results) {
      expect(r, r.label).toMatchObject({ status: 422, code: 'endpoint_unreachable' });
      expect(r.detail, r.label).toMatch(/cannot be reached/);
    }
  });

  it('is refused under the strict endpoint policy before any packet is sent', async () => {
    const strict = await startTestServer({ BERTH_ENDPOINT_POLICY: 'strict' });
    const fakes = [hub, ecr, sts, google, quay, github, acr];
    try {
      const owner = new Api(strict.url);
      await owner.signup('strict-platforms@example.com', 'strict password 1');
      for (const f of fakes) f.clearRequests();
      for (const c of CASES) {
        const res = await owner.call<{ code: string }>('POST', '/api/v1/connectors', {
          name: c.label,
          ...form(c, c.config(), c.credentials()),
        });
        expect(res.status, c.label).toBe(422);
        expect(res.body.code, c.label).toBe('endpoint_blocked');
      }
      expect(fakes.flatMap((f) => f.requests())).toEqual([]);
    } finally {
      await strict.stop();
    }
  });
});

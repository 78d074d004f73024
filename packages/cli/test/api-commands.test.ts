// The `berth` commands that talk to a server, as people and pipelines run them: the real binary
// against a real `berth serve` (temp data dir) and the real registry (testkit). Every --json
// output is validated against the response schema the server publishes (/api/openapi.json),
// and no output ever shows the API token or a registry password.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startRegistry,
  type BuiltImage,
  type EntrySpec,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import type { ContainerProfile, ImageDiff } from '@berth/analysis';
import { cycloneDxValidator, spdxValidator } from '../../analysis/test/sbom-schemas.js';
import { berthCommandLine, runBerth, runBerthInTerminal, type BerthRun } from './run-berth.js';

const EMAIL = 'dev@example.com';
const PASSWORD = 'correct horse battery';

const files = (extra: EntrySpec[]): EntrySpec[] => [
  {
    type: 'file',
    path: 'etc/os-release',
    content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
  },
  {
    type: 'file',
    path: 'var/lib/dpkg/status',
    content: 'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4\n',
  },
  ...extra,
];

let layout: OciLayout;
let open: RunningRegistry;
let locked: RunningRegistry;
let v1: BuiltImage;
let server: BerthRun & { kill(): void };
let url: string;
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'berth-cli-api-'));
  dirs.push(d);
  return d;
};
/** The user's home: config dir, Docker config. */
let home: string;
const configFile = (): string => join(home, '.config', 'berth', 'config.json');
const baseEnv = (): Record<string, string> => ({ HOME: home, XDG_CONFIG_HOME: '' });
/** Every output of every run, to check that no secret ever shows. */
const outputs: string[] = [];

async function berth(
  args: readonly string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<BerthRun> {
  const run = await runBerth(
    args,
    { ...baseEnv(), ...options.env },
    {
      timeoutMs: 90_000,
      ...(options.input !== undefined ? { input: options.input } : {}),
    },
  );
  outputs.push(run.stdout, run.stderr);
  return run;
}

// --json output against the server's own response schemas.
let openapi: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
const ajv = new Ajv({ strict: false, allErrors: true });
function expectApiShape(method: string, path: string, status: string, value: unknown): void {
  const response = openapi.paths[path]?.[method]?.responses[status] as
    { content: { 'application/json': { schema: object } } } | undefined;
  expect(response, `${method} ${path} ${status} in the OpenAPI document`).toBeDefined();
  const validate = ajv.compile(response?.content['application/json'].schema ?? {});
  validate(value);
  expect(validate.errors ?? []).toEqual([]);
}

beforeAll(async () => {
  home = tempDir();
  layout = await createLayout();
  v1 = await layout.addImage('v1', {
    layers: [{ entries: files([{ type: 'file', path: 'app/one.txt', content: 'one' }]) }],
  });
  await layout.addImage('v2', {
    layers: [
      { entries: files([{ type: 'file', path: 'app/two.txt', content: 'two' }]) },
      // 60 kB written, then deleted: wasted bytes that `berth ci` catches.
      { entries: [{ type: 'file', path: 'tmp/big.tar', content: 'x'.repeat(60_000) }] },
      { entries: [{ type: 'whiteout', path: 'tmp/big.tar' }] },
    ],
  });
  [open, locked] = await Promise.all([startRegistry({ auth: 'none' }), startRegistry({ auth: 'basic' })]);
  await Promise.all([
    pushImage(layout, 'v1', open, 'team/app:1.0'),
    pushImage(layout, 'v2', open, 'team/app:2.0'),
    pushImage(layout, 'v1', open, 'team/tools:latest'),
    pushImage(layout, 'v1', locked, 'private/app:1.0'),
  ]);
  server = await runBerth(
    ['serve'],
    {
      BERTH_PORT: '0',
      BERTH_DATA_DIR: tempDir(),
      BERTH_LOG_LEVEL: 'silent',
      BERTH_SYNC_INTERVAL: '0',
    },
    { until: /listening on/, timeoutMs: 120_000 },
  );
  url = /listening on (\S+)/.exec(server.stderr)?.[1] ?? '';
  openapi = (await (await fetch(`${url}/api/openapi.json`)).json()) as typeof openapi;
  const signup = await fetch(`${url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  expect(signup.status).toBe(201);
}, 240_000);

afterAll(async () => {
  server?.kill();
  await Promise.all([open?.stop(), locked?.stop(), layout?.remove()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const storedToken = (): string => (JSON.parse(readFileSync(configFile(), 'utf8')) as { token: string }).token;

describe('berth login, whoami', () => {
  it('needs a login first: exit 1 naming berth login', async () => {
    const run = await berth(['whoami']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('berth: not logged in; run berth login (or set BERTH_TOKEN and BERTH_SERVER)\n');
  });

  it('refuses a wrong password with the server’s words, storing nothing', async () => {
    const run = await berth(['login', '--server', url], { input: `${EMAIL}\nnot the password\n` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('berth: the e-mail address or the password is wrong');
    expect(existsSync(configFile())).toBe(false);
  });

  it('says what is missing when stdin ends before the password', async () => {
    const run = await berth(['login', '--server', url], { input: `${EMAIL}\n` });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /no answer: the input ended; give the e-mail and password on a terminal or on stdin/,
    );
  });

  it('logs in with e-mail and password read from stdin; the token is kept 0600 in a 0700 dir', async () => {
    const run = await berth(['login', '--server', url.replace('http://', '')], {
      input: `${EMAIL}\n${PASSWORD}\n`,
    });
    expect(run.stderr).toBe('E-mail: Password: ');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Logged in to ${url} as ${EMAIL} (token kept in ${configFile()})\n`);
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.config', 'berth')).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(configFile(), 'utf8')) as Record<string, string>;
    expect(stored).toMatchObject({ server: url, email: EMAIL });
    expect(stored.token).toMatch(/\S{20,}/);
    expect(stored).not.toHaveProperty('password');
    // The session used to make the token is gone; only the token remains.
    const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${stored.token}` } });
    expect(me.status).toBe(200);
  });

  it('whoami: a line, --json in the API’s shape, -q the id', async () => {
    const run = await berth(['whoami']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${EMAIL} (admin) on ${url}\n`);
    const json = await berth(['whoami', '--json']);
    const parsed = JSON.parse(json.stdout) as { user: { id: string } };
    expectApiShape('get', '/api/v1/me', '200', parsed);
    expect((await berth(['whoami', '-q'])).stdout).toBe(`${parsed.user.id}\n`);
    const empty = await berth(['ls']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe('No connectors yet: add one with berth connectors add\n');
  });

  it('honours XDG_CONFIG_HOME, and takes an existing token with --token', async () => {
    const token = storedToken();
    const xdg = tempDir();
    const run = await berth(['login', '--server', url, '--token', token, '--json'], {
      env: { XDG_CONFIG_HOME: xdg },
    });
    expect(run.code).toBe(0);
    expectApiShape('get', '/api/v1/me', '200', { user: (JSON.parse(run.stdout) as { user: unknown }).user });
    expect(statSync(join(xdg, 'berth', 'config.json')).mode & 0o777).toBe(0o600);
    const bad = await berth(['login', '--server', url, '--token', 'berth_not_a_token'], {
      env: { XDG_CONFIG_HOME: xdg },
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('berth: the API token is unknown or revoked; run berth login\n');
  });

  it('hides the password on a terminal (a pseudo-terminal through script)', async () => {
    const xdg = tempDir();
    const shown = await runBerthInTerminal(['login', '--server', url], { HOME: home, XDG_CONFIG_HOME: xdg }, [
      [/E-mail: $/, `${EMAIL}\r`],
      [/Password: $/, `${PASSWORD}\r`],
    ]);
    outputs.push(shown);
    // The e-mail address is echoed as typed; the password is not.
    expect(shown).toContain(`E-mail: ${EMAIL}`);
    expect(shown).toContain(`Logged in to ${url} as ${EMAIL}`);
    expect(shown).not.toContain(PASSWORD);
  });
});

describe('berth connectors', () => {
  let lockedId: string;

  it('adds a connector interactively: platform, name and the platform’s fields; the secret is not echoed', async () => {
    const answers = [
      'generic', // platform
      'locked', // name
      `http://${locked.host}`, // endpoint
      '', // repositories (optional)
      '', // insecure (optional)
      '', // caCert (optional)
      locked.credentials?.username, // username
      locked.credentials?.password, // password (hidden)
      '', // token (optional)
    ];
    const run = await berth(['connectors', 'add'], { input: `${answers.join('\n')}\n` });
    expect(run.stderr).toContain('Platforms:');
    expect(run.stderr).toContain('generic    OCI registry');
    expect(run.stderr).toContain('Registry URL (e.g. https://registry.example.com): ');
    expect(run.stderr).toContain('Password or access token (optional): ');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Created connector locked \(\S+\) on generic; its first sync has started\n$/);
    lockedId = /\((\S+)\)/.exec(run.stdout)?.[1] ?? '';
  });

  it('adds with flags; --json is the API’s connector, -q the id', async () => {
    const run = await berth([
      'connectors',
      'add',
      '--platform',
      'generic',
      '--name',
      'open',
      '--set',
      `endpoint=http://${open.host}`,
      '--set',
      'repositories=team/app,team/tools',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const connector = JSON.parse(run.stdout) as { name: string; config: Record<string, unknown> };
    expectApiShape('post', '/api/v1/connectors', '201', connector);
    expect(connector).toMatchObject({ name: 'open', config: { repositories: ['team/app', 'team/tools'] } });
  });

  it('adds from a file; wrong credentials fail with the server’s detail and no secret', async () => {
    const file = join(tempDir(), 'c.json');
    writeFileSync(
      file,
      JSON.stringify({
        platform: 'generic',
        config: { endpoint: `http://${locked.host}` },
        credentials: { username: 'reader', password: 'sw0rdfish-wrong' },
      }),
    );
    const run = await berth(['connectors', 'add', '--from-file', file, '--name', 'wrong', '-q']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^berth: .*(credentials|unauthori[sz]ed|rejected)/i);
    expect(run.stderr).not.toContain('sw0rdfish-wrong');
    expect(run.stdout).toBe('');
  });

  it('refuses unknown platforms and fields as usage errors (exit 2)', async () => {
    const platform = await berth(['connectors', 'add', '--platform', 'nexus', '--name', 'x']);
    expect(platform.code).toBe(2);
    expect(platform.stderr).toMatch(/^berth: unknown platform "nexus" \(one of dockerhub, .*generic/);
    const field = await berth([
      'connectors',
      'add',
      '--platform',
      'generic',
      '--name',
      'x',
      '--set',
      'colour=red',
    ]);
    expect(field.code).toBe(2);
    expect(field.stderr).toMatch(/^berth: generic has no field "colour" \(fields: endpoint, /);
  });

  it('lists connectors: a table, --json, -q', async () => {
    const run = await berth(['connectors', 'list']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ID\s+PLATFORM\s+STATUS\s+REPOSITORIES\s+LAST SYNC\s+CREDENTIALS$/);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual(['locked', 'open']);
    expect(run.stdout).not.toContain('\u001b[');
    const json = JSON.parse((await berth(['connectors', 'list', '--json'])).stdout) as unknown;
    expectApiShape('get', '/api/v1/connectors', '200', json);
    const ids = (await berth(['connectors', 'list', '-q'])).stdout.trim().split('\n');
    expect(ids).toContain(lockedId);
  });

  it('tests a connector (exit 0), by name or id, and names an unknown one (exit 1)', async () => {
    const run = await berth(['connectors', 'test', 'locked']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: locked: /);
    const json = await berth(['connectors', 'test', lockedId, '--json']);
    expectApiShape('post', '/api/v1/connectors/{id}/test', '200', JSON.parse(json.stdout));
    const missing = await berth(['connectors', 'test', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^berth: no connector is named or has the id "nope" \(yours: /);
  });

  it('syncs and waits for the job; --json is the finished job', async () => {
    const run = await berth(['connectors', 'sync', 'open', '--wait']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(''); // no progress bar in a pipe
    expect(run.stdout).toBe('Synced open: 2 repositories, 3 tags\n');
    const json = await berth(['connectors', 'sync', 'locked', '--wait', '--json']);
    expect(json.code).toBe(0);
    const job = JSON.parse(json.stdout) as { status: string };
    expectApiShape('get', '/api/v1/jobs/{id}', '200', job);
    expect(job.status).toBe('done');
    const started = await berth(['connectors', 'sync', 'open', '--json']);
    expectApiShape('post', '/api/v1/connectors/{id}/sync', '202', JSON.parse(started.stdout));
  });

  it('colours tables on a terminal only, and not with NO_COLOR', async () => {
    const tty = await runBerthInTerminal(['connectors', 'list'], { HOME: home });
    expect(tty).toContain('\u001b[1mNAME');
    expect(tty).toContain('\u001b[32mok\u001b[39m');
    const noColor = await runBerthInTerminal(['connectors', 'list'], { HOME: home, NO_COLOR: '1' });
    expect(noColor).toMatch(/NAME\s+ID/);
    expect(noColor).not.toContain('\u001b[');
  });
});

describe('berth ls and search', () => {
  it('walks the tree: platforms and connectors', async () => {
    const run = await berth(['ls']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PLATFORM\s+CONNECTOR\s+ID\s+REPOSITORIES\s+STATUS\n/);
    expect(run.stdout).toMatch(/\ngeneric\s+open\s+\S+\s+2\s+ok/);
    expectApiShape('get', '/api/v1/tree', '200', JSON.parse((await berth(['ls', '--json'])).stdout));
  });

  it('lists a connector’s repositories, every page', async () => {
    const run = await berth(['ls', 'open']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').map((l) => l.split(/\s+/)[0])).toEqual([
      'REPOSITORY',
      'team/app',
      'team/tools',
      '',
    ]);
    const json = JSON.parse((await berth(['ls', 'open', '--json'])).stdout) as { items: unknown[] };
    expectApiShape('get', '/api/v1/connectors/{id}/repositories', '200', json);
    expect(json.items).toHaveLength(2);
    // Pages of one: the cursor is followed, and --limit stops where asked.
    const one = JSON.parse((await berth(['ls', 'open', '--json', '--limit', '1'])).stdout) as {
      items: { name: string }[];
      nextCursor: string | null;
    };
    expect(one.items.map((r) => r.name)).toEqual(['team/app']);
    expect(one.nextCursor).not.toBeNull();
  });

  it('lists a repository’s tags; -q prints digests', async () => {
    const run = await berth(['ls', 'open/team/app']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^TAG\s+DIGEST\s+SIZE\s+PUSHED\s+PLATFORMS\n/);
    expect(run.stdout).toMatch(/\n1\.0\s+sha256:[0-9a-f]{12}\s/);
    const json = JSON.parse((await berth(['ls', 'open/team/app', '--json'])).stdout) as {
      items: { name: string }[];
    };
    expectApiShape('get', '/api/v1/connectors/{id}/tags', '200', json);
    expect(json.items.map((t) => t.name).sort()).toEqual(['1.0', '2.0']);
    expect((await berth(['ls', 'open/team/app', '-q'])).stdout).toContain(`${v1.manifestDigest}\n`);
    const missing = await berth(['ls', 'nowhere/team/app']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^berth: no connector is named or has the id "nowhere"/);
    expect((await berth(['ls', 'open', '--limit', '0'])).code).toBe(2);
  });

  it('searches your registries', async () => {
    const run = await berth(['search', 'tools']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/●\s+open\s+team\/tools/);
    const json = JSON.parse((await berth(['search', 'app', '--json'])).stdout) as unknown;
    expectApiShape('get', '/api/v1/search', '200', json);
    expect((await berth(['search', 'tools', '-q'])).stdout).toContain('open/team/tools');
  });
});

describe('profile, diff, ci and sbom through the server (--server)', () => {
  it('profiles an image of a connector', async () => {
    const run = await berth(['profile', '--server', 'open/team/app:1.0']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('image      open/team/app:1.0\n');
    expect(run.stdout).toContain(`digest     ${v1.manifestDigest}\n`);
    const json = JSON.parse(
      (await berth(['profile', '--server', 'open/team/app:1.0', '--json'])).stdout,
    ) as ContainerProfile;
    expect(json.image.manifestDigest).toBe(v1.manifestDigest);
  });

  it('prints SBOMs the published schemas accept, through the server and stand-alone', async () => {
    const cdx = await berth(['sbom', '--server', 'open/team/app:1.0', '--format', 'cyclonedx']);
    expect(cdx.code).toBe(0);
    expect(cycloneDxValidator('1.6')(JSON.parse(cdx.stdout))).toEqual([]);
    const spdx = await berth(['sbom', `${open.host}/team/app:1.0`, '--format', 'spdx']);
    expect(spdx.code).toBe(0);
    expect(spdxValidator()(JSON.parse(spdx.stdout))).toEqual([]);
    const layoutSbom = await berth(['sbom', '--oci-layout', layout.dir, 'v1']);
    expect(layoutSbom.code).toBe(0);
    expect(cycloneDxValidator('1.6')(JSON.parse(layoutSbom.stdout))).toEqual([]);
    expect((await berth(['sbom', 'x', '--format', 'swid'])).code).toBe(2);
    expect((await berth(['sbom', '--server', 'open/team/app:1.0', '--creds', 'a:b'])).code).toBe(2);
  });

  it('diffs two images through the server, the same as stand-alone', async () => {
    const run = await berth(['diff', '--server', 'open/team/app:1.0', 'open/team/app:2.0', '--json']);
    expect(run.code).toBe(0);
    const remote = JSON.parse(run.stdout) as ImageDiff;
    const local = JSON.parse(
      (await berth(['diff', '--oci-layout', layout.dir, 'v1', 'v2', '--json'])).stdout,
    ) as ImageDiff;
    expect(remote.summary).toEqual(local.summary);
    expect(remote.files.added.map((f) => f.path)).toEqual(local.files.added.map((f) => f.path));
    const text = await berth(['diff', '--server', 'open/team/app:1.0', 'open/team/app:2.0']);
    expect(text.stdout).toMatch(/^left {7}open\/team\/app:1\.0 \(sha256:/);
  });

  it('ci: exit 0 for a clean image, 3 on a policy violation, through the server and from a layout', async () => {
    const pass = await berth(['ci', '--server', 'open/team/app:1.0']);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toContain('result: PASS');
    const fail = await berth(['ci', '--server', 'open/team/app:2.0', '--max-wasted-bytes', '10kB']);
    expect(fail.code).toBe(3);
    expect(fail.stdout).toContain('result: FAIL');
    const layoutFail = await berth([
      'ci',
      '--oci-layout',
      layout.dir,
      'v2',
      '--max-wasted-bytes',
      '10kB',
      '--json',
    ]);
    expect(layoutFail.code).toBe(3);
    expect((JSON.parse(layoutFail.stdout) as { passed: boolean }).passed).toBe(false);
  });

  it('names a tag the server cannot find (exit 1)', async () => {
    const run = await berth(['profile', '--server', 'open/team/app:9.9']);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^berth: .*9\.9/);
  });
});

describe('berth connectors import-docker-config', () => {
  it('shows what it will create, and creates nothing when declined', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    const auth = Buffer.from(`${locked.credentials?.username}:${locked.credentials?.password}`).toString(
      'base64',
    );
    writeFileSync(
      file,
      JSON.stringify({
        auths: {
          [locked.host]: { auth },
          'https://index.docker.io/v1/': { auth: Buffer.from('me:dckr_pat_x').toString('base64') },
          '123456789012.dkr.ecr.eu-west-1.amazonaws.com': { auth: Buffer.from('AWS:x').toString('base64') },
          'europe-docker.pkg.dev': { auth: Buffer.from('oauth2accesstoken:x').toString('base64') },
        },
        credHelpers: { 'ghcr.io': 'not-installed' },
      }),
    );
    const before = (await berth(['connectors', 'list', '-q'])).stdout;
    const run = await berth(['connectors', 'import-docker-config', '--file', file], { input: 'n\n' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`From ${file}:`);
    expect(run.stderr).toMatch(
      new RegExp(
        `${locked.host.replace(/\./g, '\\.')}\\s+generic\\s+reader \\(auths\\)\\s+create "${locked.host.replace(/\./g, '\\.')}"`,
      ),
    );
    expect(run.stderr).toMatch(/docker\.io\s+dockerhub\s+me \(auths\)\s+create "docker\.io"/);
    expect(run.stderr).toMatch(
      /123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\s+ecr\s+.*skip: ECR needs AWS keys/,
    );
    expect(run.stderr).toMatch(
      /europe-docker\.pkg\.dev\s+google\s+.*skip: Google needs a service account key/,
    );
    expect(run.stderr).toMatch(
      /ghcr\.io\s+ghcr\s+docker-credential-not-installed\s+skip: docker-credential-not-installed is not installed/,
    );
    expect(run.stderr).toContain('Create 2 connector(s)? [y/N] ');
    expect(run.stderr).toContain('berth: nothing created (answer y to create them, or pass --yes)');
    expect(run.stderr).not.toContain(locked.credentials?.password ?? '?');
    expect((await berth(['connectors', 'list', '-q'])).stdout).toBe(before);
  });

  it('creates connectors from auths and from an installed credential helper with --yes', async () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const helper = join(bin, 'docker-credential-berthtest');
    writeFileSync(
      helper,
      `#!/bin/sh\nread server\necho '{"ServerURL":"'"$server"'","Username":"helper-user","Secret":"helper-secret"}'\n`,
    );
    chmodSync(helper, 0o755);
    const file = join(dir, 'config.json');
    const auth = Buffer.from(`${locked.credentials?.username}:${locked.credentials?.password}`).toString(
      'base64',
    );
    writeFileSync(
      file,
      JSON.stringify({
        auths: { [`http://${locked.host}`]: { auth } },
        credHelpers: { [open.host]: 'berthtest' },
      }),
    );
    const run = await berth(['connectors', 'import-docker-config', '--file', file, '--yes', '--json'], {
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const outcomes = JSON.parse(run.stdout) as { action: string; connector: Record<string, unknown> }[];
    expect(outcomes.map((o) => o.action)).toEqual(['created', 'created']);
    for (const o of outcomes) expectApiShape('post', '/api/v1/connectors', '201', o.connector);
    expect(outcomes.map((o) => o.connector.name).sort()).toEqual([locked.host, open.host].sort());
    const viaHelper = outcomes.find((o) => o.connector.name === open.host);
    expect(viaHelper?.connector).toMatchObject({
      platform: 'generic',
      config: { endpoint: `http://${open.host}` },
    });
    // Run again: the names are taken, nothing to do.
    const again = await berth(['connectors', 'import-docker-config', '--file', file, '--yes'], {
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('exists already');
    expect(again.stderr).toContain('Nothing to create.');
  });
});

describe('berth connectors rm', () => {
  it('deletes nothing unless the name is typed (exit 1)', async () => {
    const declined = await berth(['connectors', 'rm', 'open'], { input: 'opne\n' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('Type the connector’s name to confirm: ');
    expect(declined.stderr).toContain('berth: not deleted: the name typed does not match');
    const closed = await berth(['connectors', 'rm', 'open']);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('berth: not deleted: confirm by typing the name, or pass --yes');
    expect((await berth(['connectors', 'list'])).stdout).toMatch(/\nopen\s/);
  });

  it('deletes when the name is typed, or with --yes', async () => {
    const typed = await berth(['connectors', 'rm', 'open'], { input: 'open\n' });
    expect(typed.code).toBe(0);
    expect(typed.stdout).toMatch(/^Deleted connector open \(\S+\)\n$/);
    const yes = await berth(['connectors', 'rm', 'locked', '--yes', '--json']);
    expect(yes.code).toBe(0);
    expect(JSON.parse(yes.stdout)).toMatchObject({ name: 'locked', deleted: true });
    const names = (
      JSON.parse((await berth(['connectors', 'list', '--json'])).stdout) as { name: string }[]
    ).map((c) => c.name);
    expect(names).not.toContain('open');
    expect(names).not.toContain('locked');
  });
});

describe('exit codes, help and completion', () => {
  it.each([
    [['connectors', 'frob']],
    [['ls', '--frobnicate']],
    [['connectors', 'rm']],
    [['completion', 'fish']],
    [['search']],
  ])('exits 2 on a usage error: %j', async (args) => {
    const run = await berth(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^berth: /);
  });

  it('prints bash completion that completes subcommands', async () => {
    const run = await berth(['completion', 'bash']);
    expect(run.code).toBe(0);
    const script = join(tempDir(), 'berth.bash');
    writeFileSync(script, run.stdout);
    const complete = (words: string[]): string[] =>
      spawnSync(
        'bash',
        [
          '-c',
          `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _berth; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      )
        .stdout.trim()
        .split(' ');
    expect(complete(['berth', 'conn'])).toEqual(['connectors']);
    expect(complete(['berth', 'connectors', ''])).toEqual(
      expect.arrayContaining(['list', 'add', 'test', 'sync', 'rm', 'import-docker-config']),
    );
    expect(complete(['berth', 'sbom', '--format', ''])).toEqual(['cyclonedx', 'spdx']);
    const zsh = await berth(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef berth\n/);
    expect(zsh.stdout).toContain('compdef _berth berth');
    expect(zsh.stdout).toContain('" connectors sync") items=(');
    expect(zsh.stdout).toContain('compadd -- "${(@f)$(berth connectors list --names 2>/dev/null)}"');
  });

  it('completes connector names from the server in bash, spaces escaped', async () => {
    const spaced = 'Open mirror (eu)';
    const added = await berth([
      'connectors',
      'add',
      '--platform',
      'generic',
      '--name',
      spaced,
      '--set',
      `endpoint=http://${open.host}`,
      '-q',
    ]);
    expect(added.code).toBe(0);
    const dir = tempDir();
    const script = join(dir, 'berth.bash');
    writeFileSync(script, (await berth(['completion', 'bash'])).stdout);
    // `berth` on PATH as a user has it: the completion asks it for the names.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'berth'),
      `#!/bin/sh\nHOME='${home}' XDG_CONFIG_HOME= exec ${berthCommandLine([])} "$@"\n`,
      { mode: 0o755 },
    );
    const complete = (words: string[]): string[] =>
      spawnSync(
        'bash',
        [
          '-c',
          `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _berth; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
          timeout: 60_000,
        },
      )
        .stdout.split('\n')
        .filter(Boolean);
    expect(complete(['berth', 'connectors', 'sync', 'Op'])).toEqual(['Open\\ mirror\\ \\(eu\\)']);
    expect(complete(['berth', 'connectors', 'rm', 'Open\\ mi'])).toEqual(['Open\\ mirror\\ \\(eu\\)']);
    const every = complete(['berth', 'connectors', 'test', '']);
    expect(every).toContain('Open\\ mirror\\ \\(eu\\)');
    const ids = (await berth(['connectors', 'list', '-q'])).stdout.split('\n').filter(Boolean);
    expect(every).toHaveLength(ids.length);
    // Options still complete after the command; the names are not asked for then.
    expect(complete(['berth', 'connectors', 'sync', '--w'])).toEqual(['--wait']);
    expect((await berth(['connectors', 'rm', spaced, '--yes'])).code).toBe(0);
    expect(complete(['berth', 'connectors', 'sync', 'Op'])).toEqual([]);
  });

  it('documents examples and exit codes in the help of every command', async () => {
    for (const args of [
      ['login'],
      ['connectors', 'add'],
      ['connectors', 'import-docker-config'],
      ['ls'],
      ['sbom'],
    ]) {
      const run = await berth([...args, '--help']);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout, args.join(' ')).toMatch(/Examples?:\n {2}berth/);
    }
  });
});

describe('berth logout', () => {
  it('revokes the token on the server and deletes the file', async () => {
    const token = storedToken();
    const run = await berth(['logout']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Logged out of ${url} (token revoked)\n`);
    expect(existsSync(configFile())).toBe(false);
    const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    const again = await berth(['logout']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('berth: not logged in (nothing to log out of)\n');
    expect((await berth(['whoami', '--json'])).code).toBe(1);
  });

  it('never printed the API token or a registry password', () => {
    const secrets = [locked.credentials?.password ?? '', PASSWORD];
    // Every API token starts with the same prefix; none was ever printed.
    const leaks = outputs.filter(
      (o) => secrets.some((s) => o.includes(s)) || /berth_pat_[A-Za-z0-9_-]{20,}/.test(o),
    );
    expect(leaks).toEqual([]);
  });
});

// The portal end to end, as a person uses it: headless Chromium (Debian's, driven by
// playwright-core; no browser is ever downloaded) against a real `berth serve` started
// in-process and the real CNCF registry with Basic auth. Screenshots of each page go to
// test-artifacts/screenshots/ (and, with BERTH_UPDATE_SCREENSHOTS=1, to docs/screenshots/ for
// the README).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerHubPublicSearch, startServer, type RunningServer } from '@berth/server';
import {
  createLayout,
  pushImage,
  startRegistry,
  startScriptedServer,
  type ImageSpec,
  type OciLayout,
  type RunningRegistry,
  type ScriptedServer,
} from '@berth/testkit';
import type { ContainerProfile, ImageDiff } from '../src/api/types';
import { formatBytes, shortDigest } from '../src/format';

const WEB = join(import.meta.dirname, '..');
const DIST = join(WEB, 'dist');
const REPO = join(WEB, '..', '..');
const ARTIFACTS = join(REPO, 'test-artifacts', 'screenshots');
const DOCS = join(REPO, 'docs', 'screenshots');
const CHROMIUM = '/usr/bin/chromium';
// TESTING.md: the flags that keep Chromium from reaching beyond loopback.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const CONNECTOR = 'Team registry (local)';
const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery';
const RED = 'rgb(209, 36, 47)'; // --connected in styles.css
const SECRET = 's3cr3t-token-value';

// Binary contents made once, so the base layers of the app's versions are the same blobs.
const BUSYBOX = randomBytes(180_000);
const APK = randomBytes(60_000);
const PASSWD_BIN = randomBytes(20_000);
const FLASK = randomBytes(90_000);
const CACHE = randomBytes(120_000);
const OS_RELEASE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n';
const MAIN_PY = 'print("hello")\n';
const MAIN_PY_2 = 'import os\n\nprint("hello, " + os.environ.get("NAME", "world"))\n';

/** A small Alpine-like Python app: users, a setuid file, a key, a deleted cache, empty history steps. */
function appImage(architecture: string): ImageSpec {
  return {
    platform: { os: 'linux', architecture },
    created: '2025-05-01T10:00:00Z',
    layers: [
      {
        createdBy: '/bin/sh -c #(nop) ADD file:3b1c0a3f in / ',
        entries: [
          { type: 'dir', path: 'etc' },
          {
            type: 'file',
            path: 'etc/os-release',
            content: OS_RELEASE,
          },
          {
            type: 'file',
            path: 'etc/passwd',
            content:
              'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\napp:x:1000:1000:app:/home/app:/bin/sh\n',
          },
          { type: 'dir', path: 'etc/ssl' },
          { type: 'dir', path: 'etc/ssl/private', mode: 0o700 },
          {
            type: 'file',
            path: 'etc/ssl/private/server.key',
            mode: 0o600,
            content:
              '-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n',
          },
          { type: 'dir', path: 'bin' },
          { type: 'file', path: 'bin/busybox', mode: 0o755, content: BUSYBOX },
          { type: 'symlink', path: 'bin/sh', target: '/bin/busybox' },
          { type: 'dir', path: 'sbin' },
          { type: 'file', path: 'sbin/apk', mode: 0o755, content: APK },
          { type: 'dir', path: 'lib' },
          { type: 'dir', path: 'lib/apk' },
          { type: 'dir', path: 'lib/apk/db' },
          {
            type: 'file',
            path: 'lib/apk/db/installed',
            content:
              'P:musl\nV:1.2.5-r0\nA:x86_64\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\n\nP:apk-tools\nV:2.14.4-r1\nA:x86_64\n',
          },
          { type: 'dir', path: 'usr' },
          { type: 'dir', path: 'usr/bin' },
          { type: 'file', path: 'usr/bin/passwd', mode: 0o4755, content: PASSWD_BIN },
          { type: 'dir', path: 'tmp', mode: 0o1777 },
        ],
      },
      {
        createdBy: '/bin/sh -c pip install --no-cache-dir flask==3.0.3',
        entries: [
          { type: 'dir', path: 'usr/lib' },
          { type: 'dir', path: 'usr/lib/python3.12' },
          { type: 'dir', path: 'usr/lib/python3.12/site-packages' },
          { type: 'dir', path: 'usr/lib/python3.12/site-packages/flask' },
          {
            type: 'file',
            path: 'usr/lib/python3.12/site-packages/flask/app.py',
            content: FLASK,
          },
          { type: 'dir', path: 'app' },
          { type: 'file', path: 'app/cache.bin', content: CACHE },
        ],
      },
      {
        createdBy: 'COPY app/ /app/ # buildkit',
        entries: [
          { type: 'file', path: 'app/main.py', content: MAIN_PY },
          { type: 'whiteout', path: 'app/cache.bin' },
          { type: 'dir', path: 'app/static' },
          { type: 'file', path: 'app/static/logo.svg', content: '<svg/>'.repeat(3000) },
        ],
      },
    ],
    history: [
      { createdBy: '/bin/sh -c #(nop) ADD file:3b1c0a3f in / ' },
      { createdBy: '/bin/sh -c #(nop) ENV APP_ENV=production', emptyLayer: true },
      { createdBy: '/bin/sh -c pip install --no-cache-dir flask==3.0.3' },
      { createdBy: 'COPY app/ /app/ # buildkit' },
      { createdBy: '/bin/sh -c #(nop)  EXPOSE 8080/tcp', emptyLayer: true },
      { createdBy: '/bin/sh -c #(nop)  CMD ["--port" "8080"]', emptyLayer: true },
    ],
    config: {
      entrypoint: ['python3', '/app/main.py'],
      cmd: ['--port', '8080'],
      env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'APP_ENV=production',
        `API_TOKEN=${SECRET}`,
      ],
      workingDir: '/app',
      exposedPorts: ['8080/tcp'],
      labels: { 'org.opencontainers.image.source': 'https://example.com/team/python-app' },
    },
  };
}

/**
 * The next version of the app: the same two base layers, a new app layer (main.py changed,
 * config.toml added, the logo gone) and an upgrade layer (musl up, ca-certificates added, a new
 * busybox binary, os-release bumped), plus a new environment variable.
 */
function appImageV2(): ImageSpec {
  const v1 = appImage('amd64');
  const [base, flask] = v1.layers;
  if (!base || !flask) throw new Error('the app image has its base layers');
  return {
    ...v1,
    created: '2025-06-01T10:00:00Z',
    layers: [
      base,
      flask,
      {
        createdBy: 'COPY app/ /app/ # buildkit',
        entries: [
          { type: 'file', path: 'app/main.py', content: MAIN_PY_2 },
          { type: 'whiteout', path: 'app/cache.bin' },
          { type: 'file', path: 'app/config.toml', content: '[server]\nport = 8080\n' },
        ],
      },
      {
        createdBy: '/bin/sh -c apk upgrade musl && apk add ca-certificates',
        entries: [
          { type: 'file', path: 'etc/os-release', content: OS_RELEASE.replace('3.20.3', '3.20.4') },
          { type: 'file', path: 'bin/busybox', mode: 0o755, content: randomBytes(181_000) },
          { type: 'dir', path: 'etc/ssl/certs' },
          {
            type: 'file',
            path: 'etc/ssl/certs/ca-certificates.crt',
            content: '-----BEGIN CERTIFICATE-----\n',
          },
          {
            type: 'file',
            path: 'lib/apk/db/installed',
            content:
              'P:musl\nV:1.2.5-r1\nA:x86_64\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\n\nP:apk-tools\nV:2.14.4-r1\nA:x86_64\n\nP:ca-certificates\nV:20240705-r0\nA:x86_64\n',
          },
        ],
      },
    ],
    history: [
      { createdBy: '/bin/sh -c #(nop) ADD file:3b1c0a3f in / ' },
      { createdBy: '/bin/sh -c #(nop) ENV APP_ENV=production', emptyLayer: true },
      { createdBy: '/bin/sh -c pip install --no-cache-dir flask==3.0.3' },
      { createdBy: 'COPY app/ /app/ # buildkit' },
      { createdBy: '/bin/sh -c apk upgrade musl && apk add ca-certificates' },
      { createdBy: '/bin/sh -c #(nop)  ENV APP_VERSION=2.0', emptyLayer: true },
      { createdBy: '/bin/sh -c #(nop)  EXPOSE 8080/tcp', emptyLayer: true },
      { createdBy: '/bin/sh -c #(nop)  CMD ["--port" "8080"]', emptyLayer: true },
    ],
    config: { ...v1.config, env: [...(v1.config?.env ?? []), 'APP_VERSION=2.0'] },
  };
}

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/** Builds the portal unless dist/ is newer than every source of it. */
function buildPortalIfStale(): void {
  const index = join(DIST, 'index.html');
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(WEB, p));
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(...sources.map(newestChange))) return;
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB, stdio: 'inherit' });
}

let registry: RunningRegistry;
let layout: OciLayout;
let hub: ScriptedServer;
let server: RunningServer;
let dataDir: string;
let profileDir: string;
let context: BrowserContext;
let page: Page;
let latestDigest: string;
const consoleErrors: string[] = [];
/** API answers the scenario provokes on purpose; the browser logs each as a failed resource. */
const expectedFailures: { path: string; status: number }[] = [
  { path: '/api/v1/me', status: 401 },
  { path: '/api/v1/connectors', status: 422 },
];

/** The screenshots the README shows (kept few: they live in the repository). */
const DOCS_SHOTS = new Set([
  'home-tree',
  'search',
  'connectors',
  'connector-error',
  'delete-connector',
  'profile',
  'profile-files',
  'profile-layers',
  'phone-home',
  'diff',
  'diff-file',
  'diff-packages',
]);

async function shot(name: string): Promise<void> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  if (process.env.BERTH_UPDATE_SCREENSHOTS === '1' && DOCS_SHOTS.has(name))
    copyFileSync(path, join(DOCS, `${name}.png`));
}

const url = (path: string) => `${server.url}${path}`;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (process.env.BERTH_UPDATE_SCREENSHOTS === '1') mkdirSync(DOCS, { recursive: true });
  buildPortalIfStale();
  [registry, layout] = await Promise.all([startRegistry({ auth: 'basic' }), createLayout()]);
  await layout.addImage('a', {
    layers: [{ entries: [{ type: 'file', path: 'app/main.py', content: 'print("hello")\n' }] }],
  });
  await layout.addImage('b', { layers: [{ entries: [{ type: 'file', path: 'bin/worker', content: 'w' }] }] });
  await layout.addIndex('app', [appImage('amd64'), appImage('arm64')]);
  await layout.addImage('app2', appImageV2());
  latestDigest = (await pushImage(layout, 'app', registry, 'team/python-app:latest', { all: true })).digest;
  // 27 versions: more than one page (25) of the tree, so "Load more versions" appears.
  for (let i = 0; i <= 25; i++)
    await pushImage(layout, i % 2 ? 'a' : 'b', registry, `team/python-app:1.${i}`);
  await pushImage(layout, 'b', registry, 'team/worker:1');
  await pushImage(layout, 'b', registry, 'tools/python-helper:2.0');
  // A stand-in for Docker Hub's public search (the test never leaves loopback).
  hub = await startScriptedServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://hub').searchParams.get('query') ?? '';
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ results: [{ repo_name: q, short_description: `Official ${q} images` }] }));
  });
  dataDir = mkdtempSync(join(tmpdir(), 'berth-web-e2e-'));
  server = await startServer({
    env: {
      BERTH_PORT: '0',
      BERTH_HOST: '127.0.0.1',
      BERTH_DATA_DIR: dataDir,
      BERTH_LOG_LEVEL: 'silent',
      BERTH_SYNC_INTERVAL: '0',
    },
    jobs: { pollMs: 25 },
    publicSearch: dockerHubPublicSearch(hub.url),
    webRoot: DIST,
  });
  profileDir = mkdtempSync(join(tmpdir(), 'berth-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    reducedMotion: 'reduce',
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const location = message.location().url;
    const status = /status of (\d+)/.exec(message.text())?.[1];
    const path = location ? new URL(location).pathname : '';
    if (expectedFailures.some((f) => f.path === path && String(f.status) === status)) return;
    consoleErrors.push(`${message.text()} (${location})`);
  });
});

afterAll(async () => {
  await context?.close();
  await Promise.all([server?.close(), registry?.stop(), layout?.remove(), hub?.stop()]);
  for (const dir of [dataDir, profileDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the Berth portal in a real browser', () => {
  it('leads a first visitor on an empty server to create the first account', async () => {
    await page.goto(url('/'));
    await page.waitForURL('**/signup');
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await shot('signup');
    await page.getByLabel('E-mail address').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Your images', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await page.getByText('Connect a registry to see your images here').waitFor();
    await shot('home-empty');
  });

  it('adds a generic connector: a wrong password shows the API sentence, the right one connects', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connectors' }).click();
    await page.getByText('Connect your first registry').waitFor();
    await page.getByRole('link', { name: 'Add connector' }).first().click();
    await page.waitForURL('**/connectors/new');
    await page.getByRole('link', { name: /OCI registry/ }).waitFor();
    await shot('add-connector');
    await page.getByRole('link', { name: /OCI registry/ }).click();
    await page.waitForURL('**/connectors/new/generic');
    // The platform's instructions, rendered from Markdown.
    await page.getByRole('complementary').locator('strong', { hasText: 'read-only' }).waitFor();

    const creds = registry.credentials;
    if (!creds) throw new Error('the basic-auth registry has no pull credentials');
    await page.getByRole('textbox', { name: /^Registry URL/ }).fill(registry.url);
    await page.getByRole('button', { name: /^Use “Registry \(127\.0\.0\.1:\d+\)”$/ }).waitFor();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(CONNECTOR);
    await page.getByRole('textbox', { name: /^Username/ }).fill(creds.username);
    await page.locator('input[name=password]').fill('not-the-password');
    await page.getByRole('button', { name: 'Test connection and save' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();

    // The same request straight to the API (as another user): the portal shows its exact sentence.
    const probe = await fetch(url('/api/v1/auth/signup'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'probe@example.com', password: 'probe password 1' }),
    });
    const { csrfToken } = (await probe.json()) as { csrfToken: string };
    const cookie = (probe.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const refused = await fetch(url('/api/v1/connectors'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({
        platform: 'generic',
        name: 'probe',
        config: { endpoint: registry.url },
        credentials: { username: creds.username, password: 'not-the-password' },
      }),
    });
    expect(refused.status).toBe(422);
    const problem = (await refused.json()) as { detail: string; code: string };
    expect(problem.code).toBe('invalid_credentials');
    expect(await alert.locator('.alert-detail').innerText()).toBe(problem.detail);
    expect(new URL(page.url()).pathname).toBe('/connectors/new/generic');
    await shot('connector-error');

    await page.locator('input[name=password]').fill(creds.password);
    await page.getByRole('button', { name: 'Test connection and save' }).click();
    await page.waitForURL('**/connectors');
    await page.getByText(`Connected “${CONNECTOR}”`).waitFor();
    const row = page.locator(`[data-connector="${CONNECTOR}"]`);
    await row.locator('.pill-ok').waitFor();
    await row.locator('.connector-count', { hasText: '3' }).waitFor();
    await expect(row.innerText()).resolves.toContain('OCI registry');
    await shot('connectors');
  });

  it('browses the tree lazily down to a version, pages, and opens its profile', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await page.getByRole('button', { name: `Expand ${CONNECTOR}` }).click();
    const repos = page.locator('[data-repository]');
    await page.locator('[data-repository="tools/python-helper"]').waitFor();
    expect(await repos.evaluateAll((els) => els.map((e) => e.getAttribute('data-repository')))).toEqual([
      'team/python-app',
      'team/worker',
      'tools/python-helper',
    ]);
    // Versions are not loaded before their repository is opened.
    expect(await page.locator('[data-version]').count()).toBe(0);

    // Keyboard: ↓ moves from the connector to its first repository, → opens it.
    await page.getByRole('button', { name: `Collapse ${CONNECTOR}` }).focus();
    await page.keyboard.press('ArrowDown');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe(
      'Expand team/python-app',
    );
    await page.keyboard.press('ArrowRight');
    const versions = page.locator('[data-repository="team/python-app"] [data-version]');
    await versions.nth(24).waitFor();
    expect(await versions.count()).toBe(25);
    const latest = page.locator('[data-version="latest"]');
    expect(await latest.locator('.digest').innerText()).toBe(latestDigest.slice(7, 19));
    expect(await versions.first().getAttribute('data-version')).toBe('latest');
    await shot('home-tree');
    await page.getByRole('button', { name: 'Load more versions' }).click();
    await versions.nth(26).waitFor();
    expect(await versions.count()).toBe(27);

    await latest.getByRole('link', { name: 'latest' }).click();
    await page.waitForURL(/\/images\/[^/]+\/team\/python-app:latest$/);
    // The first visit starts the analysis: its progress, or (when it was quicker) the profile.
    await page.locator('[data-progress], [data-fact="digest"]').first().waitFor();
    await page.locator('[data-fact="digest"]').waitFor();

    // Back returns to the tree as it was left; forward to the profile again.
    await page.goBack();
    await page.locator('[data-version="1.25"]').waitFor();
    await page.goForward();
    await page.locator('[data-fact="digest"]').waitFor();
  });

  it('shows the Container Profile: header, tabs as deep links, files, layers, Dockerfile, SBOM', async () => {
    const connectorId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
    const { csrfToken } = (await (await context.request.get(url('/api/v1/me'))).json()) as {
      csrfToken: string;
    };
    const answer = await context.request.post(url('/api/v1/profiles'), {
      headers: { 'x-csrf-token': csrfToken },
      data: { image: { connectorId, repository: 'team/python-app', reference: 'latest' } },
    });
    expect(answer.status()).toBe(200);
    const { id, profile } = (await answer.json()) as { id: string; profile: ContainerProfile };

    // The header says what the API says.
    const fact = (name: string) => page.locator(`[data-fact="${name}"] dd`).innerText();
    expect(await fact('digest')).toContain(shortDigest(profile.image.manifestDigest));
    expect(await fact('os')).toBe('Alpine Linux v3.20');
    expect(profile.overview.os.prettyName).toBe('Alpine Linux v3.20');
    expect(await fact('size')).toContain(formatBytes(profile.overview.sizeCompressed));
    expect(await fact('size')).toContain(formatBytes(profile.overview.sizeUncompressed));
    expect(await fact('layers')).toContain(String(profile.overview.layerCount));
    expect(profile.image.platforms.length).toBe(2);
    expect(await page.getByRole('combobox', { name: 'Platform' }).inputValue()).toBe('linux/amd64');
    expect(profile.overview.runsAsRoot).toBe(true);
    await page.locator('[data-badge="root"]', { hasText: 'Runs as root' }).waitFor();

    // Overview: a secret-looking variable is masked until revealed.
    const token = page.locator('[data-env="API_TOKEN"]');
    expect(await token.innerText()).not.toContain(SECRET);
    expect(await page.locator('[data-env="APP_ENV"]').innerText()).toContain('production');
    await shot('profile');
    await token.getByRole('button', { name: 'Reveal API_TOKEN' }).click();
    await token.getByText(SECRET).waitFor();

    // Files: a lazily expanding explorer and the treemap of the open directory.
    await page.locator('[data-tab="files"]').click();
    await page.waitForURL(/\?tab=files$/);
    await page.getByRole('button', { name: 'Expand /app' }).click();
    await page.locator('[data-path="/app/main.py"]').waitFor();
    expect(await page.locator('[data-path="/app/cache.bin"]').count()).toBe(0);
    expect(await page.locator('[data-path="/app/main.py"] .file-mode').innerText()).toBe('-rw-r--r--');
    await page.locator('[data-treemap="/app"] .tm-cell').first().waitFor();
    expect(await page.locator('[data-treemap="/app"] .tm-dir').count()).toBe(1);
    // Back up to / in the treemap: the directories sized by what they hold.
    await page
      .getByRole('navigation', { name: 'Treemap directory' })
      .getByRole('button', { name: '/' })
      .click();
    await page.locator('[data-treemap="/"] .tm-dir[title^="/bin "]').waitFor();
    await shot('profile-files');
    await page.getByRole('button', { name: 'Expand /bin' }).click();
    await page.locator('[data-path="/bin/sh"]', { hasText: '/bin/busybox' }).waitFor();

    // Layers: one row per history step; the steps without a layer are muted.
    await page.locator('[data-tab="layers"]').click();
    await page.waitForURL(/\?tab=layers$/);
    const rows = page.locator('.layers-table tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(profile.history?.length ?? profile.layers.length);
    expect(await page.locator('.layers-table tr.is-empty-step').count()).toBe(3);
    expect(await rows.nth(2).innerText()).toContain('RUN pip install --no-cache-dir flask==3.0.3');
    await shot('profile-layers');

    // Dockerfile: the reconstruction, as the API has it.
    await page.locator('[data-tab="dockerfile"]').click();
    expect((await page.locator('[data-dockerfile]').innerText()).trim()).toBe(profile.dockerfile.trim());

    // SBOM downloads answer.
    const sbom = await page.locator('[data-sbom="cyclonedx"]').first().getAttribute('href');
    expect(sbom).toBe(`/api/v1/profiles/${id}/sbom?format=cyclonedx-json`);
    const cdx = await context.request.get(url(sbom ?? ''));
    expect(cdx.status()).toBe(200);
    expect(((await cdx.json()) as { bomFormat: string }).bomFormat).toBe('CycloneDX');
    const spdx = await context.request.get(
      url((await page.locator('[data-sbom="spdx"]').first().getAttribute('href')) ?? ''),
    );
    expect(spdx.status()).toBe(200);

    // Advice and Security render (advice may be empty until its analyser lands).
    await page.locator('[data-tab="advice"]').click();
    await page.getByRole('img', { name: /^Efficiency \d+%$/ }).waitFor();
    await shot('profile-advice');
    await page.locator('[data-tab="security"]').click();
    await page.getByText('/usr/bin/passwd').waitFor();
    await page.getByText('/etc/ssl/private/server.key').waitFor();
    await shot('profile-security');

    // Another platform of the index: analysed on request, a deep link of its own.
    await page.getByRole('combobox', { name: 'Platform' }).selectOption('linux/arm64');
    await page.waitForURL(/platform=linux%2Farm64/);
    await page.locator('[data-progress], [data-fact="digest"]').first().waitFor();
    await expect
      .poll(() =>
        page
          .getByRole('combobox', { name: 'Platform' })
          .inputValue()
          .catch(() => ''),
      )
      .toBe('linux/arm64');
    expect(await fact('digest')).not.toContain(shortDigest(profile.image.manifestDigest));
  });

  it('reloads on a deep link', async () => {
    const deep = page.url().replace(/\?.*$/, '?tab=files');
    await page.goto(deep);
    await page.locator('[data-path="/app"]').waitFor();
    expect(await page.locator('[data-tab="files"]').getAttribute('aria-current')).toBe('page');
    await page.reload();
    await page.locator('[data-path="/app"]').waitFor();
    expect(page.url()).toBe(deep);
    await page.goto(url('/connectors/new/generic'));
    await page.getByRole('heading', { name: 'Connect OCI registry', exact: true }).waitFor();
    await page.goto(url('/no/such/page'));
    await page.getByRole('heading', { name: 'There is no page at this address' }).waitFor();
  });

  it('compares two versions: Compare with…, the summary, file changes, a unified diff, packages, Dockerfiles', async () => {
    await pushImage(layout, 'app2', registry, 'team/python-app:2.0');
    const connectors = (await (await context.request.get(url('/api/v1/connectors'))).json()) as {
      id: string;
      name: string;
    }[];
    const connectorId = connectors.find((c) => c.name === CONNECTOR)?.id ?? '';
    await page.goto(url(`/images/${connectorId}/team/python-app:latest`));
    await page.locator('[data-fact="digest"]').waitFor();

    // The dialog lists the repository's versions (from the catalog); a version not synced yet is typed.
    await page.getByRole('button', { name: 'Compare with…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-compare]').nth(23).waitFor();
    // A page of the other versions (the one on view is not offered), then the next page.
    expect(await dialog.locator('[data-compare]').count()).toBe(24);
    expect(await dialog.locator('[data-compare="latest"]').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Load more versions' }).click();
    await dialog.locator('[data-compare]').nth(25).waitFor();
    await dialog.getByRole('textbox', { name: 'Another version' }).fill('not a tag!');
    await dialog.getByRole('button', { name: 'Compare', exact: true }).click();
    await dialog.getByRole('alert').getByText('is not a repository name').waitFor();
    await dialog.getByRole('textbox', { name: 'Another version' }).fill('2.0');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/diff\?a=[^&]+\/team\/python-app:latest&b=[^&]+\/team\/python-app:2\.0$/);
    const diffUrl = page.url();

    // While both images are analysed: progress; then the summary, as the API has it.
    await page.locator('[data-progress], [data-stat="size"]').first().waitFor();
    await page.locator('[data-stat="modified"]').waitFor({ timeout: 30_000 });
    const { csrfToken } = (await (await context.request.get(url('/api/v1/me'))).json()) as {
      csrfToken: string;
    };
    const answer = await context.request.post(url('/api/v1/diffs'), {
      headers: { 'x-csrf-token': csrfToken },
      data: {
        left: { image: { connectorId, repository: 'team/python-app', reference: 'latest' } },
        right: { image: { connectorId, repository: 'team/python-app', reference: '2.0' } },
      },
    });
    expect(answer.status()).toBe(200);
    const { diff } = (await answer.json()) as { diff: ImageDiff };
    const stat = (name: string) => page.locator(`[data-stat="${name}"] .stat-value`).innerText();
    expect(await stat('modified')).toBe(String(diff.summary.filesModified));
    expect(await stat('added')).toBe(String(diff.summary.filesAdded));
    expect(await stat('removed')).toBe(String(diff.summary.filesRemoved));
    expect(diff.summary.filesAdded).toBe(2);
    expect(diff.summary.filesRemoved).toBe(1);
    expect(await stat('layers')).toBe(`${diff.summary.sharedLayers} of 4`);
    expect(diff.summary.sharedLayers).toBe(2);
    expect(await page.locator('[data-side="A"] .digest-full').innerText()).toBe(
      shortDigest(diff.left.manifestDigest),
    );
    await page.locator('[data-file="/app/static/logo.svg"][data-change="removed"]').waitFor();
    await page.locator('[data-file="/app/config.toml"][data-change="added"]').waitFor();
    await shot('diff');

    // A text file's unified diff, opened from the keyboard; a binary file says so.
    const mainPy = page.locator('[data-file="/app/main.py"] > button');
    expect(await mainPy.getAttribute('aria-label')).toBe('Show the changes to /app/main.py');
    await mainPy.focus();
    await page.keyboard.press('Enter');
    const unified = page.locator('[data-udiff="/app/main.py"]');
    await unified.waitFor();
    expect(await unified.locator('.ud-del .ud-code').allInnerTexts()).toEqual(['-print("hello")']);
    expect(await unified.locator('.ud-add .ud-code').allInnerTexts()).toEqual([
      '+import os',
      '+',
      '+print("hello, " + os.environ.get("NAME", "world"))',
    ]);
    expect(await mainPy.getAttribute('aria-expanded')).toBe('true');
    // The opened file is in the address: a reload (or a shared link) opens it again.
    await page.waitForURL(/[?&]file=\/app\/main\.py(&|$)/);
    await page.reload();
    await unified.locator('.ud-add .ud-code', { hasText: '+import os' }).waitFor();
    expect(await mainPy.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('button', { name: 'Show the changes to /etc/os-release' }).click();
    await page.locator('[data-udiff="/etc/os-release"] .ud-add', { hasText: 'VERSION_ID=3.20.4' }).waitFor();
    await unified.scrollIntoViewIfNeeded();
    await shot('diff-file');
    await page.getByRole('button', { name: 'Show the changes to /bin/busybox' }).click();
    await page.locator('[data-file="/bin/busybox"] [data-binary]', { hasText: 'Binary file' }).waitFor();
    // Binary files are marked in the list and can be filtered apart from text files.
    await page.getByLabel('File type').selectOption('binary');
    await page.waitForURL(/type=binary/);
    const binaries = await page
      .locator('[data-file]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-file')));
    expect(binaries).toContain('/bin/busybox');
    expect(binaries).not.toContain('/app/main.py');
    expect(await page.locator('[data-file] [data-binary-chip]').count()).toBe(binaries.length);
    await page.getByLabel('File type').selectOption('text');
    await page.locator('[data-file="/app/main.py"]').waitFor();
    expect(await page.locator('[data-file="/bin/busybox"]').count()).toBe(0);
    await page.getByLabel('File type').selectOption('all');

    // Filters: by change and by path, kept in the address.
    await page.locator('[data-filter="added"]').click();
    await page.waitForURL(/change=added/);
    expect(
      await page.locator('[data-group]').evaluateAll((els) => els.map((e) => e.getAttribute('data-group'))),
    ).toEqual(['added']);
    await page.getByRole('searchbox', { name: 'Filter files by path' }).fill('ssl');
    await page.waitForURL(/q=ssl/);
    expect(
      await page.locator('[data-file]').evaluateAll((els) => els.map((e) => e.getAttribute('data-file'))),
    ).toEqual(['/etc/ssl/certs/ca-certificates.crt']);
    await page.getByRole('searchbox', { name: 'Filter files by path' }).fill('no-such-path');
    await page.getByText('Nothing here matches the filter.').waitFor();

    // Packages: up- and downgrades by the ecosystem's own order.
    await page.locator('[data-tab="packages"]').click();
    await page.waitForURL(/tab=packages/);
    expect(await page.locator('[data-package="musl"]').innerText()).toContain('upgrade');
    expect(await page.locator('[data-package="ca-certificates"]').innerText()).toContain('added');
    await shot('diff-packages');

    // Config: the new variable highlighted; Dockerfiles side by side.
    await page.locator('[data-tab="config"]').click();
    expect(await page.locator('[data-config="env.APP_VERSION"]').innerText()).toContain('2.0');
    await page.locator('[data-tab="dockerfile"]').click();
    await page.locator('[data-dockerfiles] .is-add', { hasText: 'apk upgrade musl' }).waitFor();
    await page.locator('[data-tab="layers"]').click();
    await page.locator('.lyr-shared').first().waitFor();

    // Deep links: reload stays; back and forward walk the tabs; Swap exchanges A and B.
    await page.reload();
    await page.locator('.lyr-shared').first().waitFor();
    await page.goBack();
    await page.locator('[data-dockerfiles]').waitFor();
    await page.goForward();
    await page.locator('.lyr-shared').first().waitFor();
    await page.goto(diffUrl);
    await page.getByRole('link', { name: 'Swap A and B' }).click();
    await page
      .locator('[data-stat="added"] .stat-value', { hasText: String(diff.summary.filesRemoved) })
      .waitFor();
    expect(new URL(page.url()).searchParams.get('a')).toContain(':2.0');

    // Phone width: nothing runs off the side.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('[data-stat="size"]').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
    await shot('diff-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // An image that is not there: the API's sentence, and a way to try again.
    const missing = { connectorId, repository: 'team/python-app', reference: 'no-such-tag' };
    const refused = await context.request.post(url('/api/v1/diffs'), {
      headers: { 'x-csrf-token': csrfToken },
      data: { left: { image: missing }, right: { image: missing } },
    });
    expect(refused.status()).toBe(404);
    const problem = (await refused.json()) as { detail: string };
    expectedFailures.push({ path: '/api/v1/diffs', status: 404 });
    await page.goto(
      url(`/diff?a=${connectorId}/team/python-app:latest&b=${connectorId}/team/python-app:no-such-tag`),
    );
    const failure = page.getByRole('alert');
    await failure.waitFor();
    expect(await failure.locator('.alert-detail').innerText()).toBe(problem.detail);
    await page.getByRole('button', { name: 'Try again' }).waitFor();

    // A bad address says what to do.
    await page.goto(url('/diff'));
    await page.getByRole('heading', { name: 'Pick two images to compare' }).waitFor();
  });

  it('searches as you type: connected results first, in red with the connector’s name, then public', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await page.getByRole('heading', { name: 'Your images', exact: true }).waitFor();
    const box = page.getByRole('combobox', { name: 'Search images' });
    await page.keyboard.press('/');
    await expect(box.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    // A repository word with few enough of your matches that public results fill the rest.
    await page.keyboard.type('helper');
    const options = page.getByRole('option');
    await page.locator('[role=option][data-source=public]').first().waitFor();
    const sources = await options.evaluateAll((els) => els.map((e) => e.getAttribute('data-source')));
    const firstPublic = sources.indexOf('public');
    expect(firstPublic).toBeGreaterThan(0);
    expect(sources.slice(0, firstPublic).every((s) => s === 'connected')).toBe(true);
    expect(sources.slice(firstPublic).every((s) => s === 'public')).toBe(true);
    const first = options.first();
    expect(await first.locator('.result-connector').innerText()).toBe(CONNECTOR);
    const colours = await first.evaluate((el) => ({
      bar: getComputedStyle(el).borderLeftColor,
      name: getComputedStyle(el.querySelector('.result-name') as Element).color,
    }));
    expect(colours).toEqual({ bar: RED, name: RED });
    expect(
      await page
        .locator('[role=option][data-source=public]')
        .first()
        .evaluate((el) => getComputedStyle(el).borderLeftColor),
    ).not.toBe(RED);
    await shot('search');

    // ↓ to the first version of yours, Enter opens its profile.
    const kinds = await options.evaluateAll((els) =>
      els.map((e) => `${e.getAttribute('data-source')}:${e.getAttribute('data-kind')}`),
    );
    const target = kinds.indexOf('connected:version');
    expect(target).toBeGreaterThanOrEqual(0);
    for (let i = 0; i <= target; i++) await page.keyboard.press('ArrowDown');
    const activeId = await box.getAttribute('aria-activedescendant');
    const name = await page.locator(`[id="${activeId}"] .result-name`).innerText();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/images/**${name.replace(/^.*:/, ':')}`);
    await page.locator('[data-progress], [data-fact="digest"]').first().waitFor();
    expect(decodeURIComponent(new URL(page.url()).pathname)).toContain(name);

    // Esc closes the results.
    await box.fill('worker');
    await page.locator('[role=option][data-source=connected]').first().waitFor();
    await page.keyboard.press('Escape');
    await expect(box.getAttribute('aria-expanded')).resolves.toBe('false');
  });

  it('syncs now and shows what changed', async () => {
    await pushImage(layout, 'b', registry, 'team/new-service:1');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    // The page was loaded anew (deep links above): the tree starts closed.
    await page.getByRole('button', { name: `Expand ${CONNECTOR}` }).click();
    await page.locator('[data-repository="tools/python-helper"]').waitFor();
    expect(await page.locator('[data-repository="team/new-service"]').count()).toBe(0);
    await page.getByRole('button', { name: `Sync ${CONNECTOR} now` }).click();
    await page.locator(`[data-connector="${CONNECTOR}"] .tree-meta`, { hasText: '4 repositories' }).waitFor();
    await page.locator('[data-repository="team/new-service"]').waitFor();
  });

  it('is usable at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('combobox', { name: 'Search images' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
    await shot('phone-home');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('deletes the connector after its name is typed, and its tree goes with it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connectors' }).click();
    await page.getByRole('button', { name: `Delete ${CONNECTOR}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect(dialog.innerText()).resolves.toContain('4 repositories');
    const confirm = dialog.getByRole('button', { name: 'Delete this connector' });
    await dialog.getByRole('textbox').fill('Team registry');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByRole('textbox').fill(CONNECTOR);
    expect(await confirm.isEnabled()).toBe(true);
    await shot('delete-connector');
    await confirm.click();
    await page.getByText('Connect your first registry').waitFor();
    await page.getByText(`Deleted “${CONNECTOR}”`).waitFor();
    expect(await page.locator(`[data-connector="${CONNECTOR}"]`).count()).toBe(0);

    const tree = await context.request.get(url('/api/v1/tree'));
    expect(await tree.json()).toEqual([]);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await page.getByText('Connect a registry to see your images here').waitFor();
    expect(await page.locator('[data-connector]').count()).toBe(0);
    await page.getByRole('combobox', { name: 'Search images' }).fill('python');
    await page.locator('[role=option][data-source=public]').first().waitFor();
    expect(await page.locator('[role=option][data-source=connected]').count()).toBe(0);
    await page.keyboard.press('Escape');
  });

  it('logs out and back in', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login');
    await page.getByRole('heading', { name: 'Log in to Berth' }).waitFor();
    await page.getByLabel('E-mail address').fill(EMAIL);
    await page.getByLabel('Password').fill('wrong password!');
    expectedFailures.push({ path: '/api/v1/auth/login', status: 401 });
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('the e-mail address or the password is wrong').waitFor();
    await shot('login');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Your images', exact: true }).waitFor();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});

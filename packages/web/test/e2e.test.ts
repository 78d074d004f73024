// The portal end to end, as a person uses it: headless Chromium (Debian's, driven by
// playwright-core; no browser is ever downloaded) against a real `berth serve` started
// in-process and the real CNCF registry with Basic auth. Screenshots of each page go to
// test-artifacts/screenshots/ (and, with BERTH_UPDATE_SCREENSHOTS=1, to docs/screenshots/ for
// the README).
import { execFileSync } from 'node:child_process';
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
  type OciLayout,
  type RunningRegistry,
  type ScriptedServer,
} from '@berth/testkit';

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
  'phone-home',
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
  latestDigest = (await pushImage(layout, 'a', registry, 'team/python-app:latest')).digest;
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
    await page.getByRole('heading', { name: 'Container Profiles are coming' }).waitFor();
    await page.locator('.facts code', { hasText: latestDigest.slice(7, 19) }).waitFor();
    await shot('profile');

    // Back returns to the tree as it was left; forward to the profile again.
    await page.goBack();
    await page.locator('[data-version="1.25"]').waitFor();
    await page.goForward();
    await page.getByRole('heading', { name: 'Container Profiles are coming' }).waitFor();
  });

  it('reloads on a deep link', async () => {
    const deep = page.url();
    await page.reload();
    await page.getByRole('heading', { name: 'Container Profiles are coming' }).waitFor();
    expect(page.url()).toBe(deep);
    await page.goto(url('/connectors/new/generic'));
    await page.getByRole('heading', { name: 'Connect OCI registry', exact: true }).waitFor();
    await page.goto(url('/no/such/page'));
    await page.getByRole('heading', { name: 'There is no page at this address' }).waitFor();
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
    await page.getByRole('heading', { name: 'Container Profiles are coming' }).waitFor();
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

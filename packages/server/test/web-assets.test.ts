import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'berth-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Berth</title><div id="root"></div>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log("portal")');
  server = await startTestServer({}, { webRoot: root });
});
afterAll(async () => {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

const page = (path: string, accept = 'text/html,application/xhtml+xml') =>
  fetch(`${server.url}${path}`, { headers: { accept } });

describe('the portal from the same origin', () => {
  it('serves index.html for the root and for deep links, never cached', async () => {
    for (const path of ['/', '/connectors', '/images/abc/profile?tab=files']) {
      const res = await page(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with a long cache', async () => {
    const res = await page('/assets/index-abc123.js', '*/*');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('keeps API and missing-asset answers as problems', async () => {
    const api = await page('/api/v1/nope');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/problem\+json/);
    const asset = await page('/assets/missing.js', '*/*');
    expect(asset.status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '@berth/testkit';
import { VendorHttp } from './vendor-http.js';

let server: ScriptedServer;
const stalls: (() => void)[] = [];

beforeAll(async () => {
  server = await startScriptedServer((req, res, { index }) => {
    const path = req.url ?? '/';
    if (path === '/big') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(2048)}"`);
    } else if (path === '/flaky' && index % 2 === 0) {
      res.writeHead(503).end();
    } else if (path === '/slow-down') {
      res.writeHead(429, { 'retry-after': '3600' }).end('{"message":"slow down"}');
    } else if (path === '/leaky') {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"message":"bad header Bearer abcdef.ghijkl.mnopqr token=hunter2"}');
    } else if (path === '/stall') {
      stalls.push(() => res.end());
    } else {
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'x-ratelimit-limit': '60',
          'x-ratelimit-remaining': '59',
        })
        .end('{"ok":true}');
    }
  });
});
afterAll(async () => {
  for (const release of stalls) release();
  await server?.stop();
});

const http = (extra: Partial<ConstructorParameters<typeof VendorHttp>[0]> = {}): VendorHttp =>
  new VendorHttp({
    platformName: 'Vendor',
    endpointPolicy: 'default',
    retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 1_000 },
    ...extra,
  });

describe('VendorHttp', () => {
  it('parses JSON and keeps the quota headers', async () => {
    const client = http();
    const res = await client.request({ method: 'GET', url: `${server.url}/ok`, what: 'reading' });
    expect(res.body).toEqual({ ok: true });
    expect(client.rateLimit()).toMatchObject({ limit: 60, remaining: 59 });
    await client.close();
  });

  it('retries 503 and succeeds', async () => {
    const res = await http().request({ method: 'GET', url: `${server.url}/flaky`, what: 'reading' });
    expect(res.status).toBe(200);
  });

  it('does not sleep through a Retry-After longer than allowed', async () => {
    const started = Date.now();
    await expect(
      http().request({ method: 'GET', url: `${server.url}/slow-down`, what: 'reading' }),
    ).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 3_600_000,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('caps the size of answers', async () => {
    await expect(
      http({ maxResponseBytes: 1024 }).request({ method: 'GET', url: `${server.url}/big`, what: 'reading' }),
    ).rejects.toThrow(/limit/);
  });

  it('keeps secrets out of error sentences', async () => {
    const e = (await http()
      .request({ method: 'GET', url: `${server.url}/leaky`, what: 'reading' })
      .catch((x: unknown) => x)) as Error & { code: string };
    expect(e.code).toBe('invalid_credentials');
    expect(e.message).toMatch(/Vendor rejected the credentials while reading/);
    expect(e.message).not.toMatch(/abcdef|hunter2/);
  });

  it('times out a stalled answer', async () => {
    await expect(
      http({ readTimeoutMs: 100, retry: { maxRetries: 0 } }).request({
        method: 'GET',
        url: `${server.url}/stall`,
        what: 'reading',
      }),
    ).rejects.toMatchObject({
      code: 'endpoint_unreachable',
      message: expect.stringMatching(/did not answer within 100 ms/) as string,
    });
  });

  it('honours an AbortSignal', async () => {
    const controller = new AbortController();
    const pending = http().request({
      method: 'GET',
      url: `${server.url}/stall`,
      what: 'reading',
      signal: controller.signal,
    });
    controller.abort();
    await expect(pending).rejects.toThrow(/aborted/);
  });

  it('refuses blocked addresses before connecting, and loopback under strict', async () => {
    await expect(
      http().request({ method: 'GET', url: 'http://169.254.169.254/latest', what: 'reading' }),
    ).rejects.toMatchObject({ code: 'endpoint_blocked' });
    await expect(
      http({ endpointPolicy: 'strict' }).request({ method: 'GET', url: `${server.url}/ok`, what: 'reading' }),
    ).rejects.toMatchObject({
      code: 'endpoint_blocked',
    });
    await expect(
      http({ endpointPolicy: 'strict' }).request({
        method: 'GET',
        url: `http://localhost:${server.port}/ok`,
        what: 'reading',
      }),
    ).rejects.toMatchObject({ code: 'endpoint_blocked' });
  });
});

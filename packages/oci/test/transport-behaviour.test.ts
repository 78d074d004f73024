// Behaviour a real registry cannot be made to show on demand (429s, stalls, redirects to a
// second host, hostile answers), against scripted HTTP servers on loopback.
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { startScriptedServer, type ScriptedServer } from '@berth/testkit';
import {
  RegistryClient,
  basicAuthenticator,
  staticKeychain,
  readLimited,
  isOciError,
  type RegistryClientOptions,
} from '@berth/oci';

const servers: ScriptedServer[] = [];
const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(handler: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const server = await startScriptedServer(handler);
  servers.push(server);
  return server;
}

function client(options: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({ retry: { baseDelayMs: 10, maxDelayMs: 5_000 }, ...options });
  clients.push(c);
  return c;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const manifestBody = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: `sha256:${'1'.repeat(64)}`,
    size: 2,
  },
  layers: [],
});
const manifestDigest = `sha256:${createHash('sha256').update(manifestBody).digest('hex')}`;

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('retries', () => {
  it('waits for Retry-After on 429 and then succeeds', async () => {
    const times: number[] = [];
    const server = await serve((req, res, { index }) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      times.push(Date.now());
      if (index === 1)
        return void res.writeHead(429, { 'retry-after': '1', 'ratelimit-remaining': '0;w=21600' }).end();
      res
        .writeHead(200, {
          'content-type': OCI_MANIFEST,
          'ratelimit-limit': '100;w=21600',
          'ratelimit-remaining': '99;w=21600',
        })
        .end(manifestBody);
    });
    const registry = server.host;
    const c = client({ registries: { [registry]: { insecure: true } } });
    const seen: number[] = [];
    const c2 = client({
      registries: { [registry]: { insecure: true } },
      onRateLimit: (_r, info) => seen.push(info.remaining ?? -1),
    });
    const fetched = await c2.getManifest({ registry, repository: 'a/b' }, 'v1');
    expect(fetched.digest).toBe(manifestDigest);
    expect(times).toHaveLength(2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(950);
    expect(seen).toEqual([0, 99]);
    expect(c2.rateLimit(registry)).toMatchObject({ limit: 100, remaining: 99, windowSeconds: 21600 });
    expect(c.rateLimit(registry)).toBeUndefined();
  });

  it('gives up with rate_limited when Retry-After is longer than it will wait', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(429, { 'retry-after': '3600', 'content-type': 'application/json' }).end(
        JSON.stringify({
          errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit' }],
        }),
      );
    });
    const e = await errorOf(client().getManifest({ registry: server.host, repository: 'a' }, 'v1'));
    expect(isOciError(e, 'rate_limited')).toBe(true);
    expect(e).toMatchObject({ retryable: true, retryAfterMs: 3_600_000, status: 429 });
    expect((e as { diagnostics: unknown[] }).diagnostics).toEqual([
      { code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit' },
    ]);
    expect(server.requests().filter((r) => r.path !== '/v2/')).toHaveLength(1);
  });

  it('retries 503 with backoff up to the limit, then reports a retryable registry_error', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(503).end();
    });
    const e = await errorOf(
      client({ retry: { maxRetries: 2, baseDelayMs: 5 } }).getManifest(
        { registry: server.host, repository: 'a' },
        'v1',
      ),
    );
    expect(e).toMatchObject({ code: 'registry_error', status: 503, retryable: true });
    expect(server.requests().filter((r) => r.path !== '/v2/')).toHaveLength(3);
  });

  it('retries a connection reset', async () => {
    const server = await serve((req, res, { index }) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      if (index === 1) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(manifestBody);
    });
    const fetched = await client().getManifest({ registry: server.host, repository: 'a' }, 'v1');
    expect(fetched.digest).toBe(manifestDigest);
  });
});

describe('timeouts and aborts', () => {
  it('times out on a server that never answers', async () => {
    const server = await serve(() => {
      /* stall: never answer */
    });
    const e = await errorOf(client({ readTimeoutMs: 300, retry: { maxRetries: 0 } }).ping(server.host));
    expect(e).toMatchObject({ code: 'timeout', retryable: true });
    expect((e as Error).message).toContain(server.host);
  });

  it('times out when a blob stalls halfway', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(200, { 'content-length': '100' });
      res.write(Buffer.alloc(10));
    });
    const stream = await client({ readTimeoutMs: 300, retry: { maxRetries: 0 } }).openBlob(
      { registry: server.host, repository: 'a' },
      { digest: `sha256:${'2'.repeat(64)}`, size: 100 },
    );
    await expect(readLimited(stream, 1000, 'blob')).rejects.toMatchObject({
      code: 'timeout',
      retryable: true,
    });
  });

  it('stops at once when the caller aborts', async () => {
    const server = await serve(() => {});
    const controller = new AbortController();
    const pending = client().ping(server.host, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });
});

describe('auth', () => {
  it('caches a token per scope, refreshes it before expiry, and again on 401', async () => {
    let issued = 0;
    let acceptedToken = 't1';
    const auth = await serve((req, res) => {
      issued++;
      expect(req.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: `t${issued}`, expires_in: 60 }));
    });
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== `Bearer ${acceptedToken}`) {
        return void res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="${auth.url}/token",service="svc",scope="repository:a:pull"`,
          })
          .end();
      }
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(manifestBody);
    });
    let now = 1_000_000;
    const c = client({
      keychain: staticKeychain({ [registry.host]: basicAuthenticator('u', 'p') }),
      now: () => now,
    });
    const locator = { registry: registry.host, repository: 'a' };
    await c.getManifest(locator, 'v1');
    await c.getManifest(locator, 'v1');
    expect(issued).toBe(1);
    expect(auth.requests()[0]?.path).toBe('/token?service=svc&scope=repository%3Aa%3Apull&account=u');

    now += 55_000; // within the refresh margin of a 60 s token
    acceptedToken = 't2';
    await c.getManifest(locator, 'v1');
    expect(issued).toBe(2);

    acceptedToken = 't3'; // the registry stops accepting t2 before it expires: refresh on 401
    await c.getManifest(locator, 'v1');
    expect(issued).toBe(3);
  });

  it('reports wrong credentials as unauthorized without leaking them', async () => {
    const auth = await serve(
      (_req, res) => void res.writeHead(401).end('{"details":"incorrect username or password"}'),
    );
    const registry = await serve(
      (_req, res) =>
        void res
          .writeHead(401, { 'www-authenticate': `Bearer realm="${auth.url}/token",service="svc"` })
          .end(),
    );
    const c = client({
      keychain: staticKeychain({ [registry.host]: basicAuthenticator('alice', 'hunter2-secret') }),
    });
    const e = await errorOf(c.getManifest({ registry: registry.host, repository: 'a' }, 'v1'));
    expect(isOciError(e, 'unauthorized')).toBe(true);
    expect(JSON.stringify(e) + String(e) + (e as Error).stack).not.toContain('hunter2-secret');
  });

  it('refuses a token realm on a link-local address (cloud metadata)', async () => {
    const registry = await serve(
      (_req, res) =>
        void res
          .writeHead(401, {
            'www-authenticate': 'Bearer realm="http://169.254.169.254/latest/meta-data/",service="x"',
          })
          .end(),
    );
    const e = await errorOf(client().getManifest({ registry: registry.host, repository: 'a' }, 'v1'));
    expect(isOciError(e, 'endpoint_blocked')).toBe(true);
  });

  it('blocks loopback registries under the strict policy', async () => {
    const registry = await serve((_req, res) => void res.writeHead(200).end());
    const e = await errorOf(client({ endpointPolicy: 'strict' }).ping(registry.host));
    expect(isOciError(e, 'endpoint_blocked')).toBe(true);
  });

  it('uses Basic credentials when the registry asks for Basic', async () => {
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"repositories":["x"]}');
    });
    const c = client({ keychain: staticKeychain({ [registry.host]: basicAuthenticator('u', 'p') }) });
    expect((await c.listRepositoriesPage(registry.host)).items).toEqual(['x']);
  });
});

describe('redirects', () => {
  it('follows a blob redirect to a second host without sending Authorization there', async () => {
    const blob = Buffer.from('layer bytes from storage');
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    // A second host: the same loopback interface under another address.
    const storageRequests: IncomingHttpHeaders[] = [];
    const storage = createServer((req, res) => {
      storageRequests.push(req.headers);
      res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.2', resolve));
    onTestFinished(() => void storage.close());
    const storageUrl = `http://127.0.0.2:${(storage.address() as AddressInfo).port}`;
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      }
      res.writeHead(307, { location: `${storageUrl}/data?X-Amz-Signature=abc` }).end();
    });
    const c = client({ keychain: staticKeychain({ [registry.host]: basicAuthenticator('u', 'p') }) });
    const stream = await c.openBlob(
      { registry: registry.host, repository: 'a' },
      { digest, size: blob.length },
    );
    expect((await readLimited(stream, 1000, 'blob')).equals(blob)).toBe(true);
    expect(storageRequests).toHaveLength(1);
    expect(storageRequests[0]?.authorization).toBeUndefined();
    expect(storageRequests[0]?.host).toMatch(/^127\.0\.0\.2:/);
    expect(registry.requests().at(-1)?.headers.authorization).toMatch(/^Basic /);
  });

  it('stops after too many redirects', async () => {
    const registry = await serve((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(302, { location: '/loop' }).end();
    });
    const e = await errorOf(
      client().openBlob({ registry: registry.host, repository: 'a' }, { digest: `sha256:${'3'.repeat(64)}` }),
    );
    expect(e).toMatchObject({ code: 'invalid_response' });
    expect((e as Error).message).toMatch(/more than 5 redirects/);
  });
});

describe('hostile or unusual answers', () => {
  const answer = (status: number, headers: Record<string, string>, body: string | Buffer) =>
    serve((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(status, headers).end(body);
    });

  it('refuses Docker schema 1 manifests', async () => {
    const server = await answer(
      200,
      { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
      '{"schemaVersion":1,"fsLayers":[]}',
    );
    const e = await errorOf(client().getManifest({ registry: server.host, repository: 'a' }, 'old'));
    expect(isOciError(e, 'unsupported_manifest')).toBe(true);
  });

  it('refuses manifests over 8 MiB, declared or streamed', async () => {
    const big = Buffer.alloc(9 * 1024 * 1024, 0x20);
    const declared = await answer(
      200,
      { 'content-type': OCI_MANIFEST, 'content-length': String(big.length) },
      big,
    );
    expect(
      await errorOf(client().getManifest({ registry: declared.host, repository: 'a' }, 'x')),
    ).toMatchObject({ code: 'manifest_too_large' });
    const streamed = await serve((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'transfer-encoding': 'chunked' });
      res.write(big.subarray(0, 5 * 1024 * 1024));
      res.end(big.subarray(5 * 1024 * 1024));
    });
    expect(
      await errorOf(client().getManifest({ registry: streamed.host, repository: 'a' }, 'x')),
    ).toMatchObject({ code: 'manifest_too_large' });
  });

  it('detects a manifest whose bytes do not match Docker-Content-Digest', async () => {
    const server = await answer(
      200,
      { 'content-type': OCI_MANIFEST, 'docker-content-digest': `sha256:${'4'.repeat(64)}` },
      manifestBody,
    );
    expect(
      await errorOf(client().getManifest({ registry: server.host, repository: 'a' }, 'v1')),
    ).toMatchObject({ code: 'digest_mismatch' });
  });

  it('maps 404 with the registry diagnostics', async () => {
    const server = await answer(
      404,
      { 'content-type': 'application/json' },
      JSON.stringify({
        errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'nope' } }],
      }),
    );
    const e = await errorOf(client().getManifest({ registry: server.host, repository: 'a' }, 'nope'));
    expect(e).toMatchObject({
      code: 'not_found',
      status: 404,
      diagnostics: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'nope' } }],
    });
    expect((e as Error).message).toBe(
      `manifest a:nope was not found on ${server.host}: MANIFEST_UNKNOWN manifest unknown`,
    );
  });

  it('says clearly when the endpoint is not a registry or not reachable', async () => {
    const notRegistry = await serve((_req, res) => void res.writeHead(404).end('<html>'));
    expect(await errorOf(client().ping(notRegistry.host))).toMatchObject({ code: 'endpoint_unreachable' });
    const port = notRegistry.port;
    await notRegistry.stop();
    servers.splice(servers.indexOf(notRegistry), 1);
    const e = await errorOf(client({ retry: { maxRetries: 0 } }).ping(`127.0.0.1:${port}`));
    expect(e).toMatchObject({ code: 'endpoint_unreachable' });
    expect((e as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('paginates tags through absolute Link headers and n/last', async () => {
    const all = Array.from({ length: 7 }, (_, i) => `v${i}`);
    const server = await serve((req, res, { url }) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      const u = new URL(req.url ?? '/', url);
      const n = Number(u.searchParams.get('n'));
      const last = u.searchParams.get('last');
      const start = last ? all.indexOf(last) + 1 : 0;
      const page = all.slice(start, start + n);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (start + n < all.length)
        headers.link = `<${url}/v2/r/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify({ name: 'r', tags: page }));
    });
    const c = client();
    const got: string[] = [];
    for await (const tag of c.listTags({ registry: server.host, repository: 'r' }, { pageSize: 3 }))
      got.push(tag);
    expect(got).toEqual(all);
    expect(
      server
        .requests()
        .filter((r) => r.path.startsWith('/v2/r'))
        .map((r) => r.path),
    ).toEqual(['/v2/r/tags/list?n=3', '/v2/r/tags/list?n=3&last=v2', '/v2/r/tags/list?n=3&last=v5']);
  });

  it('refuses a page cursor that points elsewhere', async () => {
    const server = await answer(200, {}, '{}');
    await expect(
      client().listTagsPage(
        { registry: server.host, repository: 'r' },
        { next: 'http://evil.example/v2/r/tags/list' },
      ),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

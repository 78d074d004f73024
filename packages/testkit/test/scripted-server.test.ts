import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startRecordingProxy, startScriptedServer } from '../src/index.js';

describe('startScriptedServer', () => {
  it('runs the handler and records requests in order', async () => {
    const server = await startScriptedServer((_request, response, { index }) => {
      if (index === 0) {
        response.writeHead(429, { 'retry-after': '1' }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    try {
      expect(server.url).toBe(`http://${server.host}`);
      const first = await fetch(`${server.url}/v2/?a=1`);
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBe('1');
      const second = await fetch(`${server.url}/v2/`, { headers: { 'x-test': 'yes' } });
      expect(await second.json()).toEqual({ ok: true });
      expect(server.requests().map(({ index, method, path }) => [index, method, path])).toEqual([
        [0, 'GET', '/v2/?a=1'],
        [1, 'GET', '/v2/'],
      ]);
      expect(server.requests()[1]?.headers['x-test']).toBe('yes');
      server.clearRequests();
      expect(server.requests()).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it('answers 500 when the handler throws', async () => {
    const server = await startScriptedServer(() => {
      throw new Error('boom');
    });
    try {
      const response = await fetch(server.url);
      expect(response.status).toBe(500);
      expect(await response.text()).toContain('boom');
    } finally {
      await server.stop();
    }
  });

  it('stops promptly even with a stalled response open', async () => {
    const server = await startScriptedServer((_request, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('partial'); // and never finishes
    });
    const response = await fetch(server.url);
    const reader = response.body?.getReader();
    await reader?.read();
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(reader?.read()).rejects.toThrow();
  });

  it('can redirect to a second host', async () => {
    const second = await startScriptedServer((_request, response) => {
      response.end('from second');
    });
    const first = await startScriptedServer((request, response) => {
      response.writeHead(307, { location: `${second.url}${request.url ?? '/'}` }).end();
    });
    try {
      const response = await fetch(`${first.url}/v2/r/blobs/sha256:abc`);
      expect(await response.text()).toBe('from second');
      expect(second.requests()[0]?.path).toBe('/v2/r/blobs/sha256:abc');
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});

describe('freePort', () => {
  it('returns a usable loopback port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThan(65536);
  });
});

describe('startRecordingProxy', () => {
  it('streams bodies both ways, rewrites upstream Location headers and logs JSON lines', async () => {
    let upstreamHost = '';
    const upstream = await startScriptedServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      if (request.method === 'POST') {
        response.writeHead(202, { location: `http://${upstreamHost}/v2/r/blobs/uploads/1?state=x` }).end();
        return;
      }
      response.writeHead(200, {
        'x-received': String(body.byteLength),
        'x-host': request.headers.host ?? '',
      });
      response.end(Buffer.alloc(200_000, 7));
    });
    upstreamHost = upstream.host;
    const dir = await mkdtemp(join(tmpdir(), 'berth-proxy-'));
    const logFile = join(dir, 'requests.jsonl');
    const proxy = await startRecordingProxy(upstream.host, { logFile });
    try {
      const upload = await fetch(`${proxy.url}/v2/r/blobs/uploads/`, {
        method: 'POST',
        headers: { authorization: 'Bearer secret-token' },
      });
      expect(upload.status).toBe(202);
      expect(upload.headers.get('location')).toBe(`${proxy.url}/v2/r/blobs/uploads/1?state=x`);

      const put = await fetch(`${proxy.url}/v2/r/blobs/uploads/1?state=x`, {
        method: 'PUT',
        body: Buffer.alloc(300_000, 1),
      });
      expect(put.headers.get('x-received')).toBe('300000');
      expect(put.headers.get('x-host')).toBe(proxy.host);
      expect((await put.arrayBuffer()).byteLength).toBe(200_000);

      expect(proxy.requests()).toEqual([
        expect.objectContaining({
          method: 'POST',
          path: '/v2/r/blobs/uploads/',
          status: 202,
          authorization: true,
        }),
        expect.objectContaining({
          method: 'PUT',
          path: '/v2/r/blobs/uploads/1?state=x',
          status: 200,
          authorization: false,
        }),
      ]);
      expect(proxy.requests()[0]?.headers.authorization).toBe('Bearer ***');
      const lines = (await readFile(logFile, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);
      expect(lines).toEqual([
        expect.objectContaining({ method: 'POST', status: 202, proxy: proxy.host, upstream: upstream.host }),
        expect.objectContaining({ method: 'PUT', status: 200 }),
      ]);
      expect(await readFile(logFile, 'utf8')).not.toContain('secret-token');
    } finally {
      await Promise.all([proxy.stop(), upstream.stop()]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers 502 when the upstream is down', async () => {
    const proxy = await startRecordingProxy(`127.0.0.1:${await freePort()}`);
    try {
      const response = await fetch(`${proxy.url}/v2/`);
      expect(response.status).toBe(502);
      expect(proxy.requests()).toEqual([expect.objectContaining({ path: '/v2/', status: 502 })]);
    } finally {
      await proxy.stop();
    }
  });
});

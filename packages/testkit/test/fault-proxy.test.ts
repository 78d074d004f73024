import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, startScriptedServer, type FaultProxy, type ScriptedServer } from '../src/index.js';

const BODY = Buffer.alloc(64 * 1024, 7);

let upstream: ScriptedServer | undefined;
let proxy: FaultProxy | undefined;

afterEach(async () => {
  await proxy?.stop();
  await upstream?.stop();
});

async function start(): Promise<FaultProxy> {
  upstream = await startScriptedServer((req, res) => {
    res.writeHead(200, { 'content-length': String(BODY.length) }).end(req.url === '/big' ? BODY : undefined);
  });
  proxy = await startFaultProxy(upstream.host);
  return proxy;
}

/** GET through plain node:http: the received bytes and how the response ended. */
function get(url: string): Promise<{ bytes: number; outcome: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ bytes, outcome: 'complete' }));
      res.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ bytes, outcome: error.code ?? error.message }),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ bytes: 0, outcome: error.code ?? error.message }),
    );
    req.end();
  });
}

describe('startFaultProxy', () => {
  it('forwards untouched, cuts one response mid-body, is down until restored', async () => {
    const p = await start();
    expect(await get(`${p.url}/big`)).toEqual({ bytes: BODY.length, outcome: 'complete' });
    p.cutAfter((r) => r.path === '/big', 1000, { vanish: true });
    expect(await get(`${p.url}/big`)).toEqual({ bytes: 1000, outcome: 'ECONNRESET' });
    expect(p.cuts()).toBe(1);
    expect(p.isDown()).toBe(true);
    expect((await get(`${p.url}/big`)).outcome).toBe('ECONNRESET');
    p.restore();
    expect(await get(`${p.url}/big`)).toEqual({ bytes: BODY.length, outcome: 'complete' });
    expect(p.forwarded().map((r) => r.path)).toEqual(['/big', '/big', '/big']);
  });

  it('holds matching requests until released', async () => {
    const p = await start();
    p.hold((r) => r.path === '/big');
    const held = get(`${p.url}/big`);
    for (let i = 0; i < 100 && p.held().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(p.held()).toEqual([{ method: 'GET', path: '/big' }]);
    expect(upstream?.requests()).toEqual([]);
    p.release();
    expect(await held).toEqual({ bytes: BODY.length, outcome: 'complete' });
    expect(p.held()).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startPostgres,
  startRegistry,
  type OciLayout,
  type RunningPostgres,
  type RunningRegistry,
} from '@berth/testkit';
import { Api, startTestServer, type TestServer } from './harness.js';

// PostgreSQL restarted under load (its own cluster: the shared one serves other files): the
// server keeps running, answers errors while the database is away, and afterwards serves
// requests and runs jobs again without a restart of its own.

let postgres: RunningPostgres;
let registry: RunningRegistry;
let layout: OciLayout;
let server: TestServer;

beforeAll(async () => {
  [postgres, registry, layout] = await Promise.all([
    startPostgres(),
    startRegistry({ auth: 'none' }),
    createLayout(),
  ]);
  await layout.addImage('app', {
    layers: [{ createdBy: 'ADD app', entries: [{ type: 'file', path: 'srv/app.txt', content: 'app\n' }] }],
  });
  await pushImage(layout, 'app', registry, 'team/app:1');
  server = await startTestServer({ BERTH_DATABASE_URL: await postgres.createDatabase('restart') });
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([postgres?.stop(), registry?.stop(), layout?.remove()]);
});

describe('PostgreSQL restarted under load', () => {
  it('recovers by itself: requests succeed again and queued jobs run', async () => {
    const api = new Api(server.url);
    expect((await api.signup('ops@example.com', 'ops password 1')).status).toBe(201);
    const statuses = new Map<number, number>();
    let load = true;
    const loops = Array.from({ length: 4 }, async () => {
      while (load) {
        const res = await api.call('GET', '/api/v1/me').catch(() => ({ status: 0 }));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    await postgres.restart();
    // Back within a few attempts: the pool drops the dead connections and opens new ones.
    for (let i = 0; i < 100 && (await api.call('GET', '/api/v1/me')).status !== 200; i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    load = false;
    await Promise.all(loops);
    expect(statuses.get(200)).toBeGreaterThan(0);
    // Only successes and server-side errors: never a hang (0) or a wrong answer.
    expect([...statuses.keys()].filter((s) => s !== 200 && s < 500)).toEqual([]);
    expect((await api.call('GET', '/api/v1/me')).status).toBe(200);
    expect((await api.call<{ status: string }>('GET', '/readyz')).body).toEqual({ status: 'ok' });

    const created = await api.call<{ id: string }>('POST', '/api/v1/connectors', {
      platform: 'generic',
      name: 'After the restart',
      config: { endpoint: registry.url },
    });
    expect(created.status).toBe(201);
    await server.runtime.jobs.idle();
    const connector = await api.call<{ status: string; repositoryCount: number }>(
      'GET',
      `/api/v1/connectors/${created.body.id}`,
    );
    expect(connector.body).toMatchObject({ status: 'ok', repositoryCount: 1 });
  });
});

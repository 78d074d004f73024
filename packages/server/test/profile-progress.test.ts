import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLayout, pushImage, startRegistry, type OciLayout, type RunningRegistry } from '@berth/testkit';
import { Api, startTestServer, TEST_ENGINE, testDatabaseEnv, type TestServer } from './harness.js';

// An analysis whose progress cannot be written (the database refuses those writes, as a
// database that is briefly away would) still completes: progress is best effort, reported once
// on stderr without secrets, and never an unhandled rejection that could end the process.

let server: TestServer;
let registry: RunningRegistry;
let layout: OciLayout;

beforeAll(async () => {
  [server, registry, layout] = await Promise.all([
    startTestServer(),
    startRegistry({ auth: 'none' }),
    createLayout(),
  ]);
  await layout.addImage('app', {
    layers: [
      { createdBy: 'ADD a', entries: [{ type: 'file', path: 'srv/a.txt', content: 'a\n'.repeat(1000) }] },
      { createdBy: 'ADD b', entries: [{ type: 'file', path: 'srv/b.txt', content: 'b\n'.repeat(1000) }] },
    ],
  });
  await layout.addImage('app2', {
    layers: [
      { createdBy: 'ADD a', entries: [{ type: 'file', path: 'srv/a.txt', content: 'a\n'.repeat(1000) }] },
      { createdBy: 'ADD b', entries: [{ type: 'file', path: 'srv/b.txt', content: 'b\n'.repeat(2000) }] },
    ],
  });
  await pushImage(layout, 'app', registry, 'team/app:1');
  await pushImage(layout, 'app2', registry, 'team/app:2');
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([registry?.stop(), layout?.remove()]);
});

/** Makes the database refuse every write to a running profile (or diff) that leaves it running: progress. */
async function refuseProgressWrites(table: 'profiles' | 'diffs' = 'profiles'): Promise<void> {
  const message = 'progress writes refused by the test';
  const name = `refuse_${table}_progress`;
  if (TEST_ENGINE === 'postgres') {
    await sql
      .raw(
        `create function ${name}() returns trigger language plpgsql as $$ begin raise exception '${message}'; end $$`,
      )
      .execute(server.runtime.db);
    await sql
      .raw(
        `create trigger ${name} before update on ${table} for each row
           when (old.status = 'running' and new.status = 'running') execute function ${name}()`,
      )
      .execute(server.runtime.db);
  } else {
    await sql
      .raw(
        `create trigger ${name} before update on ${table}
           when old.status = 'running' and new.status = 'running'
           begin select raise(abort, '${message}'); end`,
      )
      .execute(server.runtime.db);
  }
}

describe('profile progress writes that fail', () => {
  it('do not stop the analysis: the profile completes, one warning, no unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      await refuseProgressWrites();
      const api = new Api(server.url);
      await api.signup('ops@example.com', 'ops password 1');
      const connector = await api.call<{ id: string }>('POST', '/api/v1/connectors', {
        platform: 'generic',
        name: 'Local',
        config: { endpoint: registry.url },
      });
      expect(connector.status).toBe(201);
      const requested = await api.call<{ id: string }>('POST', '/api/v1/profiles', {
        image: { connectorId: connector.body.id, repository: 'team/app', reference: '1' },
      });
      expect(requested.status).toBe(202);
      await server.runtime.jobs.idle();
      const state = await api.call<{
        status: string;
        error?: string;
        progress: { layersDone: number; layersTotal: number } | null;
        profile?: { layers: unknown[] };
      }>('GET', `/api/v1/profiles/${requested.body.id}`);
      expect(state.body.status).toBe('done');
      expect(state.body.error).toBeUndefined();
      expect(state.body.profile?.layers).toHaveLength(2);
      // Only the final write (with the outcome) got through: it carries the complete progress.
      expect(state.body.progress).toMatchObject({ layersDone: 2, layersTotal: 2 });
      const job = await server.runtime.db
        .selectFrom('jobs')
        .select(['status', 'attempts', 'error'])
        .where('kind', '=', 'profile.analyze')
        .execute();
      expect(job).toEqual([{ status: 'done', attempts: 1, error: null }]);

      // Several progress writes failed; the operator hears about it once, in one line.
      const warnings = stderr.mock.calls
        .map(([chunk]) => String(chunk))
        .filter((line) => line.includes('could not record the analysis progress'));
      expect(warnings).toEqual([
        `berth: profile ${requested.body.id}: could not record the analysis progress (progress writes refused by the test); the analysis goes on\n`,
      ]);
      const url = (await testDatabaseEnv(server.dataDir)).BERTH_DATABASE_URL;
      if (url) expect(warnings.join('')).not.toContain(url);
      expect(rejections).toEqual([]);
    } finally {
      stderr.mockRestore();
      process.off('unhandledRejection', onRejection);
    }
  });
});

describe('diff progress writes that fail', () => {
  it('do not stop the diff: it completes, with one warning', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      await refuseProgressWrites('diffs');
      const api = new Api(server.url);
      await api.signup('diff-ops@example.com', 'ops password 2');
      const connector = await api.call<{ id: string }>('POST', '/api/v1/connectors', {
        platform: 'generic',
        name: 'Local',
        config: { endpoint: registry.url },
      });
      const image = (reference: string) => ({
        connectorId: connector.body.id,
        repository: 'team/app',
        reference,
      });
      const requested = await api.call<{ id: string }>('POST', '/api/v1/diffs', {
        left: { image: image('1') },
        right: { image: image('2') },
      });
      expect(requested.status).toBe(202);
      await server.runtime.jobs.idle();
      const state = await api.call<{
        status: string;
        error?: string;
        diff?: { summary: { filesModified: number } };
      }>('GET', `/api/v1/diffs/${requested.body.id}`);
      expect(state.body.status).toBe('done');
      expect(state.body.diff?.summary.filesModified).toBe(1);
      const warnings = stderr.mock.calls
        .map(([chunk]) => String(chunk))
        .filter((line) => line.includes('could not record the progress'));
      expect(warnings).toEqual([
        `berth: diff ${requested.body.id}: could not record the progress (progress writes refused by the test); the diff goes on\n`,
      ]);
    } finally {
      stderr.mockRestore();
    }
  });
});

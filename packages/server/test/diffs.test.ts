import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayout, pushImage, startRegistry, type OciLayout, type RunningRegistry } from '@berth/testkit';
import { Api, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let registry: RunningRegistry;
let layout: OciLayout;
let alice: Api;
let bob: Api;
let connectorId: string;

interface DiffState {
  id: string;
  status: string;
  error?: string;
  diff?: {
    summary: { filesAdded: number; filesRemoved: number; filesModified: number; sharedLayers: number };
    config: { field: string; left: unknown; right: unknown }[];
    files: { added: { path: string }[]; removed: { path: string }[]; modified: { path: string }[] };
  };
}

async function diffOf(api: Api, left: string, right: string): Promise<{ first: number; state: DiffState }> {
  const image = (reference: string) => ({ image: { connectorId, repository: 'team/app', reference } });
  const res = await api.call<DiffState>('POST', '/api/v1/diffs', { left: image(left), right: image(right) });
  if (res.status !== 200 && res.status !== 202)
    throw new Error(`POST /diffs answered ${res.status}: ${JSON.stringify(res.body)}`);
  let state = res.body;
  while (state.status === 'queued' || state.status === 'running') {
    await new Promise((r) => setTimeout(r, 25));
    state = (await api.call<DiffState>('GET', `/api/v1/diffs/${res.body.id}`)).body;
  }
  return { first: res.status, state };
}

beforeAll(async () => {
  [server, registry, layout] = await Promise.all([
    startTestServer(),
    startRegistry({ auth: 'none' }),
    createLayout(),
  ]);
  const base = {
    createdBy: 'ADD base /',
    entries: [
      { type: 'file' as const, path: 'etc/motd', content: 'hello\nold line\nbye\n' },
      { type: 'file' as const, path: 'etc/gone', content: 'x' },
    ],
  };
  await layout.addImage('v1', { layers: [base], config: { env: ['MODE=one'] } });
  await layout.addImage('v2', {
    layers: [
      base,
      {
        createdBy: 'RUN update',
        entries: [
          { type: 'file', path: 'etc/motd', content: 'hello\nnew line\nbye\n' },
          { type: 'file', path: 'etc/added', content: 'new file' },
          { type: 'whiteout', path: 'etc/gone' },
        ],
      },
    ],
    config: { env: ['MODE=two'] },
  });
  await pushImage(layout, 'v1', registry, 'team/app:1');
  await pushImage(layout, 'v2', registry, 'team/app:2');
  alice = new Api(server.url);
  await alice.signup('alice@example.com', 'alice password 1');
  bob = new Api(server.url);
  await bob.signup('bob@example.com', 'bob password 12');
  connectorId = (
    await alice.call<{ id: string }>('POST', '/api/v1/connectors', {
      platform: 'generic',
      name: 'Registry',
      config: { endpoint: registry.url },
    })
  ).body.id;
});
afterAll(async () => {
  await Promise.all([server?.stop(), registry?.stop(), layout?.remove()]);
});

describe('diffs', () => {
  let diffId: string;

  it('compares two versions: files, config and shared layers', async () => {
    const { first, state } = await diffOf(alice, '1', '2');
    expect(first).toBe(202);
    expect(state.status).toBe('done');
    diffId = state.id;
    expect(state.diff?.summary).toMatchObject({
      filesAdded: 1,
      filesRemoved: 1,
      filesModified: 1,
      sharedLayers: 1,
    });
    expect(state.diff?.files.added.map((f) => f.path)).toEqual(['/etc/added']);
    expect(state.diff?.files.removed.map((f) => f.path)).toEqual(['/etc/gone']);
    expect(state.diff?.files.modified.map((f) => f.path)).toEqual(['/etc/motd']);
    expect(state.diff?.config).toContainEqual(
      expect.objectContaining({ field: 'env.MODE', left: 'one', right: 'two' }),
    );
    const again = await alice.call<DiffState>('POST', '/api/v1/diffs', {
      left: { image: { connectorId, repository: 'team/app', reference: '1' } },
      right: { image: { connectorId, repository: 'team/app', reference: '2' } },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(diffId);
  });

  it('pages file lists and diffs one text file on demand', async () => {
    const page = await alice.call<{ items: { path: string }[]; nextCursor: string | null }>(
      'GET',
      `/api/v1/diffs/${diffId}/files?change=added&limit=1`,
    );
    expect(page.body.items.map((i) => i.path)).toEqual(['/etc/added']);
    const file = await alice.call<{ diff: string; binary: boolean }>(
      'GET',
      `/api/v1/diffs/${diffId}/file?path=/etc/motd`,
    );
    expect(file.status).toBe(200);
    expect(file.body.binary).toBe(false);
    expect(file.body.diff).toContain('-old line');
    expect(file.body.diff).toContain('+new line');
    const missing = await alice.call<{ code: string; detail: string }>(
      'GET',
      `/api/v1/diffs/${diffId}/file?path=/etc/added`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('file_not_found');
    expect(missing.body.detail).toMatch(/^left image/);
  });

  it('gives an empty diff for an image with itself', async () => {
    const { state } = await diffOf(alice, '2', '2');
    expect(state.diff?.summary).toMatchObject({ filesAdded: 0, filesRemoved: 0, filesModified: 0 });
  });

  it('is readable only by users who requested it through their own access', async () => {
    expect((await bob.call('GET', `/api/v1/diffs/${diffId}`)).status).toBe(404);
    expect((await bob.call('GET', `/api/v1/diffs/${diffId}/file?path=/etc/motd`)).status).toBe(404);
    const res = await bob.call('POST', '/api/v1/diffs', {
      left: { image: { connectorId, repository: 'team/app', reference: '1' } },
      right: { image: { connectorId, repository: 'team/app', reference: '2' } },
    });
    expect(res.status).toBe(404);
  });
});

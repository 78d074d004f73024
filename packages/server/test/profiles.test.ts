import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startRegistry,
  type BuiltImage,
  type BuiltIndex,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { Api, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let registry: RunningRegistry;
let open: RunningRegistry;
let layout: OciLayout;
let app: BuiltImage;
let multi: BuiltIndex;
let alice: Api;
let bob: Api;
let aliceConnector: string;
let bobConnector: string;

interface ProfileState {
  id: string;
  status: string;
  progress: { layersDone: number; layersTotal: number } | null;
  error?: string;
  profile?: {
    image: {
      manifestDigest: string;
      indexDigest?: string;
      platform: { architecture: string };
      platforms: unknown[];
    };
    overview: { fileCount: number; runsAsRoot: boolean; user: string };
    layers: { digest: string }[];
    security: { setuid: string[] };
  };
}

async function profileOf(
  api: Api,
  image: Record<string, string>,
): Promise<{ first: number; state: ProfileState }> {
  const res = await api.call<ProfileState>('POST', '/api/v1/profiles', { image });
  if (res.status !== 200 && res.status !== 202)
    throw new Error(`POST /profiles answered ${res.status}: ${JSON.stringify(res.body)}`);
  let state = res.body;
  while (state.status === 'queued' || state.status === 'running') {
    await new Promise((r) => setTimeout(r, 25));
    state = (await api.call<ProfileState>('GET', `/api/v1/profiles/${res.body.id}`)).body;
  }
  return { first: res.status, state };
}

beforeAll(async () => {
  [server, registry, open, layout] = await Promise.all([
    startTestServer(),
    startRegistry({ auth: 'basic' }),
    startRegistry({ auth: 'none' }),
    createLayout(),
  ]);
  app = await layout.addImage('app', {
    layers: [
      {
        createdBy: 'ADD rootfs.tar /',
        entries: [
          {
            type: 'file',
            path: 'etc/os-release',
            content: 'ID=berthos\nVERSION_ID=1\nPRETTY_NAME="Berth OS 1"\n',
          },
          { type: 'file', path: 'usr/bin/tool', content: 'binary', mode: 0o4755 },
          { type: 'file', path: 'tmp/cache.bin', content: 'x'.repeat(4096) },
        ],
      },
      { createdBy: 'RUN rm /tmp/cache.bin', entries: [{ type: 'whiteout', path: 'tmp/cache.bin' }] },
    ],
    config: { user: '1000', entrypoint: ['/usr/bin/tool'] },
  });
  multi = await layout.addIndex(
    'multi',
    [
      {
        platform: { os: 'linux', architecture: 'amd64' },
        layers: [{ entries: [{ type: 'file', path: 'arch', content: 'amd64' }] }],
      },
      {
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        layers: [{ entries: [{ type: 'file', path: 'arch', content: 'arm64' }] }],
      },
    ],
    { attestation: true },
  );
  await pushImage(layout, 'app', registry, 'team/app:1');
  await pushImage(layout, 'multi', registry, 'team/multi:1', { all: true });
  await pushImage(layout, 'app', open, 'public/app:1');
  alice = new Api(server.url);
  await alice.signup('alice@example.com', 'alice password 1');
  bob = new Api(server.url);
  await bob.signup('bob@example.com', 'bob password 12');
  const body = {
    platform: 'generic',
    name: 'Registry',
    config: { endpoint: registry.url },
    credentials: { ...registry.credentials },
  };
  aliceConnector = (await alice.call<{ id: string }>('POST', '/api/v1/connectors', body)).body.id;
  bobConnector = (await bob.call<{ id: string }>('POST', '/api/v1/connectors', body)).body.id;
});
afterAll(async () => {
  await Promise.all([server?.stop(), registry?.stop(), open?.stop(), layout?.remove()]);
});

describe('profiles', () => {
  let profileId: string;

  it('analyses an image once, then answers at once', async () => {
    const { first, state } = await profileOf(alice, {
      connectorId: aliceConnector,
      repository: 'team/app',
      reference: '1',
    });
    expect(first).toBe(202);
    expect(state.status).toBe('done');
    expect(state.progress).toMatchObject({ layersDone: 2, layersTotal: 2 });
    expect(state.profile?.image.manifestDigest).toBe(app.manifestDigest);
    expect(state.profile?.overview).toMatchObject({ fileCount: 2, runsAsRoot: false, user: '1000' });
    expect(state.profile?.security.setuid).toEqual(['/usr/bin/tool']);
    profileId = state.id;
    const again = await alice.call<ProfileState>('POST', '/api/v1/profiles', {
      image: { connectorId: aliceConnector, repository: 'team/app', reference: app.manifestDigest },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: profileId, status: 'done' });
  });

  it('shares the analysis with another user who reaches the image, and with no one else', async () => {
    expect((await bob.call('GET', `/api/v1/profiles/${profileId}`)).status).toBe(404);
    expect((await bob.call('GET', `/api/v1/profiles/${profileId}/files?path=/`)).status).toBe(404);
    const shared = await bob.call<ProfileState>('POST', '/api/v1/profiles', {
      image: { connectorId: bobConnector, repository: 'team/app', reference: '1' },
    });
    expect(shared.status).toBe(200);
    expect(shared.body.id).toBe(profileId);
    const jobs = await server.runtime.db
      .selectFrom('jobs')
      .select('key')
      .where('kind', '=', 'profile.analyze')
      .execute();
    expect(jobs.filter((j) => j.key === `profile:${app.manifestDigest}`)).toHaveLength(1);
    expect(
      (
        await bob.call('POST', '/api/v1/profiles', {
          image: { connectorId: aliceConnector, repository: 'team/app', reference: '1' },
        })
      ).status,
    ).toBe(404);
  });

  it('picks a platform of a multi-arch image and reports the choice', async () => {
    const { state } = await profileOf(alice, {
      connectorId: aliceConnector,
      repository: 'team/multi',
      reference: '1',
      platform: 'linux/arm64',
    });
    expect(state.profile?.image).toMatchObject({
      indexDigest: multi.indexDigest,
      manifestDigest: multi.images[1]?.manifestDigest,
      platform: { architecture: 'arm64' },
    });
    expect(state.profile?.image.platforms).toHaveLength(2);
    const missing = await alice.call<{ code: string }>('POST', '/api/v1/profiles', {
      image: {
        connectorId: aliceConnector,
        repository: 'team/multi',
        reference: '1',
        platform: 'linux/s390x',
      },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('platform_not_found');
  });

  it('browses the merged file system and one layer', async () => {
    const root = await alice.call<{ items: { name: string; type: string }[] }>(
      'GET',
      `/api/v1/profiles/${profileId}/files?path=/`,
    );
    expect(root.body.items.map((i) => `${i.name}:${i.type}`)).toEqual(['etc:dir', 'tmp:dir', 'usr:dir']);
    const bin = await alice.call<{ items: { name: string; path: string; mode: number; size: number }[] }>(
      'GET',
      `/api/v1/profiles/${profileId}/files?path=/usr/bin`,
    );
    expect(bin.body.items).toEqual([
      expect.objectContaining({ name: 'tool', path: '/usr/bin/tool', size: 6, mode: 0o4755 }),
    ]);
    expect(
      (await alice.call<{ items: unknown[] }>('GET', `/api/v1/profiles/${profileId}/files?path=/tmp`)).body
        .items,
    ).toEqual([]);
    const layer1 = await alice.call<{ items: { name: string }[] }>(
      'GET',
      `/api/v1/profiles/${profileId}/files?path=/tmp&layer=0`,
    );
    expect(layer1.body.items.map((i) => i.name)).toEqual(['cache.bin']);
    expect((await alice.call('GET', `/api/v1/profiles/${profileId}/files?path=/etc/os-release`)).status).toBe(
      404,
    );
    expect(
      (await alice.call<{ code: string }>('GET', `/api/v1/profiles/${profileId}/files?path=/../etc`)).body
        .code,
    ).toBe('invalid_request');
  });

  it('reports each directory’s total size: the merged subtree, or what one layer writes there', async () => {
    type Listing = { totalSize: number; items: { name: string; totalSize?: number }[] };
    const osRelease = 'ID=berthos\nVERSION_ID=1\nPRETTY_NAME="Berth OS 1"\n'.length;
    const root = (await alice.call<Listing>('GET', `/api/v1/profiles/${profileId}/files?path=/`)).body;
    expect(root.items.map((i) => [i.name, i.totalSize])).toEqual([
      ['etc', osRelease],
      ['tmp', 0],
      ['usr', 6],
    ]);
    expect(root.totalSize).toBe(osRelease + 6);
    const usr = (await alice.call<Listing>('GET', `/api/v1/profiles/${profileId}/files?path=/usr`)).body;
    expect(usr).toMatchObject({ totalSize: 6, items: [{ name: 'bin', totalSize: 6 }] });
    const bin = (await alice.call<Listing>('GET', `/api/v1/profiles/${profileId}/files?path=/usr/bin`)).body;
    expect(bin.items[0]).not.toHaveProperty('totalSize');
    // Layer 0 still holds the cache file the next layer deletes.
    const layer0 = (await alice.call<Listing>('GET', `/api/v1/profiles/${profileId}/files?path=/&layer=0`))
      .body;
    expect(layer0.totalSize).toBe(osRelease + 6 + 4096);
    const tmp0 = (await alice.call<Listing>('GET', `/api/v1/profiles/${profileId}/files?path=/tmp&layer=0`))
      .body;
    expect(tmp0.totalSize).toBe(4096);
  });

  it('serves the reconstructed Dockerfile and SBOMs', async () => {
    const dockerfile = await fetch(`${server.url}/api/v1/profiles/${profileId}/dockerfile`, {
      headers: { cookie: alice.cookie ?? '' },
    });
    expect(dockerfile.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await dockerfile.text()).toMatch(/RUN rm \/tmp\/cache\.bin/);
    const cdx = await alice.call<{ bomFormat: string; specVersion: string }>(
      'GET',
      `/api/v1/profiles/${profileId}/sbom?format=cyclonedx-json`,
    );
    expect(cdx.body).toMatchObject({ bomFormat: 'CycloneDX' });
    const spdx = await alice.call<{ spdxVersion: string }>(
      'GET',
      `/api/v1/profiles/${profileId}/sbom?format=spdx-json`,
    );
    expect(spdx.body.spdxVersion).toBe('SPDX-2.3');
    expect((await alice.call('GET', `/api/v1/profiles/${profileId}/sbom?format=xml`)).status).toBe(400);
  });

  it('profiles a public image by reference', async () => {
    const { state } = await profileOf(alice, { ref: `${open.host}/public/app:1` });
    expect(state.status).toBe('done');
    expect(state.profile?.image.manifestDigest).toBe(app.manifestDigest);
  });

  it('names what is missing', async () => {
    const res = await alice.call<{ code: string; detail: string }>('POST', '/api/v1/profiles', {
      image: { connectorId: aliceConnector, repository: 'team/app', reference: 'nope' },
    });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
    expect(res.body.detail).toMatch(/team\/app:nope/);
    expect(
      (await alice.call<{ code: string }>('POST', '/api/v1/profiles', { image: { ref: 'Not A Ref' } })).body
        .code,
    ).toBe('invalid_reference');
  });

  it('forgets profiles only a deleted connector could reach', async () => {
    const { state } = await profileOf(bob, {
      connectorId: bobConnector,
      repository: 'team/multi',
      reference: '1',
    });
    expect((await bob.call('DELETE', `/api/v1/connectors/${bobConnector}`)).status).toBe(204);
    expect((await bob.call('GET', `/api/v1/profiles/${state.id}`)).status).toBe(404);
    expect(
      await server.runtime.db
        .selectFrom('profiles')
        .select('id')
        .where('id', '=', state.id)
        .executeTakeFirst(),
    ).toBeUndefined();
    // Alice still reaches the shared app profile through her connector.
    expect((await alice.call('GET', `/api/v1/profiles/${profileId}`)).status).toBe(200);
  });
});

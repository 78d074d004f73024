// A one-shot profile (no layer cache) asks for its first layers while the image config is
// still on its way: shown with the config request held unanswered by a proxy in front of the
// real registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startFaultProxy,
  startRegistry,
  until,
  type BuiltImage,
  type FaultProxy,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { RegistryClient, remoteImageSource } from '@berth/oci';
import { memoryLayerCache, profileImage } from '@berth/analysis';

let layout: OciLayout;
let registry: RunningRegistry;
let proxy: FaultProxy;
let image: BuiltImage;

beforeAll(async () => {
  layout = await createLayout();
  registry = await startRegistry({ auth: 'none' });
  image = await layout.addImage('app', {
    layers: [
      { entries: [{ type: 'file', path: 'etc/os-release', content: 'ID=berth\n' }] },
      { entries: [{ type: 'file', path: 'app/one', content: 'one' }] },
    ],
  });
  await pushImage(layout, 'app', registry, 'team/app:1');
  proxy = await startFaultProxy(registry.pushHost);
}, 120_000);

afterAll(async () => {
  await Promise.all([proxy?.stop(), registry?.stop(), layout?.remove()]);
});

describe('layer prefetch', () => {
  const configPath = () => `/blobs/${image.configDigest}`;
  const layerPaths = () => image.layers.map((l) => `/blobs/${l.digest}`);

  it('requests the first layers while the config is still being fetched', async () => {
    const client = new RegistryClient();
    proxy.hold((r) => r.path.endsWith(configPath()));
    try {
      const profiling = profileImage(
        remoteImageSource(client, { registry: proxy.host, repository: 'team/app' }),
        '1',
      );
      await until('the config request', () => proxy.held().length === 1 || undefined, 10_000);
      // Both layers (the default layer concurrency is above 2) go out before the config is in.
      await until(
        'the layer requests',
        () => layerPaths().every((p) => proxy.forwarded().some((r) => r.path.endsWith(p))) || undefined,
        10_000,
      );
      proxy.release();
      const profile = await profiling;
      expect(profile.overview.os.id).toBe('berth');
      expect(profile.layers).toHaveLength(2);
      // Each layer was fetched once: the prefetched responses were the ones analysed.
      for (const p of layerPaths()) {
        expect(proxy.forwarded().filter((r) => r.path.endsWith(p))).toHaveLength(1);
      }
    } finally {
      proxy.release();
      await client.close();
    }
  });

  it('prefetches nothing when layers may come from a cache', async () => {
    const client = new RegistryClient();
    const before = proxy.forwarded().length;
    proxy.hold((r) => r.path.endsWith(configPath()));
    try {
      const profiling = profileImage(
        remoteImageSource(client, { registry: proxy.host, repository: 'team/app' }),
        '1',
        {
          cache: memoryLayerCache(),
        },
      );
      await until('the config request', () => proxy.held().length === 1 || undefined, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const during = proxy.forwarded().slice(before);
      expect(during.filter((r) => layerPaths().some((p) => r.path.endsWith(p)))).toEqual([]);
      proxy.release();
      await profiling;
    } finally {
      proxy.release();
      await client.close();
    }
  });
});

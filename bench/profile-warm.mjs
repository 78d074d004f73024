// Child process of bench/run.ts: profiles one image in-process with Berth's engine (compiled
// packages), once cold, then RUNS times warm (a) from the in-memory layer cache only (manifest
// and config fetched, the profile composed again from the cached layer results) and (b) from
// the profile cache as well (manifest and config fetched, the composed profile reused: what a
// server does for an image it has profiled). Prints {coldMs, warmLayerMs[], warmProfileMs[]}.
import { RegistryClient, remoteImageSource } from '@berth/oci';
import { memoryLayerCache, memoryProfileCache, profileImage } from '@berth/analysis';

const [registry, repository, reference, runs] = process.argv.slice(2);
const client = new RegistryClient();
const source = remoteImageSource(client, { registry, repository });
const cache = memoryLayerCache();
const profiles = memoryProfileCache();
const time = async (options) => {
  const started = performance.now();
  await profileImage(source, reference, options);
  return performance.now() - started;
};
const coldMs = await time({ cache, profiles });
const warmLayerMs = [];
const warmProfileMs = [];
for (let i = 0; i < Number(runs); i++) {
  warmLayerMs.push(await time({ cache }));
  warmProfileMs.push(await time({ cache, profiles }));
}
await client.close();
process.stdout.write(`${JSON.stringify({ coldMs, warmLayerMs, warmProfileMs })}\n`);

// Child process of bench/run.ts: pulls every blob of one image with Berth's client into a
// directory (like `skopeo copy docker://… dir:`), verifying each as it streams.
// Runs on the compiled packages (`npm run build`), so startup is plain Node.
import { open, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryClient, remoteImageSource } from '@berth/oci';

const [registry, repository, reference, outDir] = process.argv.slice(2);
const started = performance.now();
const client = new RegistryClient();
const source = remoteImageSource(client, { registry, repository });
const { manifest, raw } = await source.getManifest(reference);
if (manifest.kind !== 'manifest') throw new Error('bench expects a single-platform image');
await mkdir(outDir, { recursive: true });
const blobs = [manifest.config, ...manifest.layers];

/** Writes a stream to a file in ~1 MiB batches: one syscall per batch, not per socket read. */
async function save(stream, path) {
  const file = await open(path, 'w');
  try {
    let batch = [];
    let size = 0;
    for await (const chunk of stream) {
      batch.push(chunk);
      size += chunk.length;
      if (size >= 1 << 20) {
        await file.writev(batch);
        batch = [];
        size = 0;
      }
    }
    if (batch.length) await file.writev(batch);
  } finally {
    await file.close();
  }
}

await Promise.all(blobs.map(async (d) => save(await source.openBlob(d), join(outDir, d.digest.slice(7)))));
await writeFile(join(outDir, 'manifest.json'), raw);
await client.close();
const bytes = blobs.reduce((n, d) => n + d.size, 0);
process.stdout.write(
  JSON.stringify({ ms: performance.now() - started, bytes, maxRssKiB: process.resourceUsage().maxRSS }) +
    '\n',
);

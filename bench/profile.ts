// The Container Profile benchmark (issue 6), run by bench/run.ts on the same registry:
// - cold `berth profile` of the Debian minbase image (one gzip layer), the whole process from
//   the compiled CLI, against `skopeo copy --dest-decompress docker://… dir:` (pulls and
//   decompresses only; goal ≤ 1.0×) and `gzip -dc` of the layer blob (the floor; goal ≤ 1.3×);
// - warm profile in-process from the layer cache, and from the profile cache (goal < 50 ms);
// - peak RSS of `berth profile` of a generated ~1 GB-uncompressed image (goal < 300 MB).
// Each figure is the median of `runs` runs, the tools alternating.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { debianMinbaseRootfs, pushImage, type OciLayout, type RunningRegistry } from '@berth/testkit';
import { median } from './stats.js';

export interface ProfileBenchmarkInput {
  readonly root: string;
  /** host:port of the registry itself (not the in-process recording proxy). */
  readonly registryHost: string;
  readonly registry: RunningRegistry;
  readonly layout: OciLayout;
  readonly scratch: string;
  readonly runs: number;
}

interface Timed {
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion and times it; stdout is discarded unless `keepStdout`. */
function timeProcess(command: string, args: readonly string[], keepStdout = false): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`));
    });
  });
}

const round = (n: number): number => Math.round(n);
const ratio = (a: number, b: number): number => Number((a / b).toFixed(3));

/** Writes `bytes` of `make(size)` output into `path` in 1 MiB pieces (never all in memory). */
async function writeGenerated(path: string, bytes: number, make: (size: number) => Buffer): Promise<void> {
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; left -= 1 << 20) {
    if (!out.write(make(Math.min(left, 1 << 20)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * A ~1 GB-uncompressed image: 4 layers of 256 MiB, each half incompressible (random, like
 * binaries) and half compressible text, in files of 1–16 MiB. Generated on disk.
 */
async function addLargeImage(layout: OciLayout, scratch: string): Promise<number> {
  const text = Buffer.from(
    'lorem ipsum dolor sit amet, consectetur adipiscing elit 0123456789\n'.repeat(16384),
  );
  const layers = [];
  let total = 0;
  for (let l = 0; l < 4; l++) {
    const dir = join(scratch, `large-${l}`);
    mkdirSync(join(dir, 'opt', `part${l}`), { recursive: true });
    for (let f = 0; f < 8; f++) {
      const size = 16 * 1024 * 1024;
      await writeGenerated(join(dir, 'opt', `part${l}`, `bin${f}.so`), size, (n) => randomBytes(n));
      await writeGenerated(join(dir, 'opt', `part${l}`, `doc${f}.txt`), size, (n) => text.subarray(0, n));
      total += 2 * size;
    }
    for (let f = 0; f < 256; f++) {
      await writeGenerated(join(dir, 'opt', `part${l}`, `small${f}.txt`), 4096, (n) => text.subarray(0, n));
      total += 4096;
    }
    layers.push({ fromDir: dir, createdBy: `COPY part${l} /opt/part${l}` });
  }
  await layout.addImage('large', { layers });
  for (let l = 0; l < 4; l++) rmSync(join(scratch, `large-${l}`), { recursive: true, force: true });
  return total;
}

export async function profileBenchmark(input: ProfileBenchmarkInput) {
  const { root, registryHost, registry, layout, scratch, runs } = input;
  const cli = join(root, 'packages/cli/dist/bin.js');

  console.log('\nprofile benchmark: building the Debian minbase image…');
  const debianTar = await debianMinbaseRootfs();
  const debian = await layout.addImage('debian', {
    layers: [{ fromTar: debianTar, createdBy: '/bin/sh -c #(nop) ADD file:debian-minbase in / ' }],
    config: { cmd: ['bash'] },
  });
  await pushImage(layout, 'debian', registry, 'bench/debian:bookworm');
  const layer = debian.layers[0];
  if (!layer) throw new Error('the Debian image has no layer');
  const layerBlob = join(layout.dir, 'blobs', 'sha256', layer.digest.slice('sha256:'.length));
  const ref = `${registryHost}/bench/debian:bookworm`;
  console.log(
    `Debian minbase: 1 gzip layer, ${(layer.size / 1e6).toFixed(1)} MB compressed, ${(layer.uncompressedSize / 1e6).toFixed(1)} MB uncompressed`,
  );

  const berthMs: number[] = [];
  const skopeoMs: number[] = [];
  const gzipMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    berthMs.push((await timeProcess(process.execPath, [cli, 'profile', ref])).ms);
    const dir = join(scratch, `skopeo-profile-${run}`);
    mkdirSync(dir);
    skopeoMs.push(
      (
        await timeProcess('skopeo', [
          '--insecure-policy',
          'copy',
          '--quiet',
          '--src-tls-verify=false',
          '--dest-decompress',
          `docker://${ref}`,
          `dir:${dir}`,
        ])
      ).ms,
    );
    rmSync(dir, { recursive: true, force: true });
    gzipMs.push((await timeProcess('gzip', ['-dc', layerBlob])).ms);
  }

  const warm = JSON.parse(
    (
      await timeProcess(
        process.execPath,
        [
          join(root, 'bench/profile-warm.mjs'),
          registryHost,
          'bench/debian',
          'bookworm',
          String(Math.max(runs, 5)),
        ],
        true,
      )
    ).stdout,
  ) as { coldMs: number; warmLayerMs: number[]; warmProfileMs: number[] };

  console.log('profile benchmark: generating the ~1 GB image…');
  const largeBytes = await addLargeImage(layout, scratch);
  await pushImage(layout, 'large', registry, 'bench/large:1');
  const rssKiB: number[] = [];
  const largeMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const { stderr } = await timeProcess(process.execPath, [
      join(root, 'bench/profile-rss.mjs'),
      `${registryHost}/bench/large:1`,
    ]);
    const last = JSON.parse(stderr.trim().split('\n').pop() ?? '{}') as { ms: number; maxRssKiB: number };
    rssKiB.push(last.maxRssKiB);
    largeMs.push(last.ms);
  }

  const berth = median(berthMs);
  const skopeo = median(skopeoMs);
  const gzip = median(gzipMs);
  const result = {
    benchmark:
      'berth profile (whole process, compiled CLI) of the Debian minbase image from a local registry',
    runs,
    image: { compressedBytes: layer.size, uncompressedBytes: layer.uncompressedSize, layers: 1 },
    berthProfile: { medianMs: round(berth), samplesMs: berthMs.map(round) },
    skopeoCopyDecompress: { medianMs: round(skopeo), samplesMs: skopeoMs.map(round) },
    gzipDecompress: { medianMs: round(gzip), samplesMs: gzipMs.map(round) },
    ratioToSkopeo: ratio(berth, skopeo),
    ratioToGzip: ratio(berth, gzip),
    warm: {
      // In-process, after one cold profile filled the caches; manifest and config are fetched
      // again each time (a tag may move). With the layer cache only, the profile is composed
      // again from the cached layer results; with the profile cache it is reused.
      layerCacheMedianMs: round(median(warm.warmLayerMs)),
      layerCacheSamplesMs: warm.warmLayerMs.map(round),
      profileCacheMedianMs: round(median(warm.warmProfileMs)),
      profileCacheSamplesMs: warm.warmProfileMs.map(round),
      coldInProcessMs: round(warm.coldMs),
    },
    large: {
      uncompressedBytes: largeBytes,
      layers: 4,
      medianMaxRssMiB: round(median(rssKiB) / 1024),
      samplesMaxRssMiB: rssKiB.map((k) => round(k / 1024)),
      medianMs: round(median(largeMs)),
    },
    goals: {
      ratioToSkopeo: '≤ 1.0',
      ratioToGzip: '≤ 1.3',
      warmMs: '< 50',
      largeMaxRssMiB: '< 300',
    },
  };
  console.log(`berth profile (process)      median ${result.berthProfile.medianMs} ms`);
  console.log(`skopeo copy --dest-decompress median ${result.skopeoCopyDecompress.medianMs} ms`);
  console.log(`gzip -dc of the layer        median ${result.gzipDecompress.medianMs} ms`);
  console.log(
    `ratio to skopeo = ${result.ratioToSkopeo} (goal ≤ 1.0); ratio to gzip -dc = ${result.ratioToGzip} (goal ≤ 1.3)`,
  );
  console.log(
    `warm profile: layer cache median ${result.warm.layerCacheMedianMs} ms, + profile cache ${result.warm.profileCacheMedianMs} ms (goal < 50)`,
  );
  console.log(
    `~1 GB image: peak RSS median ${result.large.medianMaxRssMiB} MiB (goal < 300), ${result.large.medianMs} ms`,
  );
  return result;
}

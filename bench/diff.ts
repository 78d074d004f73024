// The diff benchmark (issue 7), run by bench/run.ts on the same registry: two versions of an
// application on the Debian minbase base (one shared gzip layer of ~120 MB uncompressed, then
// a ~10 MB application layer that differs), diffed in-process as `berth diff` does:
// - cold: an empty layer cache (the shared base is analysed once for both sides);
// - shared base: the layer cache holds version 1 (the usual "what changed in the new tag?");
// - warm: both versions cached (only manifests and configs are fetched again);
// - compute: diffImages alone, on the two analyses;
// against the baseline of one cold profile of version 1 alone, measured in the same run.
import { randomBytes } from 'node:crypto';
import { RegistryClient, remoteImageSource } from '@berth/oci';
import { analyzeImage, diffImages, memoryLayerCache, type LayerCache } from '@berth/analysis';
import {
  debianMinbaseRootfs,
  pushImage,
  type EntrySpec,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { median } from './stats.js';

export interface DiffBenchmarkInput {
  /** host:port of the registry itself (not the in-process recording proxy). */
  readonly registryHost: string;
  readonly registry: RunningRegistry;
  readonly layout: OciLayout;
  readonly runs: number;
}

const round = (n: number): number => Math.round(n);

function appLayer(version: number): EntrySpec[] {
  const random = randomBytes(8 * 1024 * 1024);
  return [
    { type: 'file', path: 'opt/app/bin/app', content: random, mode: 0o755 },
    ...Array.from({ length: 400 }, (_, i): EntrySpec => ({
      type: 'file',
      path: `opt/app/lib/module${i}.js`,
      // Version 2 changes one module in ten.
      content: `// module ${i} v${version === 2 && i % 10 === 0 ? 2 : 1}\n${'export const x = 1;\n'.repeat(200)}`,
    })),
  ];
}

export async function diffBenchmark(input: DiffBenchmarkInput) {
  const { registryHost, registry, layout, runs } = input;
  console.log('\ndiff benchmark: building two versions on the Debian minbase base…');
  const base = {
    fromTar: await debianMinbaseRootfs(),
    createdBy: '/bin/sh -c #(nop) ADD file:debian-minbase in / ',
  };
  for (const version of [1, 2]) {
    await layout.addImage(`diff-v${version}`, {
      layers: [base, { entries: appLayer(version), createdBy: `COPY app-v${version} /opt/app` }],
      config: { cmd: ['/opt/app/bin/app'], env: [`APP_VERSION=${version}`] },
    });
    await pushImage(layout, `diff-v${version}`, registry, `bench/app:${version}`);
  }

  const client = new RegistryClient();
  const source = remoteImageSource(client, { registry: registryHost, repository: 'bench/app' });
  const diffOnce = async (cache: LayerCache) => {
    const [a, b] = await Promise.all([
      analyzeImage(source, '1', { cache }),
      analyzeImage(source, '2', { cache }),
    ]);
    return diffImages(a, b);
  };
  const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
    const started = performance.now();
    const value = await fn();
    return [performance.now() - started, value];
  };

  const baselineMs: number[] = [];
  const coldMs: number[] = [];
  const sharedBaseMs: number[] = [];
  const warmMs: number[] = [];
  const computeMs: number[] = [];
  let summary: unknown;
  try {
    for (let run = 0; run < runs; run++) {
      baselineMs.push((await time(() => analyzeImage(source, '1', { cache: memoryLayerCache() })))[0]);
      const [cold, diff] = await time(() => diffOnce(memoryLayerCache()));
      coldMs.push(cold);
      summary = diff.summary;

      const partial = memoryLayerCache();
      await analyzeImage(source, '1', { cache: partial });
      sharedBaseMs.push((await time(() => diffOnce(partial)))[0]);

      const full = memoryLayerCache();
      await diffOnce(full);
      warmMs.push((await time(() => diffOnce(full)))[0]);

      const [a, b] = await Promise.all([
        analyzeImage(source, '1', { cache: full }),
        analyzeImage(source, '2', { cache: full }),
      ]);
      computeMs.push((await time(() => Promise.resolve(diffImages(a, b))))[0]);
    }
  } finally {
    await client.close();
  }

  const baseline = median(baselineMs);
  const result = {
    benchmark: 'diff of two versions sharing the Debian minbase layer (in-process, as berth diff)',
    runs,
    summary,
    baselineColdProfileOfOneSide: { medianMs: round(baseline), samplesMs: baselineMs.map(round) },
    cold: { medianMs: round(median(coldMs)), samplesMs: coldMs.map(round) },
    sharedBaseCached: { medianMs: round(median(sharedBaseMs)), samplesMs: sharedBaseMs.map(round) },
    warm: { medianMs: round(median(warmMs)), samplesMs: warmMs.map(round) },
    diffComputeOnly: { medianMs: round(median(computeMs)), samplesMs: computeMs.map(round) },
    ratioColdToOneProfile: Number((median(coldMs) / baseline).toFixed(3)),
    goals: { ratioColdToOneProfile: '≈ 1 (the shared base is analysed once)' },
  };
  console.log(`one cold profile (baseline)   median ${result.baselineColdProfileOfOneSide.medianMs} ms`);
  console.log(
    `diff, cold                    median ${result.cold.medianMs} ms (ratio ${result.ratioColdToOneProfile})`,
  );
  console.log(`diff, version 1 cached        median ${result.sharedBaseCached.medianMs} ms`);
  console.log(`diff, both cached             median ${result.warm.medianMs} ms`);
  console.log(`diffImages alone              median ${result.diffComputeOnly.medianMs} ms`);
  return result;
}

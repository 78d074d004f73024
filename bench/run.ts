// `npm run bench`: Berth against the tools people already use, measured in the same run.
// 1. pull: all blobs of a ~50 MB image from the real registry on loopback into a directory,
//    alternating Berth's client and skopeo, RUNS times each; medians and the ratio.
// 2. profile (bench/profile.ts): cold `berth profile` of the Debian minbase image against
//    `skopeo copy --dest-decompress` and `gzip -dc`, warm profiles from the layer cache, and
//    the peak RSS of profiling a ~1 GB image.
// Results go to bench/results/latest.json (the pull figures at the top level, as before, and
// the profile figures under `profile`). BENCH_SKIP_BUILD=1 reuses the compiled packages.
// BENCH_ONLY=profile (or pull, diff; comma-separated) runs only those parts and writes
// bench/results/only-<parts>.json instead.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLayout, pushImage, startRegistry, type LayerSpec } from '@berth/testkit';
import { diffBenchmark } from './diff.js';
import { diffMemoryBenchmark } from './diff-memory.js';
import { profileBenchmark } from './profile.js';
import { median } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PARTS = ['pull', 'profile', 'diff', 'diff-memory'] as const;
const ONLY = process.env.BENCH_ONLY?.split(',').map((p) => p.trim());
for (const part of ONLY ?? []) {
  if (!(PARTS as readonly string[]).includes(part)) throw new Error(`BENCH_ONLY: unknown part ${part}`);
}
const runs = (part: (typeof PARTS)[number]): boolean => !ONLY || ONLY.includes(part);
const root = new URL('..', import.meta.url).pathname;

/**
 * Runs a command to completion and times it. Asynchronous on purpose: the registry's
 * recording proxy lives in this process and must keep serving while the command runs.
 */
function timeCommand(command: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout });
      else reject(new Error(`${command} exited with ${code}: ${stderr}`));
    });
  });
}

async function main(): Promise<void> {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    console.log('building packages…');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  }

  const registry = await startRegistry({ auth: 'none' });
  const layout = await createLayout();
  const scratch = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  try {
    // ~50 MB compressed: mostly incompressible data, as in real images' binaries, plus text.
    const layers: LayerSpec[] = [20, 15, 10].map((mib, i) => ({
      createdBy: `COPY blob${i} /`,
      entries: [
        { type: 'file' as const, path: `data/blob${i}.bin`, content: randomBytes(mib * 1024 * 1024) },
      ],
    }));
    layers.push({
      createdBy: 'COPY docs /',
      entries: Array.from({ length: 200 }, (_, i) => ({
        type: 'file' as const,
        path: `docs/file${i}.txt`,
        content: `line ${i} of some documentation text\n`.repeat(2000),
      })),
    });
    const image = await layout.addImage('bench', { layers });
    await pushImage(layout, 'bench', registry, 'bench/image:1');
    const totalBytes = image.layers.reduce((n, l) => n + l.size, 0);
    console.log(`fixture: ${image.layers.length} layers, ${(totalBytes / 1e6).toFixed(1)} MB compressed`);

    // Straight to the registry (not through the test recording proxy, which lives in this process).
    const host = registry.pushHost;
    async function pullBenchmark() {
      const berthMs: number[] = [];
      const berthProcessMs: number[] = [];
      const skopeoMs: number[] = [];
      const rss: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const berthDir = join(scratch, `berth-${run}`);
        const skopeoDir = join(scratch, `skopeo-${run}`);
        mkdirSync(skopeoDir);
        const berth = await timeCommand(process.execPath, [
          join(root, 'bench/pull-blobs.mjs'),
          host,
          'bench/image',
          '1',
          berthDir,
        ]);
        const inside = JSON.parse(berth.stdout) as { ms: number; maxRssKiB: number };
        berthMs.push(inside.ms);
        berthProcessMs.push(berth.ms);
        rss.push(inside.maxRssKiB);
        const skopeo = await timeCommand('skopeo', [
          '--insecure-policy',
          'copy',
          '--quiet',
          '--src-tls-verify=false',
          `docker://${host}/bench/image:1`,
          `dir:${skopeoDir}`,
        ]);
        skopeoMs.push(skopeo.ms);
        rmSync(berthDir, { recursive: true, force: true });
        rmSync(skopeoDir, { recursive: true, force: true });
      }
      const skopeo = median(skopeoMs);
      const result = {
        benchmark: 'pull every blob of a ~50 MB image from a local registry into a directory',
        runs: RUNS,
        bytes: totalBytes,
        // The client's own time: from the first request to the last byte written, in a fresh process.
        berth: {
          medianMs: Math.round(median(berthMs)),
          samplesMs: berthMs.map(Math.round),
          medianMaxRssMiB: Math.round(median(rss) / 1024),
        },
        // The same, plus starting Node and loading the modules (what a one-shot CLI pays).
        berthProcess: {
          medianMs: Math.round(median(berthProcessMs)),
          samplesMs: berthProcessMs.map(Math.round),
        },
        skopeo: { medianMs: Math.round(skopeo), samplesMs: skopeoMs.map(Math.round) },
        ratio: Number((median(berthMs) / skopeo).toFixed(3)),
        ratioWithProcessStart: Number((median(berthProcessMs) / skopeo).toFixed(3)),
        goal: 'berth ≤ 1.0 × skopeo',
        date: new Date().toISOString(),
      };
      console.log(
        `berth client           median ${result.berth.medianMs} ms (peak RSS ${result.berth.medianMaxRssMiB} MiB)`,
      );
      console.log(`berth incl. node start median ${result.berthProcess.medianMs} ms`);
      console.log(`skopeo copy … dir:     median ${result.skopeo.medianMs} ms`);
      console.log(
        `ratio berth/skopeo = ${result.ratio} (goal ≤ 1.0); with Node start-up = ${result.ratioWithProcessStart}`,
      );
      return result;
    }

    const pull = runs('pull') ? await pullBenchmark() : undefined;

    const profile = runs('profile')
      ? await profileBenchmark({ root, registryHost: host, registry, layout, scratch, runs: RUNS })
      : undefined;
    // 3. diff (bench/diff.ts): two versions sharing a base, cold, half-warm and warm.
    const diff = runs('diff')
      ? await diffBenchmark({ registryHost: host, registry, layout, runs: RUNS })
      : undefined;
    // 4. diff memory (bench/diff-memory.ts): peak RSS of berth diff of two ~1 GB images vs a profile.
    const diffMemory = runs('diff-memory')
      ? await diffMemoryBenchmark({ root, registryHost: host, registry, layout, scratch, runs: RUNS })
      : undefined;
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(
      join(root, `bench/results/${ONLY ? `only-${ONLY.join('-')}` : 'latest'}.json`),
      `${JSON.stringify({ ...pull, profile, diff, diffMemory }, null, 2)}\n`,
    );
  } finally {
    await layout.remove();
    await registry.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();

// The diff memory benchmark (issue 7: "a diff of two 1 GB images stays within the same memory
// bound as a profile"), run by bench/run.ts on the same registry: two generated ~1 GB-
// uncompressed images of 4 layers, the first two shared, the last two different (new binaries,
// one small file in ten changed), ~80,000 files each. The peak RSS of `berth diff` of the two
// (whole process, compiled CLI, bench/diff-rss.mjs) against the peak RSS of `berth profile` of
// one of them (bench/profile-rss.mjs), medians of `runs` runs, alternating.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushImage, type OciLayout, type RunningRegistry } from '@berth/testkit';
import { median } from './stats.js';

export interface DiffMemoryBenchmarkInput {
  readonly root: string;
  /** host:port of the registry itself (not the in-process recording proxy). */
  readonly registryHost: string;
  readonly registry: RunningRegistry;
  readonly layout: OciLayout;
  readonly scratch: string;
  readonly runs: number;
}

const MiB = 1024 * 1024;
const BIG_FILES = 8;
const BIG_SIZE = 16 * MiB;
const SMALL_FILES = 20_000;

function peakOf(command: string, args: readonly string[]): Promise<{ ms: number; maxRssKiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stderr.trim().split('\n').pop() ?? '{}') as { ms: number; maxRssKiB: number });
    });
  });
}

async function writeGenerated(path: string, bytes: number, make: (size: number) => Buffer): Promise<void> {
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; left -= MiB) {
    if (!out.write(make(Math.min(left, MiB)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** One ~266 MiB layer directory: binaries (random), documents (text) and many small files. */
async function layerDir(dir: string, part: string, version: number): Promise<number> {
  const text = Buffer.from(
    `${part} v${version}: lorem ipsum dolor sit amet, consectetur adipiscing elit\n`.repeat(16384),
  );
  const base = join(dir, 'opt', part);
  let total = 0;
  mkdirSync(base, { recursive: true });
  for (let f = 0; f < BIG_FILES; f++) {
    await writeGenerated(join(base, `bin${f}.so`), BIG_SIZE, (n) => randomBytes(n));
    await writeGenerated(join(base, `doc${f}.txt`), BIG_SIZE, (n) => text.subarray(0, n));
    total += 2 * BIG_SIZE;
  }
  for (let d = 0; d < SMALL_FILES / 500; d++) {
    mkdirSync(join(base, 'modules', `pkg${d}`), { recursive: true });
    for (let f = 0; f < 500; f++) {
      const changed = version === 2 && f % 10 === 0 ? 2 : 1;
      const content = `// ${part} pkg${d} file${f} v${changed}\n${'export const value = 42;\n'.repeat(20)}`;
      writeFileSync(join(base, 'modules', `pkg${d}`, `file${f}.js`), content);
      total += Buffer.byteLength(content);
    }
  }
  return total;
}

export async function diffMemoryBenchmark(input: DiffMemoryBenchmarkInput) {
  const { root, registryHost, registry, layout, scratch, runs } = input;
  console.log('\ndiff memory benchmark: generating two ~1 GB images (2 shared layers, 2 different)…');
  const shared = [];
  let uncompressed = 0;
  for (let l = 0; l < 2; l++) {
    const dir = join(scratch, `diff-large-shared-${l}`);
    uncompressed += await layerDir(dir, `shared${l}`, 1);
    shared.push({ fromDir: dir, createdBy: `COPY shared${l} /opt/shared${l}` });
  }
  for (const version of [1, 2]) {
    const own = [];
    for (let l = 2; l < 4; l++) {
      const dir = join(scratch, `diff-large-v${version}-${l}`);
      const bytes = await layerDir(dir, `part${l}`, version);
      if (version === 1) uncompressed += bytes;
      own.push({ fromDir: dir, createdBy: `COPY part${l} v${version} /opt/part${l}` });
    }
    await layout.addImage(`diff-large-v${version}`, { layers: [...shared, ...own] });
    await pushImage(layout, `diff-large-v${version}`, registry, `bench/diff-large:${version}`);
    for (let l = 2; l < 4; l++)
      rmSync(join(scratch, `diff-large-v${version}-${l}`), { recursive: true, force: true });
  }
  for (let l = 0; l < 2; l++)
    rmSync(join(scratch, `diff-large-shared-${l}`), { recursive: true, force: true });

  const left = `${registryHost}/bench/diff-large:1`;
  const right = `${registryHost}/bench/diff-large:2`;
  const profileKiB: number[] = [];
  const diffKiB: number[] = [];
  const profileMs: number[] = [];
  const diffMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const profile = await peakOf(process.execPath, [join(root, 'bench/profile-rss.mjs'), left]);
    profileKiB.push(profile.maxRssKiB);
    profileMs.push(profile.ms);
    const diff = await peakOf(process.execPath, [join(root, 'bench/diff-rss.mjs'), left, right]);
    diffKiB.push(diff.maxRssKiB);
    diffMs.push(diff.ms);
  }
  const mib = (kib: number): number => Math.round(kib / 1024);
  const result = {
    benchmark:
      'peak RSS of berth diff of two ~1 GB-uncompressed images vs berth profile of one (compiled CLI)',
    runs,
    image: {
      uncompressedBytes: uncompressed,
      layers: 4,
      sharedLayers: 2,
      filesPerImage: 4 * (SMALL_FILES + 2 * BIG_FILES),
    },
    diff: {
      medianMaxRssMiB: mib(median(diffKiB)),
      samplesMaxRssMiB: diffKiB.map(mib),
      medianMs: Math.round(median(diffMs)),
    },
    profile: {
      medianMaxRssMiB: mib(median(profileKiB)),
      samplesMaxRssMiB: profileKiB.map(mib),
      medianMs: Math.round(median(profileMs)),
    },
    ratioDiffToProfile: Number((median(diffKiB) / median(profileKiB)).toFixed(3)),
    goal: 'diff peak RSS < 300 MiB, the bound of a profile',
  };
  console.log(
    `~1 GB images: berth diff peak RSS median ${result.diff.medianMaxRssMiB} MiB (${result.diff.medianMs} ms), ` +
      `berth profile of one ${result.profile.medianMaxRssMiB} MiB (${result.profile.medianMs} ms); ` +
      `ratio ${result.ratioDiffToProfile} (goal < 300 MiB)`,
  );
  return result;
}

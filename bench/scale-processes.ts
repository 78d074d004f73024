// Real Berth processes for the scale-out benchmarks (bench/scale-api.ts, bench/scale-workers.ts):
// the compiled CLI (`packages/cli/dist/bin.js`), as an operator runs it, and what the machine
// looked like while they ran.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;
export const cli = join(root, 'packages/cli/dist/bin.js');

/** Compiles the CLI and the packages it uses (incremental), unless BENCH_SKIP_BUILD=1. */
export function buildCli(): void {
  if (process.env.BENCH_SKIP_BUILD === '1') return;
  console.log('building the CLI…');
  execFileSync('npx', ['tsc', '-b', 'packages/cli/tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}

export interface BerthProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:PORT` for `serve`; empty for `worker`. */
  readonly url: string;
  stderr(): string;
  /** CPU seconds (user + system) this process has used so far (Linux /proc). */
  cpuSeconds(): number;
  /** SIGTERM, then waits for the exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

/**
 * Starts `berth <args>` from the compiled CLI and waits for its ready line on stderr
 * (`berth listening on URL` or `berth worker running`).
 */
export async function startBerth(
  args: readonly string[],
  env: Record<string, string>,
): Promise<BerthProcess> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let exit: string | undefined;
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-65_536)));
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = signal ?? String(code);
      resolve();
    }),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exit !== undefined) throw new Error(`berth ${args.join(' ')} exited (${exit}): ${stderr}`);
    if (/listening on \S+|worker running/.test(stderr)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`berth ${args.join(' ')} did not start in 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    url: /listening on (\S+)/.exec(stderr)?.[1] ?? '',
    stderr: () => stderr,
    cpuSeconds: () => (child.pid === undefined ? 0 : processCpuSeconds(child.pid)),
    async stop() {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The machine, as the results should state it. */
export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    network: 'loopback',
    note: 'load generator, Berth processes, PostgreSQL and the fakes share the same cores; the machine was shared with other work',
  };
}

/** The 1, 5 and 15 minute load averages, rounded. */
export function loadAverage(): number[] {
  return loadavg().map((l) => Number(l.toFixed(2)));
}

/** `/proc/PID/stat` after the command name: state is field 0, ppid 1, utime 11, stime 12. */
function stat(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  } catch {
    return undefined; // gone
  }
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
export function processCpuSeconds(pid: number): number {
  const fields = stat(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS : 0;
}

/**
 * CPU seconds used so far by a PostgreSQL cluster: its postmaster (pid from postmaster.pid in
 * the data directory) and every process it started (backends, background workers). Backends
 * that exited are no longer counted: compare readings taken while the pools stay connected.
 */
export function postgresCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = processCpuSeconds(postmaster);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = stat(Number(entry));
    if (fields && Number(fields[1]) === postmaster)
      total += (Number(fields[11]) + Number(fields[12])) / TICKS;
  }
  return total;
}

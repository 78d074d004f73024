import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

export interface BerthRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `berth` entry point (TypeScript sources through tsx) as a subprocess. */
export function runBerth(
  args: readonly string[],
  env: Record<string, string>,
  options: { until?: RegExp; timeoutMs?: number } = {},
): Promise<BerthRun & { kill(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=berth-source', '--import', 'tsx', BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth ${args.join(' ')} did not finish: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    const kill = () => child.kill('SIGTERM');
    const check = () => {
      if (options.until?.test(stderr)) {
        clearTimeout(timer);
        resolve({ code: null, stdout, stderr, kill });
      }
    };
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, kill });
    });
  });
}

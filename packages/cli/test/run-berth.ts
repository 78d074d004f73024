import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

export interface BerthRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `berth` entry point (TypeScript sources through tsx) as a subprocess; `input`
 * is piped to its stdin (answers to its questions); stdin ends after it (at once without one).
 */
export function runBerth(
  args: readonly string[],
  env: Record<string, string>,
  options: { until?: RegExp; timeoutMs?: number; input?: string } = {},
): Promise<BerthRun & { kill(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=berth-source', '--import', 'tsx', BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
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
    child.stdin.on('error', () => {}); // the child may exit before reading all of it
    child.stdin.end(options.input);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, kill });
    });
  });
}

/** The command line that runs the real `berth` (for `script -qec`, which wants one string). */
export function berthCommandLine(args: readonly string[]): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [process.execPath, '--conditions=berth-source', '--import', 'tsx', BIN, ...args].map(q).join(' ');
}

/**
 * Runs the real `berth` on a pseudo-terminal (`script -qec`) and types each answer only once
 * its question has shown (as a person would: typeahead would be echoed by the terminal before
 * berth could turn echo off). Resolves with everything the terminal showed.
 */
export function runBerthInTerminal(
  args: readonly string[],
  env: Record<string, string>,
  answers: readonly (readonly [RegExp, string])[] = [],
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', berthCommandLine(args), '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let shown = '';
    let from = 0;
    let next = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth ${args.join(' ')} did not finish on the terminal: ${shown}`));
    }, 90_000);
    child.stdin.on('error', () => {});
    child.stdout.on('data', (d: Buffer) => {
      shown += d.toString();
      for (let answer = answers[next]; answer; answer = answers[next]) {
        const match = answer[0].exec(shown.slice(from));
        if (!match) break;
        from += match.index + match[0].length;
        child.stdin.write(answer[1]);
        next++;
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(shown);
    });
  });
}

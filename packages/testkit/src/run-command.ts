import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { TestkitError } from './testkit-error.js';

export interface RunCommandOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Bytes written to the command's standard input (closed right after). */
  readonly input?: string | Uint8Array;
  /** A stream piped to the command's standard input. */
  readonly stdin?: Readable;
  readonly timeoutMs?: number;
}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion without a shell and returns its output; a non-zero exit, a
 * signal or a timeout becomes a `command_failed` {@link TestkitError} carrying the tail of stderr.
 *
 * @example
 * const { stdout } = await runCommand('skopeo', ['--version']);
 */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  // EPIPE on stdin surfaces as the command's own failure below; do not crash on it.
  child.stdin.on('error', () => undefined);
  if (options.stdin) options.stdin.pipe(child.stdin);
  else child.stdin.end(options.input);

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new TestkitError('command_failed', `${file}: ${error.message}`, { cause: error })),
    );
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  const result = {
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
  if (code !== 0) {
    const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
    throw new TestkitError(
      'command_failed',
      `${file} ${args.join(' ')} ${how}: ${result.stderr.trim().slice(-2000)}`,
    );
  }
  return result;
}

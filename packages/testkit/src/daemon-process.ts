import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { TestkitError } from './testkit-error.js';

export interface DaemonExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A long-running child process that cannot outlive the test process. */
export interface DaemonProcess {
  readonly pid: number;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<DaemonExit>;
  /** Whether the process has exited. */
  hasExited(): boolean;
  /** The last few kilobytes of stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 16_384;

/**
 * Spawns a daemon together with a watchdog: a tiny `sh` that blocks reading a pipe from this
 * process and kills the daemon when the pipe reaches end-of-file. The kernel closes that pipe
 * however this process ends (crash, SIGKILL from the test runner, normal exit), so no daemon is
 * left behind even when `stop()` never runs. Neither child keeps the event loop alive.
 *
 * @example
 * const daemon = spawnDaemon('docker-registry', ['serve', configPath]);
 * await daemon.stop();
 */
export function spawnDaemon(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): DaemonProcess {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exitInfo: DaemonExit | undefined;
  const exited = new Promise<DaemonExit>((resolve) => {
    child.once('error', (error) => {
      collect(Buffer.from(`${file}: ${error.message}\n`));
      exitInfo ??= { code: null, signal: null };
      resolve(exitInfo);
    });
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });

  const pid = child.pid;
  if (pid === undefined) {
    // spawn failed synchronously (ENOENT is reported through 'error' just after).
    return failedDaemon(exited, () => output);
  }
  const watchdog = startWatchdog(pid);
  unrefChild(child);

  let stopping: Promise<void> | undefined;
  return {
    pid,
    exited,
    hasExited: () => exitInfo !== undefined,
    output: () => output,
    stop: (graceMs = 3000) => {
      stopping ??= (async () => {
        // The watchdog goes first, so it can never signal a recycled pid.
        watchdog.kill('SIGKILL');
        if (exitInfo === undefined) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

function startWatchdog(pid: number): ChildProcess {
  const watchdog = spawn(
    'sh',
    ['-c', 'read _ignored; kill -KILL "$1" 2>/dev/null', 'berth-watchdog', String(pid)],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  unrefChild(watchdog);
  return watchdog;
}

function unrefChild(child: ChildProcess): void {
  child.unref();
  // Child stdio pipes are net.Sockets at run time; each holds a ref on the event loop.
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    if (stream instanceof Socket) stream.unref();
  }
}

function failedDaemon(exited: Promise<DaemonExit>, output: () => string): DaemonProcess {
  return {
    pid: -1,
    exited,
    hasExited: () => true,
    output,
    stop: async () => {
      await exited;
    },
  };
}

/** Error for a daemon that exited while we waited for it to become ready. */
export function daemonExitedError(name: string, daemon: DaemonProcess): TestkitError {
  return new TestkitError('not_ready', `${name} exited before it was ready: ${daemon.output().trim()}`);
}

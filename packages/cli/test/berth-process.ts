import { spawn, type ChildProcess } from 'node:child_process';
import { until } from '@berth/testkit';
import { berthCommandLine } from './run-berth.js';

export { until };

/** A long-running real `berth` process whose output and exit can be watched while it runs. */
export interface LiveBerth {
  readonly child: ChildProcess;
  stderr(): string;
  exitCode(): number | null;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number>;
}

/**
 * Starts the real `berth` (`berth serve`, `berth worker`) and waits until its stderr matches
 * `ready`. Every process started here is in `running`, for the test file's afterAll to kill.
 */
export async function startBerth(
  running: LiveBerth[],
  args: readonly string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<LiveBerth> {
  const child = spawn('sh', ['-c', `exec ${berthCommandLine(args)}`], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let code: number | null = null;
  const exit = new Promise<number>((resolve) =>
    child.on('exit', (c, signal) => {
      code = c ?? (signal ? 128 : 1);
      resolve(code);
    }),
  );
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const live: LiveBerth = {
    child,
    stderr: () => stderr,
    exitCode: () => code,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
    exited: () => exit,
  };
  running.push(live);
  await until(
    `berth ${args.join(' ')}`,
    () => {
      if (code !== null) throw new Error(`berth ${args.join(' ')} exited with ${code}: ${stderr}`);
      return ready.test(stderr) ? true : undefined;
    },
    90_000,
  );
  return live;
}

/** A user of the HTTP API with a session cookie and CSRF token, as the portal is. */
export class ApiSession {
  #cookie = '';
  #csrf = '';

  constructor(readonly base: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.#cookie ? { cookie: this.#cookie, 'x-csrf-token': this.#csrf } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.#cookie = setCookie.split(';')[0] ?? '';
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Signs up; throws unless the account was created. */
  async signup(email: string, password: string): Promise<void> {
    const res = await this.call<{ csrfToken: string }>('POST', '/auth/signup', { email, password });
    if (res.status !== 201) throw new Error(`signup answered ${res.status}: ${JSON.stringify(res.body)}`);
    this.#csrf = res.body.csrfToken;
  }
}

/** The address `berth serve` printed (`listening on http://…`). */
export function listeningUrl(live: LiveBerth): string {
  const url = /listening on (\S+)/.exec(live.stderr())?.[1];
  if (!url) throw new Error(`no address in: ${live.stderr()}`);
  return url;
}

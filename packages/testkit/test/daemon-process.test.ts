import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { spawnDaemon } from '../src/index.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe('spawnDaemon', () => {
  it('stops the daemon and reports its exit', async () => {
    const daemon = spawnDaemon('sleep', ['600']);
    expect(isAlive(daemon.pid)).toBe(true);
    await daemon.stop();
    expect(daemon.hasExited()).toBe(true);
    expect((await daemon.exited).signal).toBe('SIGTERM');
    await daemon.stop(); // idempotent
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const daemon = spawnDaemon('sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done']);
    await waitFor(() => daemon.output().includes('ready'), 5000);
    await daemon.stop(200);
    expect((await daemon.exited).signal).toBe('SIGKILL');
  });

  it('kills the daemon when the owning process dies without cleaning up', async () => {
    // A child Node process starts a daemon, prints its pid and is then SIGKILLed.
    const script = `
      import { spawnDaemon } from ${JSON.stringify(new URL('../src/daemon-process.ts', import.meta.url).href)};
      const daemon = spawnDaemon('sleep', ['600']);
      console.log(daemon.pid);
      setInterval(() => {}, 1000);
    `;
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      owner.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      owner.once('error', reject);
    });
    expect(isAlive(pid)).toBe(true);
    owner.kill('SIGKILL');
    expect(await waitFor(() => !isAlive(pid), 5000)).toBe(true);
  });

  it('reports a missing binary as an early exit', async () => {
    const daemon = spawnDaemon('/nonexistent/binary', []);
    await daemon.exited;
    expect(daemon.hasExited()).toBe(true);
    expect(daemon.output()).toContain('ENOENT');
    await daemon.stop();
  });
});

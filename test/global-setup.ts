// Whole-suite guard for DESIGN.md's promise that Berth is read-only: every request that a
// client under test sends to a real registry goes through testkit's recording proxy, which
// appends it to this log; at the end of the run, anything but GET or HEAD on /v2/ fails it.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWrites } from './read-only-log.js';

export function setup(): () => void {
  const log = join(tmpdir(), `berth-registry-requests-${process.pid}-${Date.now()}.jsonl`);
  process.env.BERTH_REGISTRY_REQUEST_LOG = log;
  return () => {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    rmSync(log, { force: true });
    const writes = findWrites(text);
    if (writes.length > 0) {
      // Vitest reports an error thrown here but keeps exit code 0: set it ourselves.
      process.exitCode = 1;
      throw new Error(`Berth must only read from registries, but the suite sent:\n${writes.join('\n')}`);
    }
    const count = text.split('\n').filter(Boolean).length;
    console.log(`read-only check: ${count} registry requests recorded, all GET or HEAD`);
  };
}

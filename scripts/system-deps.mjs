#!/usr/bin/env node
// Installs the Debian packages the test suites and benchmarks use, when they are missing.
// As root it runs apt-get itself; otherwise it stops at once and prints the exact command.
// The list lives in one place: scripts/system-packages.txt.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const wanted = readFileSync(new URL('./system-packages.txt', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => line.replace(/#.*/, '').trim())
  .filter(Boolean);

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

const missing = wanted.filter((pkg) => !installed(pkg));
if (missing.length === 0) process.exit(0);

const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
  console.error(
    `Berth's tests need Debian packages that are not installed. Run as root:\n  apt-get update && ${line}`,
  );
  process.exit(1);
}
console.error(`Installing test dependencies: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
} catch {
  console.error(`Installing the test dependencies failed. The command was:\n  apt-get update && ${line}`);
  process.exit(1);
}
const still = missing.filter((pkg) => !installed(pkg));
if (still.length > 0) {
  console.error(`Still missing after apt-get: ${still.join(' ')}`);
  process.exit(1);
}

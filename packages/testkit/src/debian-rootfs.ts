import { open, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { findDebianMirror } from './apt-mirror.js';
import { tarDirectory } from './directory-tar.js';
import { findRepoRoot } from './repo-root.js';
import { runCommand } from './run-command.js';
import { TestkitError } from './testkit-error.js';

export interface DebianRootfsOptions {
  /** Default `<repo>/.cache/testkit` (gitignored). */
  readonly cacheDir?: string;
  /** Default: the first bookworm mirror in the machine's apt sources. */
  readonly mirror?: string;
}

const SUITE = 'bookworm';
const TARBALL = `debian-${SUITE}-minbase.tar`;
const DEBOOTSTRAP_TIMEOUT_MS = 15 * 60_000;
const LOCK_WAIT_MS = 20 * 60_000;

const inProcess = new Map<string, Promise<string>>();

/**
 * The path of an uncompressed tarball of a `debootstrap --variant=minbase bookworm` rootfs,
 * built once (~30–50 s, needs root and the Debian mirror) and then cached. The tarball is made
 * like a Docker base image: no device nodes in /dev, no downloaded .debs or apt lists, and tarred
 * with {@link tarDirectory}'s deterministic flags. Concurrent callers, in this process or
 * others, share one build: a lock file (holding the builder's pid, so a crashed builder's lock
 * is taken over) guards the build, and the result appears by an atomic rename.
 *
 * @example
 * const tar = await debianMinbaseRootfs();
 * await layout.addImage('debian', { layers: [{ fromTar: tar }] });
 */
export async function debianMinbaseRootfs(options: DebianRootfsOptions = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? join(findRepoRoot(), '.cache', 'testkit');
  const target = join(cacheDir, TARBALL);
  let pending = inProcess.get(target);
  if (!pending) {
    pending = ensureRootfs(cacheDir, target, options.mirror);
    inProcess.set(target, pending);
    pending.catch(() => inProcess.delete(target));
  }
  return pending;
}

async function ensureRootfs(cacheDir: string, target: string, mirror: string | undefined): Promise<string> {
  if (await isFile(target)) return target;
  await mkdir(cacheDir, { recursive: true });
  const release = await acquireLock(`${target}.lock`, target);
  try {
    if (await isFile(target)) return target;
    await buildRootfs(cacheDir, target, mirror ?? (await findDebianMirror(SUITE)));
    return target;
  } finally {
    await release();
  }
}

async function buildRootfs(cacheDir: string, target: string, mirror: string): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new TestkitError('command_failed', 'debootstrap needs root to build the Debian rootfs fixture');
  }
  const workDir = await mkdtemp(join(cacheDir, 'build-'));
  const rootfs = join(workDir, 'rootfs');
  try {
    await runCommand('debootstrap', ['--variant=minbase', SUITE, rootfs, mirror], {
      timeoutMs: DEBOOTSTRAP_TIMEOUT_MS,
    });
    await unmountUnder(rootfs);
    // What Docker's official images leave out (debuerreotype): device nodes and apt caches.
    await emptyDir(join(rootfs, 'dev'));
    await emptyDir(join(rootfs, 'var', 'lib', 'apt', 'lists'), ['partial', 'lock']);
    await emptyDir(join(rootfs, 'var', 'cache', 'apt', 'archives'), ['partial', 'lock']);
    const partial = join(workDir, TARBALL);
    await tarDirectory(rootfs, partial);
    await rename(partial, target);
  } finally {
    await unmountUnder(rootfs).catch(() => undefined);
    // --one-file-system: never follow a mount that a failed debootstrap left behind.
    await runCommand('rm', ['-rf', '--one-file-system', workDir]).catch(() => undefined);
  }
}

/** debootstrap mounts /proc and /sys in the target while it runs and unmounts them on exit; make sure. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter(
      (mountPoint): mountPoint is string => mountPoint !== undefined && mountPoint.startsWith(`${dir}/`),
    );
  // Deepest first.
  for (const mountPoint of mounts.sort((a, b) => b.length - a.length)) {
    await runCommand('umount', ['--lazy', mountPoint]);
  }
}

async function emptyDir(dir: string, keep: string[] = []): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!keep.includes(name)) await rm(join(dir, name), { recursive: true, force: true });
  }
}

async function acquireLock(lockPath: string, target: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(lockPath).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    // A lock without a pid is only legitimate for the instant between its creation and the write.
    const stale = holder > 0 ? !isAlive(holder) : await isOlderThan(lockPath, 10_000);
    if (stale) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (await isFile(target)) return () => Promise.resolve();
    if (Date.now() > deadline) {
      throw new TestkitError('lock_timeout', `gave up waiting for ${lockPath} (held by pid ${holder})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isOlderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

import { readdir, writeFile } from 'node:fs/promises';
import { runCommand } from './run-command.js';

/**
 * GNU tar flags that make an archive depend only on the tree's names, modes, contents and
 * links: fixed owner and mtime, sorted members, no atime/ctime and no pid-based names in PAX
 * headers. `security.capability` is kept so fixtures can carry file capabilities.
 */
export const DETERMINISTIC_TAR_FLAGS: readonly string[] = [
  '--format=posix',
  '--numeric-owner',
  '--owner=0',
  '--group=0',
  '--sort=name',
  '--mtime=@0',
  '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
  '--xattrs',
  '--xattrs-include=security.capability',
];

/**
 * Tars the contents of `dir` (not the directory itself) into `outFile`, members named without a
 * leading `./` as in layers built by Docker.
 *
 * @example
 * await tarDirectory('/tmp/rootfs', '/tmp/rootfs.tar');
 */
export async function tarDirectory(dir: string, outFile: string): Promise<void> {
  // --sort=name orders what tar finds inside directories; the top level is ours to order.
  const members = (await readdir(dir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (members.length === 0) {
    await writeFile(outFile, Buffer.alloc(1024));
    return;
  }
  await runCommand(
    'tar',
    [
      '--create',
      `--file=${outFile}`,
      `--directory=${dir}`,
      ...DETERMINISTIC_TAR_FLAGS,
      '--null',
      '--verbatim-files-from',
      '--files-from=-',
    ],
    { input: members.map((name) => `${name}\0`).join('') },
  );
}

import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  linkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeTar, type TarEntry } from '@berth/testkit';
import { isAnalysisError } from './analysis-error.js';
import { TarParser, type TarEntryHeader } from './tar-parser.js';

interface Parsed {
  header: TarEntryHeader;
  content: Buffer;
}

/** Feeds `tar` in chunks of `chunkSize` bytes (to exercise headers split across chunks). */
function parse(tar: Buffer, chunkSize = tar.length, maxEntries = 1000): Parsed[] {
  const out: Parsed[] = [];
  let parts: Buffer[] = [];
  const parser = new TarParser(
    {
      entry: (header) => {
        parts = [];
        out.push({ header, content: Buffer.alloc(0) });
      },
      data: (chunk) => parts.push(Buffer.from(chunk)),
      entryEnd: () => {
        const last = out[out.length - 1];
        if (last) last.content = Buffer.concat(parts);
      },
    },
    { maxEntries, maxMetaHeaderBytes: 1024 * 1024 },
  );
  for (let i = 0; i < tar.length; i += chunkSize) parser.write(tar.subarray(i, i + chunkSize));
  parser.end();
  return out;
}

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 0 };
const file = (name: string, content: string | Buffer, extra: Partial<TarEntry> = {}): TarEntry => ({
  ...base,
  name,
  type: 'file',
  content: typeof content === 'string' ? Buffer.from(content) : content,
  ...extra,
});

const scratch = mkdtempSync(join(tmpdir(), 'berth-tar-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('TarParser on testkit encodeTar archives', () => {
  const longName = `deep/${'a'.repeat(150)}/${'b'.repeat(120)}/file.txt`;
  const capability = Buffer.from([
    0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  ]);
  const tar = encodeTar([
    { ...base, name: 'etc/', type: 'dir', mode: 0o755 },
    file('etc/hostname', 'berth\n'),
    file(longName, 'long'),
    file('usr/bin/ping', 'ELF', {
      mode: 0o4755,
      xattrs: { 'security.capability': capability, 'user.note': 'ü' },
    }),
    { ...base, name: 'usr/bin/alias', type: 'symlink', mode: 0o777, linkname: `../${'x'.repeat(130)}` },
    { ...base, name: './usr/bin/ping2', type: 'hardlink', linkname: './usr/bin/ping' },
    { ...base, name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
    { ...base, name: 'run/fifo', type: 'fifo' },
    file('big-ids', 'x', { uid: 2 ** 31, gid: 70000000, mtime: 2 ** 40 }),
    file('ünïcode/naïve.txt', 'utf8'),
  ]);

  it.each([tar.length, 1, 7, 511, 513, 4096])('parses every member (chunks of %i bytes)', (chunkSize) => {
    const entries = parse(tar, chunkSize);
    expect(entries.map((e) => [e.header.path, e.header.type])).toEqual([
      ['etc', 'dir'],
      ['etc/hostname', 'file'],
      [longName, 'file'],
      ['usr/bin/ping', 'file'],
      ['usr/bin/alias', 'symlink'],
      ['usr/bin/ping2', 'hardlink'],
      ['dev/null', 'char'],
      ['run/fifo', 'fifo'],
      ['big-ids', 'file'],
      ['ünïcode/naïve.txt', 'file'],
    ]);
    const [, hostname, long, ping, alias, ping2, devNull, , bigIds] = entries;
    expect(hostname?.content.toString()).toBe('berth\n');
    expect(long?.content.toString()).toBe('long');
    expect(ping?.header.mode).toBe(0o4755);
    expect(ping?.header.xattrs?.get('security.capability')).toEqual(capability);
    expect(ping?.header.xattrs?.get('user.note')?.toString('utf8')).toBe('ü');
    expect(alias?.header.linkTarget).toBe(`../${'x'.repeat(130)}`);
    expect(ping2?.header.linkTarget).toBe('usr/bin/ping');
    expect(devNull?.header).toMatchObject({ devMajor: 1, devMinor: 3, mode: 0o666 });
    expect(bigIds?.header).toMatchObject({ uid: 2 ** 31, gid: 70000000, mtime: 2 ** 40 });
  });

  it('reads GNU base-256 numeric fields', () => {
    const one = encodeTar([file('f', 'abc', { uid: 5 })]);
    // Rewrite the uid field as base-256 (0x80 marker + big-endian) and fix the checksum.
    one.fill(0, 108, 116);
    one[108] = 0x80;
    one.writeUInt32BE(3_000_000_000, 112);
    fixChecksum(one);
    expect(parse(one)[0]?.header.uid).toBe(3_000_000_000);
  });

  it('refuses a bad checksum with invalid_tar', () => {
    const bad = encodeTar([file('f', 'abc')]);
    bad[0] = 0x67;
    expect(() => parse(bad)).toThrow(expect.objectContaining({ code: 'invalid_tar' }) as Error);
  });

  it('refuses a stream cut inside an entry with truncated_tar', () => {
    const cut = encodeTar([file('f', 'x'.repeat(2000))]).subarray(0, 1024);
    expect(() => parse(cut)).toThrow(expect.objectContaining({ code: 'truncated_tar' }) as Error);
  });

  it('accepts an archive without the end-of-archive marker (as Go does)', () => {
    const full = encodeTar([file('f', 'abc')]);
    expect(parse(full.subarray(0, full.length - 1024)).map((e) => e.header.path)).toEqual(['f']);
  });

  it('caps the entry count with too_many_entries', () => {
    const many = encodeTar(Array.from({ length: 11 }, (_, i) => file(`f${i}`, '')));
    expect(() => parse(many, many.length, 10)).toThrow(
      expect.objectContaining({ code: 'too_many_entries' }) as Error,
    );
    expect(parse(many, many.length, 11)).toHaveLength(11);
  });

  it('normalises absolute and dot names, refuses escapes and NUL', () => {
    expect(
      parse(encodeTar([file('/abs/x', ''), file('./dot/./y', ''), file('a/../b', '')])).map(
        (e) => e.header.path,
      ),
    ).toEqual(['abs/x', 'dot/y', 'b']);
    for (const name of ['../evil', 'a/../../evil', `${'n'.repeat(120)}/../../x`]) {
      try {
        parse(encodeTar([file(name, '')]));
        expect.unreachable(`${name} was accepted`);
      } catch (error) {
        expect(isAnalysisError(error, 'hostile_path')).toBe(true);
        expect((error as Error).message).toContain('climbs out of the image root');
      }
    }
    // NUL can only arrive through PAX: a name longer than 100 bytes goes into a PAX path record.
    expect(() => parse(encodeTar([file(`${'n'.repeat(120)}\u0000evil`, '')]))).toThrow(
      expect.objectContaining({ code: 'hostile_path' }) as Error,
    );
    expect(() =>
      parse(encodeTar([{ ...base, name: 'h', type: 'hardlink', linkname: '../../etc/shadow' }])),
    ).toThrow(expect.objectContaining({ code: 'hostile_path' }) as Error);
  });
});

describe('TarParser on GNU tar archives', () => {
  const root = join(scratch, 'root');
  const longDir = `${'d'.repeat(90)}/${'e'.repeat(90)}`;
  mkdirSync(join(root, longDir), { recursive: true });
  writeFileSync(join(root, longDir, `${'f'.repeat(120)}.txt`), 'deep');
  writeFileSync(join(root, 'a.txt'), 'A'.repeat(1000));
  chmodSync(join(root, 'a.txt'), 0o2755);
  linkSync(join(root, 'a.txt'), join(root, 'a-link.txt'));
  symlinkSync(`../${'t'.repeat(150)}`, join(root, 'long-symlink'));
  const gnuTar = (format: string, extra: string[] = []): Buffer => {
    const out = join(scratch, `${format}.tar`);
    execFileSync('tar', [
      '-c',
      '-f',
      out,
      `--format=${format}`,
      '--sort=name',
      '--numeric-owner',
      '-C',
      root,
      ...extra,
      '.',
    ]);
    return readFileSync(out);
  };
  // --sort=name orders bytewise: '-' < '.' < 'd'.
  const expected = [
    ['', 'dir'],
    ['a-link.txt', 'file'],
    ['a.txt', 'hardlink'],
    [`${'d'.repeat(90)}`, 'dir'],
    [longDir, 'dir'],
    [`${longDir}/${'f'.repeat(120)}.txt`, 'file'],
    ['long-symlink', 'symlink'],
  ];

  it.each(['gnu', 'oldgnu', 'posix'])('reads --format=%s', (format) => {
    const entries = parse(gnuTar(format), 777);
    expect(entries.map((e) => [e.header.path, e.header.type])).toEqual(expected);
    const byPath = new Map(entries.map((e) => [e.header.path, e]));
    expect(byPath.get(`${longDir}/${'f'.repeat(120)}.txt`)?.content.toString()).toBe('deep');
    expect(byPath.get('a-link.txt')?.content.toString()).toBe('A'.repeat(1000));
    expect(byPath.get('a-link.txt')?.header.mode).toBe(0o2755);
    expect(byPath.get('a.txt')?.header.linkTarget).toBe('a-link.txt');
    expect(byPath.get('long-symlink')?.header.linkTarget).toBe(`../${'t'.repeat(150)}`);
  });

  it('reads --format=ustar (names split into prefix + name)', () => {
    const ustarRoot = join(scratch, 'ustar-root');
    const dir = `${'p'.repeat(120)}/${'q'.repeat(20)}`;
    mkdirSync(join(ustarRoot, dir), { recursive: true });
    writeFileSync(join(ustarRoot, dir, `${'r'.repeat(90)}.txt`), 'split');
    const out = join(scratch, 'ustar.tar');
    execFileSync('tar', ['-c', '-f', out, '--format=ustar', '--sort=name', '-C', ustarRoot, dir]);
    const entries = parse(readFileSync(out), 100);
    expect(entries.map((e) => e.header.path)).toEqual([
      `${'p'.repeat(120)}/${'q'.repeat(20)}`,
      `${dir}/${'r'.repeat(90)}.txt`,
    ]);
    expect(entries[1]?.content.toString()).toBe('split');
  });

  it('reads binary security.capability xattrs written by GNU tar --xattrs', () => {
    const capFile = join(root, 'cap');
    writeFileSync(capFile, 'bin');
    try {
      execFileSync('setcap', ['cap_net_bind_service+ep', capFile]);
    } catch (error) {
      throw new Error('setcap is needed for this test (apt-get install libcap2-bin)', { cause: error });
    }
    const tar = gnuTar('posix', ['--xattrs', '--xattrs-include=security.capability']);
    rmSync(capFile);
    const cap = parse(tar).find((e) => e.header.path === 'cap');
    const value = cap?.header.xattrs?.get('security.capability');
    expect(value?.length).toBe(20);
    // vfs_cap_data v2, effective flag set; permitted bit 10 = CAP_NET_BIND_SERVICE.
    expect(value?.readUInt32LE(0)).toBe(0x02000001);
    expect(value?.readUInt32LE(4)).toBe(1 << 10);
  });
});

function fixChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += block[i] as number;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
}

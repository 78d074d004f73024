import { describe, expect, it } from 'vitest';
import { encodeTar } from './tar-writer.js';
import type { TarEntry } from './tar-writer.js';

const base = { type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0 } as const;

function headerAt(tar: Buffer, block: number): Buffer {
  return tar.subarray(block * 512, block * 512 + 512);
}

function field(header: Buffer, offset: number, length: number): string {
  return header
    .subarray(offset, offset + length)
    .toString('latin1')
    .replace(/\0.*$/s, '');
}

describe('encodeTar', () => {
  it('writes a plain ustar header with a valid checksum and two end blocks', () => {
    const tar = encodeTar([{ ...base, name: 'hello.txt', content: Buffer.from('hi') }]);
    expect(tar.byteLength).toBe(512 + 512 + 1024);
    const header = headerAt(tar, 0);
    expect(field(header, 0, 100)).toBe('hello.txt');
    expect(field(header, 100, 8)).toBe('0000644');
    expect(field(header, 124, 12)).toBe('00000000002');
    expect(field(header, 257, 6)).toBe('ustar');
    expect(field(header, 263, 2)).toBe('00');
    const stored = parseInt(field(header, 148, 8), 8);
    const copy = Buffer.from(header);
    copy.fill(' ', 148, 156);
    expect(stored).toBe(copy.reduce((sum, byte) => sum + byte, 0));
    expect(tar.subarray(512, 514).toString()).toBe('hi');
    expect(tar.subarray(1024).every((byte) => byte === 0)).toBe(true);
  });

  it('splits names of up to 255 bytes into prefix and name like Go archive/tar', () => {
    const name = `${'a'.repeat(150)}/${'b'.repeat(99)}`;
    const tar = encodeTar([{ ...base, name }]);
    const header = headerAt(tar, 0);
    expect(field(header, 156, 1)).toBe('0');
    expect(field(header, 0, 100)).toBe('b'.repeat(99));
    expect(field(header, 345, 155)).toBe('a'.repeat(150));
  });

  it('uses a PAX header for names that cannot be split, with self-counting record lengths', () => {
    // Record " path=<n>\n" around the 100/1000 digit boundaries.
    for (const length of [101, 300, 993, 994, 995, 996, 997, 998]) {
      const name = 'n'.repeat(length);
      const tar = encodeTar([{ ...base, name }]);
      const pax = headerAt(tar, 0);
      expect(field(pax, 156, 1)).toBe('x');
      const size = parseInt(field(pax, 124, 12), 8);
      const records = tar.subarray(512, 512 + size).toString('utf8');
      const declared = Number(records.split(' ')[0]);
      expect(declared).toBe(Buffer.byteLength(records));
      expect(records).toBe(`${declared} path=${name}\n`);
    }
  });

  it('puts binary xattrs and large ids in PAX records', () => {
    const value = Buffer.from([0x01, 0x00, 0xff, 0xfe, 0x0a]);
    const entry: TarEntry = {
      ...base,
      name: 'bin/ping',
      uid: 2 ** 22,
      xattrs: { 'security.capability': value },
    };
    const tar = encodeTar([entry]);
    const size = parseInt(field(headerAt(tar, 0), 124, 12), 8);
    const records = tar.subarray(512, 512 + size);
    expect(records.includes(Buffer.from(`uid=${2 ** 22}\n`))).toBe(true);
    const xattr = Buffer.concat([
      Buffer.from(' SCHILY.xattr.security.capability='),
      value,
      Buffer.from('\n'),
    ]);
    expect(records.includes(xattr)).toBe(true);
    const main = headerAt(tar, 2);
    expect(field(main, 0, 100)).toBe('bin/ping');
    expect(field(main, 108, 8)).toBe('0000000');
  });

  it('writes directories with a trailing slash and links with their target', () => {
    const tar = encodeTar([
      { ...base, type: 'dir', name: 'etc', mode: 0o755 },
      { ...base, type: 'symlink', name: 'sh', linkname: 'bash', mode: 0o777 },
    ]);
    expect(field(headerAt(tar, 0), 0, 100)).toBe('etc/');
    expect(field(headerAt(tar, 0), 156, 1)).toBe('5');
    expect(field(headerAt(tar, 1), 156, 1)).toBe('2');
    expect(field(headerAt(tar, 1), 157, 100)).toBe('bash');
  });
});

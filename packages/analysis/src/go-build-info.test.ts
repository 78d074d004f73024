import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GO_BUILDINFO_MAGIC, GoBuildInfoScanner, parseGoBuildInfo } from './go-build-info.js';

const START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** A fake binary laid out as the Go 1.18+ linker writes it: buildinfo at a 16-byte aligned offset. */
function fakeBinary(modinfo: string, prefix = 4096): Buffer {
  const header = Buffer.alloc(32);
  GO_BUILDINFO_MAGIC.copy(header);
  header[14] = 8;
  header[15] = 0x2;
  const version = Buffer.from('go1.22.5');
  const mod = Buffer.concat([START, Buffer.from(modinfo), END]);
  // A decoy magic at an unaligned offset, as in binaries that embed the constant as data.
  const junk = Buffer.alloc(prefix, 0x90);
  GO_BUILDINFO_MAGIC.copy(junk, 17);
  return Buffer.concat([
    junk,
    header,
    varint(version.length),
    version,
    varint(mod.length),
    mod,
    Buffer.alloc(1000),
  ]);
}

const MODINFO = [
  'path\texample.com/app/cmd/app',
  'mod\texample.com/app\tv1.2.3\th1:abc=',
  'dep\tgithub.com/a/b\tv0.1.0\th1:x=',
  'dep\tgithub.com/c/d\tv1.0.0\th1:y=',
  '=>\tgithub.com/fork/d\tv1.0.1\th1:z=',
  'build\tCGO_ENABLED=0',
  '',
].join('\n');

describe('Go build info', () => {
  it.each([1, 5, 13, 14, 100, 4096, 1 << 20])(
    'is found by a streaming scan in chunks of %i bytes',
    (size) => {
      const binary = fakeBinary(MODINFO);
      const scanner = new GoBuildInfoScanner();
      for (let i = 0; i < binary.length; i += size) scanner.feed(binary.subarray(i, i + size));
      expect(scanner.result()).toEqual({
        goVersion: 'go1.22.5',
        path: 'example.com/app/cmd/app',
        main: { path: 'example.com/app', version: 'v1.2.3' },
        deps: [
          { path: 'github.com/a/b', version: 'v0.1.0' },
          { path: 'github.com/fork/d', version: 'v1.0.1' },
        ],
      });
    },
  );

  it('ignores files without build info and pre-1.18 pointer formats', () => {
    const scanner = new GoBuildInfoScanner();
    scanner.feed(Buffer.alloc(10_000, 1));
    expect(scanner.result()).toBeUndefined();
    const old = fakeBinary(MODINFO);
    old[4096 + 15] = 0;
    expect(parseGoBuildInfo(old.subarray(4096))).toBeUndefined();
  });

  it('reads the build info of real Go binaries on this machine', async () => {
    for (const [binary, path] of [
      ['/usr/bin/docker-registry', 'github.com/docker/distribution/cmd/registry'],
      ['/usr/bin/umoci', 'github.com/opencontainers/umoci/cmd/umoci'],
    ] as const) {
      const scanner = new GoBuildInfoScanner();
      for await (const chunk of createReadStream(binary) as AsyncIterable<Buffer>) scanner.feed(chunk);
      const info = scanner.result();
      expect(info?.goVersion).toMatch(/^go1\.\d+/);
      expect(info?.path).toBe(path);
    }
  });
});

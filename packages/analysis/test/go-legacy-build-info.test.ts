// Go 1.13–1.17 build info: the `\xff Go buildinf:` header holds two pointers to Go string
// headers, whose bytes sit in .rodata before the header. The fixtures are ELF files built here,
// laid out as Go's linker lays them out (text/rodata segment, then .go.buildinfo and .data).
import { describe, expect, it } from 'vitest';
import { createLayout, pushImage, startRegistry } from '@berth/testkit';
import { RegistryClient, remoteImageSource } from '@berth/oci';
import {
  GO_BUILDINFO_MAGIC,
  GoBuildInfoScanner,
  elfLoadSegments,
  memoryLayerCache,
  profileImage,
  type GoBuildInfo,
} from '@berth/analysis';

const START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const MODINFO = [
  'path\texample.com/legacy/cmd/app',
  'mod\texample.com/legacy\tv1.4.2\th1:abc=',
  'dep\tgithub.com/pkg/errors\tv0.9.1\th1:def=',
  'dep\tgolang.org/x/sys\tv0.0.0-20210603081109-ebe580a85c40\th1:ghi=',
  '=>\tgolang.org/x/sys\tv0.1.0\th1:jkl=',
  '',
].join('\n');

interface Layout {
  readonly ptrSize: 4 | 8;
  readonly bigEndian: boolean;
  /** Bytes between the buildinfo header and the string headers (in .data). */
  readonly dataGap?: number;
  readonly version?: string;
  readonly modinfo?: Buffer;
  /** Overrides of the two header pointers. */
  readonly pointers?: [number, number];
  readonly versionLength?: number;
  /** Leave out Go's build-ID note (default: present, as `go build` writes it). */
  readonly noNote?: boolean;
}

const TEXT_VADDR = 0x400000;
const DATA_VADDR = 0x800000;
const RODATA = 0x1000;
const VERSION_AT = RODATA + 0x101; // Go strings are not aligned
const MODINFO_AT = RODATA + 0x800;
const BUILDINFO = 0x4000;

/** An ELF executable with a pre-1.18 buildinfo section, as go1.16 writes it. */
function legacyElf(layout: Layout): Buffer {
  const { ptrSize, bigEndian } = layout;
  const is64 = ptrSize === 8;
  const version = Buffer.from(layout.version ?? 'go1.16.15');
  const modinfo = layout.modinfo ?? Buffer.concat([START, Buffer.from(MODINFO), END]);
  const gap = layout.dataGap ?? 0x20;
  const stringHeaders = BUILDINFO + 32 + gap;
  const size = stringHeaders + 4 * ptrSize + 0x100;
  const file = Buffer.alloc(size, 0);
  const w16 = (v: number, at: number): number =>
    bigEndian ? file.writeUInt16BE(v, at) : file.writeUInt16LE(v, at);
  const w32 = (v: number, at: number): number =>
    bigEndian ? file.writeUInt32BE(v, at) : file.writeUInt32LE(v, at);
  const wPtr = (v: number, at: number): void => {
    if (is64) {
      if (bigEndian) file.writeBigUInt64BE(BigInt(v), at);
      else file.writeBigUInt64LE(BigInt(v), at);
    } else w32(v, at);
  };
  // ELF header.
  file.write('\x7fELF', 0, 'latin1');
  file[4] = is64 ? 2 : 1;
  file[5] = bigEndian ? 2 : 1;
  file[6] = 1;
  w16(2, 16); // ET_EXEC
  const phoff = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  if (is64) {
    file.writeBigUInt64LE(0n, 24);
    if (bigEndian) file.writeBigUInt64BE(BigInt(phoff), 32);
    else file.writeBigUInt64LE(BigInt(phoff), 32);
    w16(phentsize, 54);
    w16(4, 56);
  } else {
    w32(phoff, 28);
    w16(phentsize, 42);
    w16(4, 44);
  }
  const phdr = (i: number, type: number, offset: number, vaddr: number, filesz: number): void => {
    const at = phoff + i * phentsize;
    w32(type, at);
    if (is64) {
      wPtr(offset, at + 8);
      wPtr(vaddr, at + 16);
      wPtr(vaddr, at + 24);
      wPtr(filesz, at + 32);
      wPtr(filesz, at + 40);
    } else {
      w32(offset, at + 4);
      w32(vaddr, at + 8);
      w32(vaddr, at + 12);
      w32(filesz, at + 16);
      w32(filesz, at + 20);
    }
  };
  phdr(0, 6, phoff, TEXT_VADDR + phoff, 4 * phentsize); // PT_PHDR
  // .note.go.buildid right before the text, as Go's linker places it: owner "Go", type 4.
  const NOTE = 0xf9c;
  phdr(3, 4, NOTE, TEXT_VADDR + NOTE, 0x64);
  if (!layout.noNote) {
    w32(4, NOTE);
    w32(0x53, NOTE + 4);
    w32(4, NOTE + 8);
    file.write('Go\0\0', NOTE + 12, 'latin1');
    file.write('x'.repeat(0x53), NOTE + 16, 'latin1');
  }
  phdr(1, 1, 0, TEXT_VADDR, BUILDINFO); // PT_LOAD r-x: headers, text, rodata
  phdr(2, 1, BUILDINFO, DATA_VADDR, size - BUILDINFO); // PT_LOAD rw-: buildinfo, data
  // .rodata: a decoy version first, then the real strings packed between other string data.
  file.write('go1.99.99 is not the version', RODATA, 'latin1');
  file.write('runtime: ', VERSION_AT - 9, 'latin1');
  version.copy(file, VERSION_AT);
  file.write('invalid memory address', VERSION_AT + version.length, 'latin1');
  modinfo.copy(file, MODINFO_AT);
  // .go.buildinfo
  GO_BUILDINFO_MAGIC.copy(file, BUILDINFO);
  file[BUILDINFO + 14] = ptrSize;
  file[BUILDINFO + 15] = bigEndian ? 1 : 0;
  const dataVaddr = (offset: number): number => DATA_VADDR + offset - BUILDINFO;
  const [p1, p2] = layout.pointers ?? [dataVaddr(stringHeaders), dataVaddr(stringHeaders + 2 * ptrSize)];
  wPtr(p1, BUILDINFO + 16);
  wPtr(p2, BUILDINFO + 16 + ptrSize);
  // .data: runtime.buildVersion and runtime.modinfo string headers.
  wPtr(TEXT_VADDR + VERSION_AT, stringHeaders);
  wPtr(layout.versionLength ?? version.length, stringHeaders + ptrSize);
  wPtr(TEXT_VADDR + MODINFO_AT, stringHeaders + 2 * ptrSize);
  wPtr(modinfo.length, stringHeaders + 3 * ptrSize);
  return file;
}

function scan(file: Buffer, chunkSize: number): GoBuildInfo | undefined {
  const scanner = new GoBuildInfoScanner();
  for (let at = 0; at < file.length; at += chunkSize) scanner.feed(file.subarray(at, at + chunkSize));
  return scanner.result();
}

const EXPECTED: GoBuildInfo = {
  goVersion: 'go1.16.15',
  path: 'example.com/legacy/cmd/app',
  main: { path: 'example.com/legacy', version: 'v1.4.2' },
  deps: [
    { path: 'github.com/pkg/errors', version: 'v0.9.1' },
    { path: 'golang.org/x/sys', version: 'v0.1.0' },
  ],
};

describe('Go 1.13–1.17 build info in ELF binaries', () => {
  it.each([
    [8, false],
    [8, true],
    [4, false],
    [4, true],
  ] as const)(
    'resolves the pointers of a %i-byte, big-endian=%s binary through its segments',
    (ptrSize, big) => {
      const file = legacyElf({ ptrSize, bigEndian: big });
      expect(elfLoadSegments(file.subarray(0, 4096))).toEqual([
        { offset: 0, vaddr: TEXT_VADDR, filesz: BUILDINFO },
        { offset: BUILDINFO, vaddr: DATA_VADDR, filesz: file.length - BUILDINFO },
      ]);
      for (const chunk of [1, 5, 13, 16, 100, 4096, file.length]) expect(scan(file, chunk)).toEqual(EXPECTED);
    },
  );

  it('finds string headers far past the bytes kept after the magic', () => {
    const file = legacyElf({ ptrSize: 8, bigEndian: false, dataGap: 700 * 1024 });
    expect(scan(file, 65536)).toEqual(EXPECTED);
    expect(scan(file, 3)).toEqual(EXPECTED);
  });

  it('reads a binary built without modules: the Go version only', () => {
    const file = legacyElf({ ptrSize: 8, bigEndian: false, modinfo: Buffer.alloc(0) });
    expect(scan(file, 512)).toEqual({ goVersion: 'go1.16.15', path: '', deps: [] });
  });

  it("skips ELF files without Go's build-ID note (the scan would cost as much as hashing)", () => {
    expect(scan(legacyElf({ ptrSize: 8, bigEndian: false, noNote: true }), 4096)).toBeUndefined();
  });

  it('gives nothing for pointers outside the segments, oversized strings or a non-ELF file', () => {
    expect(scan(legacyElf({ ptrSize: 8, bigEndian: false, pointers: [0x10, 0x20] }), 4096)).toBeUndefined();
    expect(
      scan(legacyElf({ ptrSize: 8, bigEndian: false, pointers: [2 ** 60, 2 ** 61] }), 4096),
    ).toBeUndefined();
    expect(scan(legacyElf({ ptrSize: 8, bigEndian: false, versionLength: 2 ** 40 }), 4096)).toBeUndefined();
    // A length that runs past the segment.
    expect(scan(legacyElf({ ptrSize: 8, bigEndian: false, versionLength: BUILDINFO }), 4096)).toBeUndefined();
    const notElf = legacyElf({ ptrSize: 8, bigEndian: false });
    notElf.write('MZ\x90\x00', 0, 'latin1');
    expect(scan(notElf, 4096)).toBeUndefined();
    const badPtrSize = legacyElf({ ptrSize: 8, bigEndian: false });
    badPtrSize[BUILDINFO + 14] = 3;
    expect(scan(badPtrSize, 4096)).toBeUndefined();
    const truncated = legacyElf({ ptrSize: 8, bigEndian: false });
    expect(scan(truncated.subarray(0, BUILDINFO + 40), 4096)).toBeUndefined();
    // A corrupt program header table (phnum far past the head) is not followed.
    const badPh = legacyElf({ ptrSize: 8, bigEndian: false });
    badPh.writeUInt16LE(0xffff, 56);
    expect(elfLoadSegments(badPh.subarray(0, 4096))).toBeUndefined();
    expect(scan(badPh, 4096)).toBeUndefined();
  });
});

describe('a Go 1.16 binary in an image on the real registry', () => {
  it('lists its modules and toolchain as golang packages', async () => {
    const layout = await createLayout();
    const registry = await startRegistry({ auth: 'none' });
    const client = new RegistryClient();
    try {
      const binary = legacyElf({ ptrSize: 8, bigEndian: false, dataGap: 600 * 1024 });
      await layout.addImage('go', {
        layers: [{ entries: [{ type: 'file', path: 'usr/local/bin/app', content: binary, mode: 0o755 }] }],
      });
      await pushImage(layout, 'go', registry, 'fixtures/go:1.16');
      const source = remoteImageSource(client, { registry: registry.host, repository: 'fixtures/go' });
      const profile = await profileImage(source, '1.16', { cache: memoryLayerCache() });
      expect(profile.packages.map((p) => `${p.name} ${p.version} ${p.path ?? ''}`)).toEqual([
        'example.com/legacy v1.4.2 /usr/local/bin/app',
        'github.com/pkg/errors v0.9.1 /usr/local/bin/app',
        'golang.org/x/sys v0.1.0 /usr/local/bin/app',
        'stdlib go1.16.15 /usr/local/bin/app',
      ]);
    } finally {
      await client.close();
      await registry.stop();
      await layout.remove();
    }
  }, 120_000);
});

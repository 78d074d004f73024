import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffLines, unifiedTextDiff } from './diff-text.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-diff-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GNU diff's unified output for the same inputs, with the same labels. */
function gnuDiff(left: string, right: string, path: string): string {
  writeFileSync(join(dir, 'l'), left);
  writeFileSync(join(dir, 'r'), right);
  try {
    execFileSync('diff', [
      '-u',
      '--label',
      `a/${path}`,
      '--label',
      `b/${path}`,
      join(dir, 'l'),
      join(dir, 'r'),
    ]);
    return '';
  } catch (error) {
    return String((error as { stdout: Buffer }).stdout);
  }
}

const lines = (n: number, f: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => `${f(i)}\n`).join('');

describe('unifiedTextDiff', () => {
  it.each([
    ['one changed line', 'a\nb\nc\n', 'a\nB\nc\n'],
    ['identical', 'same\n', 'same\n'],
    ['added at the end', 'a\nb\n', 'a\nb\nc\n'],
    ['added at the top', 'b\nc\n', 'a\nb\nc\n'],
    ['from empty', '', 'x\ny\n'],
    ['to empty', 'x\ny\n', ''],
    ['no newline at the end', 'a\nb', 'a\nb\n'],
    ['both without final newline', 'a\nb', 'a\nc'],
    [
      'two far-apart hunks',
      lines(30, (i) => `l${i}`),
      lines(30, (i) => (i === 2 || i === 25 ? `X${i}` : `l${i}`)),
    ],
    [
      'close changes share a hunk',
      lines(20, (i) => `l${i}`),
      lines(20, (i) => (i === 5 || i === 10 ? `X${i}` : `l${i}`)),
    ],
    [
      'a dpkg status paragraph upgraded',
      'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\n',
      'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\n',
    ],
  ])('matches GNU diff -u: %s', (_name, left, right) => {
    expect(unifiedTextDiff(left, right, '/etc/file')).toBe(gnuDiff(left, right, 'etc/file'));
  });

  it('says binary files differ, and nothing when they are equal', () => {
    const bin = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]);
    expect(unifiedTextDiff(bin, Buffer.from([0x7f, 0, 9]), 'usr/bin/x')).toBe(
      'Binary files a/usr/bin/x and b/usr/bin/x differ\n',
    );
    expect(unifiedTextDiff(bin, Buffer.from(bin), 'usr/bin/x')).toBe('');
  });

  it('produces a script that turns the left lines into the right ones (random edits)', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: random(30) }, () => `${random(6)}\n`);
      const b = Array.from({ length: random(30) }, () => `${random(6)}\n`);
      const ops = diffLines(a, b);
      const rebuilt: string[] = [];
      const kept: string[] = [];
      for (const op of ops) {
        if (op.kind === 'equal') {
          expect(a[op.a]).toBe(b[op.b]);
          rebuilt.push(b[op.b] as string);
          kept.push(a[op.a] as string);
        } else if (op.kind === 'insert') rebuilt.push(b[op.b] as string);
        else kept.push(a[op.a] as string);
      }
      expect(rebuilt).toEqual(b);
      expect(kept).toEqual(a);
      // Myers finds a shortest script: as short as the LCS says it can be.
      const edits = ops.filter((o) => o.kind !== 'equal').length;
      expect(edits).toBe(a.length + b.length - 2 * lcs(a, b));
    }
  });

  it('falls back to one replacement when the edit distance exceeds the cap', () => {
    const a = lines(50, (i) => `a${i}`);
    const b = lines(50, (i) => `b${i}`);
    const out = unifiedTextDiff(a, b, 'f', { maxEditDistance: 10 });
    expect(out.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toHaveLength(50);
    expect(out.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'))).toHaveLength(50);
  });
});

function lcs(a: readonly string[], b: readonly string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = dp[i] as number[];
      const up = dp[i - 1] as number[];
      row[j] =
        a[i - 1] === b[j - 1] ? (up[j - 1] as number) + 1 : Math.max(up[j] as number, row[j - 1] as number);
    }
  }
  return (dp[a.length] as number[])[b.length] as number;
}

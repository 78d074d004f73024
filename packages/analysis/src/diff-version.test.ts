import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  compareApkVersions,
  compareDebianVersions,
  compareLooseVersions,
  parseDebianVersion,
} from './diff-version.js';

// Pairs that exercise every rule of Debian Policy §5.6.12; dpkg itself is the oracle.
const DEBIAN_PAIRS: [string, string][] = [
  ['1.0', '1.0'],
  ['1.0', '1.1'],
  ['1.0~rc1', '1.0'],
  ['1.0~~', '1.0~'],
  ['1.0~', '1.0'],
  ['1.0', '1.0a'],
  ['1.0a', '1.0+'],
  ['1.0+', '1.0.'],
  ['1:0.1', '2.0'],
  ['0:1.0', '1.0'],
  ['1.0-1', '1.0-1~bpo1'],
  ['2.36-9', '2.36-9+deb12u1'],
  ['2.36-9+deb12u4', '2.36-9+deb12u10'],
  ['1.2.10', '1.2.9'],
  ['1.002', '1.2'],
  ['1.0-0', '1.0'],
  ['1:4.13+dfsg1-1', '1:4.13+dfsg1-1+b1'],
  ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12'],
  ['1.0-1-1', '1.0-1-2'],
  ['a', 'b'],
  ['1.0.0', '1.0'],
  ['3.0.11-1~deb12u2', '3.0.11-1'],
  ['2.7.4-0ubuntu1.6', '2.7.4-0ubuntu1.10'],
  ['12.4+deb12u5', '12.4'],
];

function dpkgSays(a: string, b: string): number {
  const run = (op: string): boolean => {
    try {
      execFileSync('dpkg', ['--compare-versions', a, op, b], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  return run('lt') ? -1 : run('eq') ? 0 : 1;
}

describe('compareDebianVersions', () => {
  it.each(DEBIAN_PAIRS)('orders %s and %s as dpkg --compare-versions does', (a, b) => {
    const expected = dpkgSays(a, b);
    expect(Math.sign(compareDebianVersions(a, b))).toBe(expected);
    expect(Math.sign(compareDebianVersions(b, a))).toBe(-expected || 0);
  });

  it('sorts a shuffled list the way the policy orders it', () => {
    const ordered = ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a', '1.0.1', '1.1', '1:0.1'];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort(compareDebianVersions)).toEqual(ordered);
  });

  it('splits epoch, upstream version and revision', () => {
    expect(parseDebianVersion('1:4.13+dfsg1-1-2')).toEqual({
      epoch: 1,
      upstream: '4.13+dfsg1-1',
      revision: '2',
    });
    expect(parseDebianVersion('2.0')).toEqual({ epoch: 0, upstream: '2.0', revision: '' });
  });
});

describe('compareApkVersions', () => {
  it.each([
    ['3.1.4-r5', '3.1.4-r10'],
    ['1.2.3_rc1-r0', '1.2.3-r0'],
    ['1.2.3_alpha', '1.2.3_beta'],
    ['1.2.3-r0', '1.2.3_p1-r0'],
    ['1.2a', '1.2b'],
    ['1.2', '1.2.1'],
    ['1.36.1-r15', '1.36.1-r29'],
    ['1.9', '1.10'],
  ])('%s < %s', (a, b) => {
    expect(compareApkVersions(a, b)).toBeLessThan(0);
    expect(compareApkVersions(b, a)).toBeGreaterThan(0);
    expect(compareApkVersions(a, a)).toBe(0);
  });
});

describe('compareLooseVersions', () => {
  it.each([
    ['1.9.3', '1.10.0'],
    ['v1.9.3', 'v1.10.0'],
    ['1.0.0-rc.1', '1.0.0'],
    ['2.0.0rc1', '2.0.0'],
    ['1.0', '1.0.1'],
    ['1.0.0-alpha', '1.0.0-beta'],
    ['go1.21.5', 'go1.22.0'],
  ])('%s < %s', (a, b) => {
    expect(compareLooseVersions(a, b)).toBeLessThan(0);
    expect(compareLooseVersions(b, a)).toBeGreaterThan(0);
  });

  it('ignores build metadata', () => {
    expect(compareLooseVersions('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
  });
});

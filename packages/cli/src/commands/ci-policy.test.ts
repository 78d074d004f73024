import { describe, expect, it } from 'vitest';
import { CiPolicyError, parseCiConfig, parsePercent, parseRatio, parseSize } from './ci-policy.js';

describe('ci policy values', () => {
  it.each([
    ['50MB', 50_000_000],
    ['50 MB', 50_000_000],
    ['20MiB', 20 * 1024 * 1024],
    ['1.5GB', 1_500_000_000],
    ['1024', 1024],
    ['3kb', 3000],
  ])('size %s = %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('rejects what is not a size, ratio or percentage', () => {
    for (const bad of ['', 'MB', '-1MB', '5 parsecs', '1e6'])
      expect(() => parseSize(bad)).toThrow(CiPolicyError);
    expect(parseRatio('90%')).toBeCloseTo(0.9);
    expect(parseRatio('0.95')).toBe(0.95);
    expect(() => parseRatio('1.5')).toThrow(/ratio from 0 to 1/);
    expect(parsePercent('10%')).toBe(10);
    expect(() => parsePercent('120')).toThrow(/percentage/);
  });
});

describe('.berth-ci.yml', () => {
  it('reads key: value lines, comments, quotes and camelCase keys; off removes a check', () => {
    const text = [
      '# policy',
      '---',
      'min-efficiency: 0.95',
      "maxWastedBytes: '20MiB'   # binary units",
      '',
      'fail-on: "medium"',
      'max-wasted-percent: off',
    ].join('\n');
    expect(parseCiConfig(text, { maxWastedPercent: 10 })).toEqual({
      minEfficiency: 0.95,
      maxWastedBytes: 20 * 1024 * 1024,
      failOn: 'medium',
    });
  });

  it('names the line of an unknown key, a bad value or a non-mapping line', () => {
    expect(() => parseCiConfig('min-efficiency: 0.9\nfail_on: high\n')).toThrow(
      /line 2: expected "key: value"/,
    );
    expect(() => parseCiConfig('lowest-efficiency: 0.9')).toThrow(/line 1: unknown key "lowest-efficiency"/);
    expect(() => parseCiConfig('fail-on: critical')).toThrow(/line 1: fail-on: "critical" is not one of/);
    expect(() => parseCiConfig('rules:\n  min-efficiency: 0.9')).toThrow(/line 1: unknown key "rules"/);
  });
});

import { describe, expect, it } from 'vitest';
import { formatBytes, formatPlatform, formatRelative, plural, shortDigest } from './format';

describe('format', () => {
  it('shortens digests to the 12 hex digits Docker shows', () => {
    expect(shortDigest('sha256:0123456789abcdef0123')).toBe('0123456789ab');
    expect(shortDigest(null)).toBe('—');
  });

  it('shows sizes in decimal units with three significant digits', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1_234)).toBe('1.23 kB');
    expect(formatBytes(45_600_000)).toBe('45.6 MB');
    expect(formatBytes(123_000_000_000)).toBe('123 GB');
    expect(formatBytes(null)).toBe('—');
  });

  it('says how long ago, and the date beyond a month', () => {
    const now = Date.parse('2025-06-30T12:00:00Z');
    expect(formatRelative('2025-06-30T11:59:30Z', now)).toBe('just now');
    expect(formatRelative('2025-06-30T11:59:00Z', now)).toBe('1 minute ago');
    expect(formatRelative('2025-06-30T09:00:00Z', now)).toBe('3 hours ago');
    expect(formatRelative('2025-06-27T12:00:00Z', now)).toBe('3 days ago');
    expect(formatRelative('2025-01-02T00:00:00Z', now)).toBe('2025-01-02');
    expect(formatRelative(null, now)).toBe('never');
  });

  it('names platforms and counts', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    expect(plural(1, 'repository', 'repositories')).toBe('1 repository');
    expect(plural(1200, 'version')).toBe('1,200 versions');
  });
});

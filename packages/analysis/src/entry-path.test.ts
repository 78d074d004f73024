import { describe, expect, it } from 'vitest';
import { normaliseEntryPath } from './entry-path.js';

describe('normaliseEntryPath', () => {
  it.each([
    ['etc/passwd', 'etc/passwd'],
    ['./etc/passwd', 'etc/passwd'],
    ['/etc/passwd', 'etc/passwd'],
    ['//etc//./passwd/', 'etc/passwd'],
    ['etc/../usr/bin', 'usr/bin'],
    ['./', ''],
    ['/', ''],
    ['.', ''],
    ['a/..', ''],
    ['..foo/bar..', '..foo/bar..'],
  ])('%j → %j', (raw, clean) => {
    expect(normaliseEntryPath(raw)).toBe(clean);
  });

  it.each(['..', '../etc/passwd', 'a/../../b', '/../x', 'a\u0000b'])(
    'refuses %j with hostile_path',
    (raw) => {
      expect(() => normaliseEntryPath(raw)).toThrow(
        expect.objectContaining({ code: 'hostile_path' }) as Error,
      );
    },
  );
});

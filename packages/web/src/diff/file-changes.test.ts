import { describe, expect, it } from 'vitest';
import type { FileModification } from '../api/types';
import {
  changeDetails,
  filterFileChanges,
  formatConfigValue,
  formatDelta,
  hasContentDiff,
  type TypeFilter,
} from './file-changes';

const state = { mode: 0o644, uid: 0, gid: 0, mtime: 0 };
const modified = (over: Partial<FileModification>): FileModification => ({
  path: '/etc/x',
  type: 'file',
  leftType: 'file',
  leftSize: 1,
  rightSize: 2,
  changes: ['content'],
  left: state,
  right: state,
  ...over,
});

describe('file changes', () => {
  const items = [
    { path: '/etc/os-release', type: 'file', size: 1, binary: false },
    { path: '/bin/sh', type: 'symlink', size: 0 },
    { path: '/dev/null', type: 'char', size: 0 },
    { path: '/etc/SSL/cert.pem', type: 'file', size: 9, binary: false },
    { path: '/bin/busybox', type: 'file', size: 9, binary: true },
    { path: '/opt/old', type: 'file', size: 9 },
  ];

  it('filters by type and by a case-insensitive path fragment', () => {
    const paths = (type: TypeFilter, query = '') =>
      filterFileChanges(items, { type, query }).map((i) => i.path);
    expect(paths('all')).toHaveLength(6);
    expect(paths('file')).toEqual(['/etc/os-release', '/etc/SSL/cert.pem', '/bin/busybox', '/opt/old']);
    expect(paths('text')).toEqual(['/etc/os-release', '/etc/SSL/cert.pem']);
    expect(paths('binary')).toEqual(['/bin/busybox']);
    expect(paths('binary', 'etc')).toEqual([]);
    expect(paths('symlink')).toEqual(['/bin/sh']);
    expect(paths('other')).toEqual(['/dev/null']);
    expect(paths('all', ' ssl ')).toEqual(['/etc/SSL/cert.pem']);
    expect(paths('symlink', 'etc')).toEqual([]);
  });

  it('offers a text diff only for regular files whose bytes changed', () => {
    expect(hasContentDiff(modified({}))).toBe(true);
    expect(hasContentDiff(modified({ changes: ['mode'] }))).toBe(false);
    expect(hasContentDiff(modified({ leftType: 'symlink', changes: ['type'] }))).toBe(false);
  });

  it('says what else changed', () => {
    expect(
      changeDetails(
        modified({
          changes: ['mode', 'owner'],
          left: state,
          right: { ...state, mode: 0o4755, uid: 1000, gid: 1000 },
        }),
      ),
    ).toEqual(['mode 0644 → 4755', 'owner 0:0 → 1000:1000']);
    expect(
      changeDetails(
        modified({
          type: 'symlink',
          leftType: 'symlink',
          changes: ['linkTarget'],
          left: { ...state, linkTarget: '/a' },
          right: { ...state, linkTarget: '/b' },
        }),
      ),
    ).toEqual(['link /a → /b']);
    expect(changeDetails(modified({ type: 'symlink', changes: ['type'] }))).toEqual(['file → symlink']);
  });

  it('formats deltas and config values', () => {
    expect(formatDelta(1_200_000)).toBe('+1.20 MB');
    expect(formatDelta(-300_000)).toBe('−300 kB');
    expect(formatDelta(0)).toBe('no change');
    expect(formatConfigValue(['python3', '/app/main.py'])).toBe('["python3","/app/main.py"]');
    expect(formatConfigValue(null)).toBe('—');
    expect(formatConfigValue('')).toBe('""');
    expect(formatConfigValue('/app')).toBe('/app');
  });
});

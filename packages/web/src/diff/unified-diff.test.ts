import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from './unified-diff';

describe('parseUnifiedDiff', () => {
  it('numbers both sides of every hunk and counts the changes', () => {
    const text = [
      '--- a/etc/os-release',
      '+++ b/etc/os-release',
      '@@ -1,3 +1,4 @@',
      ' NAME="Alpine Linux"',
      '-VERSION_ID=3.20.3',
      '+VERSION_ID=3.20.4',
      '+BUILD=2',
      ' ID=alpine',
      '@@ -10 +11 @@ section',
      '-last',
      '\\ No newline at end of file',
      '+last',
      '',
    ].join('\n');
    const { rows, added, deleted } = parseUnifiedDiff(text);
    expect(added).toBe(3);
    expect(deleted).toBe(2);
    expect(rows.map((r) => [r.kind, r.oldLine ?? null, r.newLine ?? null, r.text])).toEqual([
      ['hunk', null, null, '@@ -1,3 +1,4 @@'],
      ['context', 1, 1, 'NAME="Alpine Linux"'],
      ['del', 2, null, 'VERSION_ID=3.20.3'],
      ['add', null, 2, 'VERSION_ID=3.20.4'],
      ['add', null, 3, 'BUILD=2'],
      ['context', 3, 4, 'ID=alpine'],
      ['hunk', null, null, '@@ -10 +11 @@ section'],
      ['del', 10, null, 'last'],
      ['note', null, null, 'No newline at end of file'],
      ['add', null, 11, 'last'],
    ]);
  });

  it('keeps a sentence outside any hunk, and reads an empty diff as no rows', () => {
    expect(parseUnifiedDiff('Binary files a/bin/x and b/bin/x differ\n').rows).toEqual([
      { kind: 'note', text: 'Binary files a/bin/x and b/bin/x differ' },
    ]);
    expect(parseUnifiedDiff('')).toEqual({ rows: [], added: 0, deleted: 0 });
  });

  it('keeps a context line that is itself empty', () => {
    const { rows } = parseUnifiedDiff('@@ -1,2 +1,2 @@\n \n-a\n+b\n');
    expect(rows[1]).toEqual({ kind: 'context', oldLine: 1, newLine: 1, text: '' });
  });
});

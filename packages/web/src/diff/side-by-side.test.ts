import { describe, expect, it } from 'vitest';
import { sideBySide } from './side-by-side';

const view = (a: string, b: string) =>
  sideBySide(a, b).map(
    (r) =>
      `${r.kind} ${r.left ? `${r.left.line}:${r.left.text}` : '.'} | ${r.right ? `${r.right.line}:${r.right.text}` : '.'}`,
  );

describe('sideBySide', () => {
  it('faces equal lines and pairs a changed run line by line', () => {
    expect(view('FROM a\nENV X=1\nRUN make\nCMD x\n', 'FROM a\nENV X=2\nENV Y=3\nRUN make\n')).toEqual([
      'same 1:FROM a | 1:FROM a',
      'changed 2:ENV X=1 | 2:ENV X=2',
      'added . | 3:ENV Y=3',
      'same 3:RUN make | 4:RUN make',
      'removed 4:CMD x | .',
    ]);
  });

  it('handles empty sides', () => {
    expect(view('', 'A\n')).toEqual(['added . | 1:A']);
    expect(view('A', '')).toEqual(['removed 1:A | .']);
    expect(view('', '')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { formatTable, shortDigest, styleFor } from './output.js';

describe('styleFor', () => {
  it('colours a terminal only, and never with NO_COLOR', () => {
    expect(styleFor({ isTTY: true }, {}).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(styleFor({ isTTY: false }, {}).red('x')).toBe('x');
    expect(styleFor({ isTTY: true }, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(styleFor({ isTTY: true }, { NO_COLOR: '' }).red('x')).toBe('\u001b[31mx\u001b[39m');
  });
});

describe('formatTable', () => {
  it('pads columns by their visible width, colour codes aside', () => {
    const style = styleFor({ isTTY: true }, {});
    const table = formatTable(
      ['NAME', 'STATUS', 'N'],
      [
        ['a', style.green('ok'), '1'],
        ['longer', 'error', '22'],
      ],
      style,
    );
    // eslint-disable-next-line no-control-regex
    expect(table.replace(/\u001b\[[0-9;]*m/g, '')).toBe(
      'NAME     STATUS   N\na        ok       1\nlonger   error    22\n',
    );
  });
});

describe('shortDigest', () => {
  it('keeps the algorithm and 12 hex digits', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab');
    expect(shortDigest(null)).toBe('-');
  });
});

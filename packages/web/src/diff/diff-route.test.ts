import { describe, expect, it } from 'vitest';
import { diffPath, parseDiffSearch, swapped } from './diff-route';

const a = { source: 'c1', repository: 'team/python-app', reference: 'latest' };
const b = { source: 'c1', repository: 'team/python-app', reference: `sha256:${'ab'.repeat(32)}` };

describe('Diff page addresses', () => {
  it('name both images readably and round-trip with platforms and view state', () => {
    const path = diffPath({ a, b, ap: 'linux/arm64' }, { tab: 'files', q: 'etc/ssl', change: null });
    expect(path).toBe(
      `/diff?a=c1/team/python-app:latest&b=c1/team/python-app@sha256:${'ab'.repeat(32)}&ap=linux/arm64&tab=files&q=etc/ssl`,
    );
    const search = new URL(path, 'http://portal').searchParams;
    expect(parseDiffSearch(search)).toEqual({ a, b, ap: 'linux/arm64' });
    expect(search.get('q')).toBe('etc/ssl');
  });

  it('escapes what a query value cannot hold', () => {
    const path = diffPath({ a, b }, { q: 'a&b=c #d' });
    expect(new URL(path, 'http://portal').searchParams.get('q')).toBe('a&b=c #d');
  });

  it('needs both images, and swaps them with their platforms', () => {
    expect(parseDiffSearch(new URLSearchParams('a=c1/x:1'))).toBeUndefined();
    expect(swapped({ a, b, ap: 'linux/arm64' })).toEqual({ a: b, b: a, bp: 'linux/arm64' });
  });
});

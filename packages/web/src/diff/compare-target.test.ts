import { describe, expect, it } from 'vitest';
import { parseCompareTarget } from './compare-target';

const current = { source: 'c1', repository: 'team/python-app', reference: 'latest' };
const digest = `sha256:${'0a'.repeat(32)}`;

describe('parseCompareTarget', () => {
  it('reads a tag or a digest as another version of the same repository', () => {
    expect(parseCompareTarget(' 2.0 ', current)).toEqual({
      ok: true,
      address: { ...current, reference: '2.0' },
    });
    expect(parseCompareTarget(digest, current)).toEqual({
      ok: true,
      address: { ...current, reference: digest },
    });
  });

  it('reads another repository of the same connector, and public Docker Hub images', () => {
    expect(parseCompareTarget('team/worker:1', current)).toEqual({
      ok: true,
      address: { source: 'c1', repository: 'team/worker', reference: '1' },
    });
    expect(parseCompareTarget(`team/worker@${digest}`, current)).toEqual({
      ok: true,
      address: { source: 'c1', repository: 'team/worker', reference: digest },
    });
    expect(parseCompareTarget('team/worker', current)).toEqual({
      ok: true,
      address: { source: 'c1', repository: 'team/worker', reference: 'latest' },
    });
    expect(parseCompareTarget('docker.io/alpine:3.20', current)).toEqual({
      ok: true,
      address: { source: 'public', repository: 'library/alpine', reference: '3.20' },
    });
  });

  it('says what is wrong with anything else', () => {
    expect(parseCompareTarget('', current)).toEqual({
      ok: false,
      error: 'Type a tag, a digest or an image reference.',
    });
    const bad = (s: string) => {
      const r = parseCompareTarget(s, current);
      return r.ok ? '' : r.error;
    };
    expect(bad('team/app@sha256:12')).toContain('is not a digest');
    expect(bad('team/app:bad tag')).toContain('is not a tag');
    expect(bad('Team/App:1')).toContain('is not a repository name');
  });
});

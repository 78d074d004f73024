import { describe, expect, it } from 'vitest';
import { imagePath, parseImagePath } from './image-route';

describe('image addresses', () => {
  it('round-trips tags and digests, Docker-style', () => {
    const tag = { source: 'c_1', repository: 'team/python-app', reference: 'v1.10' };
    expect(imagePath(tag)).toBe('/images/c_1/team/python-app:v1.10');
    expect(parseImagePath(imagePath(tag))).toEqual(tag);
    const digest = { source: 'c_1', repository: 'a/b/c', reference: `sha256:${'ab'.repeat(32)}` };
    expect(imagePath(digest)).toBe(`/images/c_1/a/b/c@sha256%3A${'ab'.repeat(32)}`);
    expect(parseImagePath(imagePath(digest))).toEqual(digest);
  });

  it('escapes what a path can not hold and defaults to latest', () => {
    const odd = { source: 'public', repository: 'library/alpine', reference: 'x#1' };
    expect(parseImagePath(imagePath(odd))).toEqual(odd);
    expect(parseImagePath('/images/public/library/alpine')).toEqual({
      source: 'public',
      repository: 'library/alpine',
      reference: 'latest',
    });
    expect(parseImagePath('/connectors')).toBeUndefined();
    expect(parseImagePath('/images/%E0%A4%A/x:1')).toBeUndefined();
  });
});

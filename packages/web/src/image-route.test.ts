import { describe, expect, it } from 'vitest';
import { imageKey, imagePath, imageSpec, parseImageKey, parseImagePath } from './image-route';

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

  it('writes an address as one query value, and as what the API is asked for', () => {
    const tag = { source: 'c_1', repository: 'team/python-app', reference: '2.0' };
    expect(imageKey(tag)).toBe('c_1/team/python-app:2.0');
    expect(parseImageKey(imageKey(tag))).toEqual(tag);
    expect(parseImageKey(null)).toBeUndefined();
    expect(imageSpec(tag, 'linux/arm64')).toEqual({
      connectorId: 'c_1',
      repository: 'team/python-app',
      reference: '2.0',
      platform: 'linux/arm64',
    });
    expect(imageSpec({ source: 'public', repository: 'alpine', reference: '3.20' }, null)).toEqual({
      ref: 'docker.io/library/alpine:3.20',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { findWrites } from './read-only-log.js';

describe('the read-only guard', () => {
  it('flags every method but GET and HEAD on /v2/', () => {
    const log = [
      { method: 'GET', path: '/v2/' },
      { method: 'HEAD', path: '/v2/a/manifests/1' },
      { method: 'PUT', path: '/v2/a/manifests/1' },
      { method: 'POST', path: '/v2/a/blobs/uploads/' },
      { method: 'DELETE', path: '/v2/a/manifests/sha256:x' },
      { method: 'PATCH', path: '/v2/a/blobs/uploads/u' },
      { method: 'POST', path: '/token' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    expect(findWrites(log)).toEqual([
      'PUT /v2/a/manifests/1',
      'POST /v2/a/blobs/uploads/',
      'DELETE /v2/a/manifests/sha256:x',
      'PATCH /v2/a/blobs/uploads/u',
    ]);
  });

  it('is armed for this run: the recording proxy logs to the file the guard reads', () => {
    expect(process.env.BERTH_REGISTRY_REQUEST_LOG).toMatch(/berth-registry-requests-.*\.jsonl$/);
  });
});

import { describe, expect, it } from 'vitest';
import { searchResultPath } from './search-box';

describe('searchResultPath', () => {
  it('opens a version of yours as its profile, a repository of yours in the tree', () => {
    const base = { source: 'connected' as const, platform: 'generic', connectorId: 'c1', match: 'exact' };
    expect(searchResultPath({ ...base, repository: 'team/app', tag: '1.0' })).toBe('/images/c1/team/app:1.0');
    expect(searchResultPath({ ...base, repository: 'team/app' })).toBe(
      '/?connector=c1&repository=team%2Fapp',
    );
  });

  it('opens a public image as a public profile (latest unless a tag is named)', () => {
    expect(
      searchResultPath({
        source: 'public',
        platform: 'dockerhub',
        repository: 'library/python',
        match: 'substring',
      }),
    ).toBe('/images/public/library/python:latest');
  });
});

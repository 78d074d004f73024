import { describe, expect, it } from 'vitest';
import { parseChallenges, repositoryScope } from './challenge.js';

describe('parseChallenges', () => {
  it('parses a Docker Hub bearer challenge', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/alpine:pull',
        },
      },
    ]);
  });

  it('parses a Basic challenge and lower-cases scheme and names', () => {
    expect(parseChallenges('BASIC Realm="Registry Realm"')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
    ]);
  });

  it('parses several challenges in one header, with spaces after commas', () => {
    expect(
      parseChallenges(
        'Basic realm="a", Bearer realm="https://t/x", service="svc",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'a' } },
      {
        scheme: 'bearer',
        params: { realm: 'https://t/x', service: 'svc', scope: 'repository:a/b:pull,push' },
      },
    ]);
  });

  it('handles escaped quotes, commas inside quotes and unquoted values', () => {
    expect(parseChallenges('Bearer realm="a\\"b,c", service=svc , error=insufficient_scope')).toEqual([
      { scheme: 'bearer', params: { realm: 'a"b,c', service: 'svc', error: 'insufficient_scope' } },
    ]);
  });

  it('accepts several header lines and a scheme with no parameters', () => {
    expect(parseChallenges(['Negotiate', 'Bearer realm="r"'])).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'bearer', params: { realm: 'r' } },
    ]);
  });

  it('keeps token68 credentials', () => {
    expect(parseChallenges('Negotiate YII=, Basic realm="x"')).toEqual([
      { scheme: 'negotiate', params: { '': 'YII=' } },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  it('survives empty and malformed input', () => {
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('Bearer realm="unterminated')).toEqual([
      { scheme: 'bearer', params: { realm: 'unterminated' } },
    ]);
    expect(parseChallenges(',,, Bearer realm=x')).toEqual([{ scheme: 'bearer', params: { realm: 'x' } }]);
  });

  it('builds repository scopes', () => {
    expect(repositoryScope('library/alpine')).toBe('repository:library/alpine:pull');
  });
});

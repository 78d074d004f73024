import { describe, expect, it } from 'vitest';
import {
  formatFamiliarReference,
  formatReference,
  parseReference,
  referenceIdentifier,
  registryApiHost,
  isLoopbackRegistry,
} from './reference.js';
import { isOciError } from './errors.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['alpine:3.20', 'docker.io', 'library/alpine', '3.20', undefined],
    ['library/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['index.docker.io/alpine:edge', 'docker.io', 'library/alpine', 'edge', undefined],
    ['registry-1.docker.io/bitnami/redis:7', 'docker.io', 'bitnami/redis', '7', undefined],
    ['bitnami/redis', 'docker.io', 'bitnami/redis', 'latest', undefined],
    ['a/b/c/d', 'docker.io', 'a/b/c/d', 'latest', undefined],
    [`alpine@${D}`, 'docker.io', 'library/alpine', undefined, D],
    [`alpine:3.20@${D}`, 'docker.io', 'library/alpine', '3.20', D],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['localhost:5000/app:v1', 'localhost:5000', 'app', 'v1', undefined],
    ['127.0.0.1:5000/team/app', '127.0.0.1:5000', 'team/app', 'latest', undefined],
    ['[::1]:5000/app:1', '[::1]:5000', 'app', '1', undefined],
    ['ghcr.io/org/img:sha-1a2b', 'ghcr.io', 'org/img', 'sha-1a2b', undefined],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc/api:2024.01',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'svc/api',
      '2024.01',
      undefined,
    ],
    [
      'europe-west1-docker.pkg.dev/proj/repo/img',
      'europe-west1-docker.pkg.dev',
      'proj/repo/img',
      'latest',
      undefined,
    ],
    ['quay.io/coreos/etcd:v3.5.0', 'quay.io', 'coreos/etcd', 'v3.5.0', undefined],
    ['myhost:8080/x', 'myhost:8080', 'x', 'latest', undefined],
    ['Registry/x', 'Registry', 'x', 'latest', undefined],
    ['foo_bar/a__b/c-d/e.f/g---h', 'docker.io', 'foo_bar/a__b/c-d/e.f/g---h', 'latest', undefined],
    ['x:_under', 'docker.io', 'library/x', '_under', undefined],
    [`x:${'t'.repeat(128)}`, 'docker.io', 'library/x', 't'.repeat(128), undefined],
  ])('%s', (input, registry, repository, tag, digest) => {
    expect(parseReference(input)).toEqual({ registry, repository, tag, digest });
  });

  it('keeps the tag absent when asked to', () => {
    expect(parseReference('alpine', { defaultTag: null }).tag).toBeUndefined();
  });

  it('uses another default registry when given', () => {
    expect(parseReference('team/app', { defaultRegistry: 'localhost:5000' })).toEqual({
      registry: 'localhost:5000',
      repository: 'team/app',
      tag: 'latest',
      digest: undefined,
    });
  });

  it.each([
    ['', /empty/],
    [' alpine', /whitespace/],
    ['alp ine', /whitespace/],
    ['https://ghcr.io/a/b', /scheme/],
    ['Alpine', /lower-case/],
    ['docker.io/Library/alpine', /lower-case/],
    ['alpine:', /tag after ":" is empty/],
    ['alpine:-x', /tag "-x" is invalid/],
    ['alpine:.x', /tag ".x" is invalid/],
    [`alpine:${'t'.repeat(129)}`, /is invalid/],
    ['alpine@sha256:abc', /valid sha256 digest/],
    [`alpine@md5:${'a'.repeat(32)}`, /not supported/],
    [`alpine@sha256:${'A'.repeat(64)}`, /lower-case hex/],
    ['alpine@', /not a digest/],
    ['a//b', /empty path component/],
    ['a/b/', /empty path component/],
    ['/a', /empty path component/],
    ['ghcr.io/', /repository name is missing/],
    [':tag', /repository name is missing/],
    ['a-/b', /path component "a-" is invalid/],
    ['_a', /path component "_a" is invalid/],
    ['a..b', /path component "a..b" is invalid/],
    ['a___b', /invalid/],
    ['-host.io/a', /registry "-host.io" is not a valid host/],
    ['host.io:port/a', /invalid/],
    [`${'a'.repeat(250)}/bbbbbb`, /longer than 255/],
  ])('rejects %j', (input, message) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (error) {
      caught = error;
    }
    expect(isOciError(caught, 'invalid_reference')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('formatting', () => {
  it('formats the canonical and familiar forms', () => {
    const ref = parseReference(`alpine:3.20@${D}`);
    expect(formatReference(ref)).toBe(`docker.io/library/alpine:3.20@${D}`);
    expect(formatFamiliarReference(ref)).toBe(`alpine:3.20@${D}`);
    expect(formatFamiliarReference(parseReference('bitnami/redis'))).toBe('bitnami/redis:latest');
    expect(formatFamiliarReference(parseReference('library/a/b'))).toBe('library/a/b:latest');
    expect(formatFamiliarReference(parseReference('ghcr.io/o/i:1'))).toBe('ghcr.io/o/i:1');
  });

  it('round-trips canonical forms', () => {
    for (const input of [
      'docker.io/library/alpine:3',
      `quay.io/a/b@${D}`,
      'localhost:5000/x:y',
      '[::1]:5000/app:1',
    ]) {
      expect(formatReference(parseReference(input))).toBe(input);
    }
  });

  it('asks for the digest before the tag', () => {
    expect(referenceIdentifier(parseReference(`a:1@${D}`))).toBe(D);
    expect(referenceIdentifier(parseReference('a:1'))).toBe('1');
  });

  it('maps Docker Hub to its API host and recognises loopback registries', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
    expect(isLoopbackRegistry('localhost:5000')).toBe(true);
    expect(isLoopbackRegistry('127.0.0.1:41000')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('ghcr.io')).toBe(false);
    expect(isLoopbackRegistry('127.example.com')).toBe(false);
  });
});

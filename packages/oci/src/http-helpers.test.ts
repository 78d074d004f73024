import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { nextLink } from './link-header.js';
import { parseRateLimit } from './rate-limit.js';
import { backoffDelay, parseRetryAfter, sleep, DEFAULT_RETRY_POLICY } from './retry.js';
import { VerifyingStream } from './verified-stream.js';
import { computeDigest, parseDigest, shortDigest } from './digest.js';
import { isOciError, OciError, redact } from './errors.js';
import { readLimited } from './read-body.js';
import { isAddressAllowed } from './endpoint-policy.js';

describe('nextLink', () => {
  const base = 'http://127.0.0.1:5000/v2/_catalog?n=2';
  it('resolves relative and absolute next links', () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"', base)).toBe(
      'http://127.0.0.1:5000/v2/_catalog?last=b&n=2',
    );
    expect(nextLink('<https://r.example/v2/x/tags/list?n=5&last=v9>; rel=next', base)).toBe(
      'https://r.example/v2/x/tags/list?n=5&last=v9',
    );
  });
  it('picks rel=next among several links and ignores others', () => {
    expect(nextLink('</a>; rel="prev", </b?c=1,2>; rel="next"', base)).toBe('http://127.0.0.1:5000/b?c=1,2');
    expect(nextLink('</a>; rel="prev"', base)).toBeUndefined();
    expect(nextLink(undefined, base)).toBeUndefined();
  });
});

describe('rate limits', () => {
  it('reads Docker Hub headers', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(
      parseRateLimit({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' }, now),
    ).toEqual({
      limit: 100,
      remaining: 76,
      windowSeconds: 21600,
      observedAt: now,
    });
  });
  it('reads X-RateLimit headers with epoch and relative resets', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(
      parseRateLimit(
        { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': '1767225660' },
        now,
      )?.resetAt,
    ).toEqual(new Date('2026-01-01T00:01:00Z'));
    expect(parseRateLimit({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '30' }, now)?.resetAt).toEqual(
      new Date('2026-01-01T00:00:30Z'),
    );
    expect(parseRateLimit({}, now)).toBeUndefined();
  });
});

describe('retry', () => {
  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
  it('backs off exponentially with jitter under a ceiling', () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, p, () => 0)).toBe(50);
    expect(backoffDelay(0, p, () => 1)).toBe(100);
    expect(backoffDelay(3, p, () => 1)).toBe(800);
    expect(backoffDelay(10, p, () => 1)).toBe(1000);
  });
  it('stops sleeping when aborted', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });
});

describe('VerifyingStream', () => {
  const data = Buffer.from('hello, registry');
  const digest = computeDigest(data);
  const run = (chunks: Buffer[], expected: { digest?: string; size?: number }) =>
    readLimited(Readable.from(chunks).pipe(new VerifyingStream(expected)), 1 << 20, 'blob');

  it('passes bytes through when digest and size match', async () => {
    expect(
      (await run([data.subarray(0, 3), data.subarray(3)], { digest, size: data.length })).toString(),
    ).toBe('hello, registry');
  });
  it('fails with digest_mismatch at EOF', async () => {
    await expect(run([Buffer.from('hello, REGISTRY')], { digest, size: data.length })).rejects.toMatchObject({
      code: 'digest_mismatch',
    });
  });
  it('fails with size_mismatch on short and long streams', async () => {
    await expect(run([data.subarray(0, 5)], { digest, size: data.length })).rejects.toMatchObject({
      code: 'size_mismatch',
    });
    await expect(run([data, data], { digest, size: data.length })).rejects.toMatchObject({
      code: 'size_mismatch',
    });
  });
});

describe('digests, limits and redaction', () => {
  it('validates digests', () => {
    expect(parseDigest(`sha512:${'a'.repeat(128)}`).algorithm).toBe('sha512');
    expect(() => parseDigest(`sha256:${'a'.repeat(63)}`)).toThrow(OciError);
    expect(shortDigest(`sha256:${'0123456789abcdef'.repeat(4)}`)).toBe('sha256:0123456789ab');
  });
  it('refuses bodies over the limit', async () => {
    const e = await readLimited(Readable.from([Buffer.alloc(10), Buffer.alloc(10)]), 15, 'thing').catch(
      (x: unknown) => x,
    );
    expect(isOciError(e, 'response_too_large')).toBe(true);
    expect((e as Error).message).toBe('thing is larger than the 15 B limit');
  });
  it('redacts credentials from messages', () => {
    const text = redact(
      'GET https://user:hunter2@r.example/v2/ Authorization: Bearer abc.def-ghi token=s3cr3t&x=1 {"password":"p4ss"} eyJhbGciOi.eyJzdWIi.sig X-Amz-Signature=deadbeef',
    );
    for (const secret of ['hunter2', 'abc.def-ghi', 's3cr3t', 'p4ss', 'eyJhbGciOi', 'deadbeef'])
      expect(text).not.toContain(secret);
    expect(text).toContain('x=1');
    expect(new OciError('unauthorized', 'bad Basic dXNlcjpwYXNz').message).toBe('bad Basic ***');
  });
});

describe('endpoint policy', () => {
  it.each([
    ['169.254.169.254', 'default', false],
    ['fd00:ec2::254', 'default', false],
    ['fe80::1', 'default', false],
    ['::ffff:169.254.169.254', 'default', false],
    ['127.0.0.1', 'default', true],
    ['10.1.2.3', 'default', true],
    ['8.8.8.8', 'default', true],
    ['127.0.0.1', 'strict', false],
    ['::1', 'strict', false],
    ['10.1.2.3', 'strict', false],
    ['172.20.0.1', 'strict', false],
    ['192.168.1.1', 'strict', false],
    ['100.64.0.1', 'strict', false],
    ['fd12::1', 'strict', false],
    ['8.8.8.8', 'strict', true],
    ['169.254.169.254', 'off', true],
  ] as const)('%s under %s → %s', (address, policy, allowed) => {
    expect(isAddressAllowed(address, policy)).toBe(allowed);
  });
});

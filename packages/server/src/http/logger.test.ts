import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from './logger.js';

describe('log redaction', () => {
  it('masks secret-named fields at any depth and token-looking text', () => {
    expect(
      scrubSecrets({
        password: 'p',
        nested: {
          apiKey: 'k',
          clientSecret: 's',
          list: [{ token: 't' }],
          tokenId: 'visible',
          credentialHint: '…a1b2',
        },
        headers: { authorization: 'Bearer x', cookie: 'c' },
        message: 'GET https://u:pw@host/v2/?access_token=abc',
      }),
    ).toEqual({
      password: '[redacted]',
      nested: {
        apiKey: '[redacted]',
        clientSecret: '[redacted]',
        list: [{ token: '[redacted]' }],
        tokenId: 'visible',
        credentialHint: '…a1b2',
      },
      headers: { authorization: '[redacted]', cookie: '[redacted]' },
      message: 'GET https://***@host/v2/?access_token=***',
    });
  });

  it('applies to every record a logger writes', () => {
    let out = '';
    const logger = createLogger(
      'info',
      new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) }),
    );
    logger.info({ registry: { password: 'hunter2', username: 'me' } }, 'connect with Basic dXNlcjpodW50ZXIy');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('dXNlcjpodW50ZXIy');
    expect(JSON.parse(out)).toMatchObject({
      registry: { password: '[redacted]', username: 'me' },
      msg: 'connect with Basic ***',
    });
  });
});

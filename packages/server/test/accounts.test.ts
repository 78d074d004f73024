import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

const problem = (code: string): unknown =>
  expect.objectContaining({
    code,
    status: expect.any(Number) as number,
    type: expect.any(String) as string,
    title: expect.any(String) as string,
    detail: expect.any(String) as string,
  });

describe('sign-up and log-in', () => {
  it('makes the first user admin and later ones users, with a session cookie', async () => {
    const first = new Api(server.url);
    expect((await first.call('GET', '/api/v1/auth/status')).body).toEqual({
      hasAccounts: false,
      signup: 'open',
    });
    const res = await first.signup('Admin@Example.com', 'correct horse battery');
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: 'admin@example.com', role: 'admin' });
    expect(res.body.csrfToken).toMatch(/^[\w-]{40,}$/);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/berth_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect((await first.call('GET', '/api/v1/me')).body).toMatchObject({
      user: { email: 'admin@example.com' },
      csrfToken: res.body.csrfToken,
    });

    const second = new Api(server.url);
    expect((await second.signup('user@example.com', 'another long password')).body.user.role).toBe('user');
    expect((await second.call('GET', '/api/v1/auth/status')).body).toEqual({
      hasAccounts: true,
      signup: 'open',
    });
  });

  it('refuses a taken e-mail address whatever its case', async () => {
    const res = await new Api(server.url).signup('ADMIN@example.com', 'whatever password');
    expect(res.status).toBe(409);
    expect(res.body).toEqual(problem('email_taken'));
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('logs in and out', async () => {
    const api = new Api(server.url);
    expect((await api.login('admin@example.com', 'correct horse battery')).status).toBe(200);
    expect((await api.call('GET', '/api/v1/me')).status).toBe(200);
    expect((await api.call('POST', '/api/v1/auth/logout')).status).toBe(204);
    const after = await api.call('GET', '/api/v1/me');
    expect(after.status).toBe(401);
    expect(after.body).toEqual(problem('unauthenticated'));
  });

  it('keeps an old session cookie dead after logout', async () => {
    const api = new Api(server.url);
    await api.login('admin@example.com', 'correct horse battery');
    const stolen = api.cookie;
    await api.call('POST', '/api/v1/auth/logout');
    const replay = new Api(server.url);
    replay.cookie = stolen;
    expect((await replay.call('GET', '/api/v1/me')).status).toBe(401);
  });

  it('answers a wrong password and an unknown e-mail alike', async () => {
    const a = await new Api(server.url).login('user@example.com', 'wrong password!');
    const b = await new Api(server.url).login('nobody@example.com', 'wrong password!');
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body).toEqual(b.body);
    expect(a.body).toEqual(problem('invalid_credentials'));
  });

  it('throttles repeated failures for an account, with Retry-After', async () => {
    const throttled = await startTestServer();
    try {
      const api = new Api(throttled.url);
      await api.signup('victim@example.com', 'the real password');
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await new Api(throttled.url).login('victim@example.com', `guess number ${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      const blocked = await new Api(throttled.url).login('victim@example.com', 'the real password');
      expect(blocked.status).toBe(429);
      expect(blocked.body).toEqual(problem('too_many_attempts'));
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await throttled.stop();
    }
  });

  it('ends a session when it expires', async () => {
    let now = Date.now();
    const timed = await startTestServer(
      { BERTH_SESSION_TTL_HOURS: '1' },
      { clock: { now: () => new Date(now) } },
    );
    try {
      const api = new Api(timed.url);
      await api.signup('expiring@example.com', 'expiring password');
      expect((await api.call('GET', '/api/v1/me')).status).toBe(200);
      now += 59 * 60_000;
      expect((await api.call('GET', '/api/v1/me')).status).toBe(200);
      now += 2 * 60_000;
      const expired = await api.call('GET', '/api/v1/me');
      expect(expired.status).toBe(401);
      expect(expired.body).toEqual(problem('unauthenticated'));
    } finally {
      await timed.stop();
    }
  });

  it('closes sign-up after the first account when BERTH_SIGNUP=closed', async () => {
    const closed = await startTestServer({ BERTH_SIGNUP: 'closed' });
    try {
      expect((await new Api(closed.url).signup('first@example.com', 'first password')).status).toBe(201);
      const second = await new Api(closed.url).signup('second@example.com', 'second password');
      expect(second.status).toBe(403);
      expect(second.body).toEqual(problem('signup_closed'));
      expect((await new Api(closed.url).call('GET', '/api/v1/auth/status')).body).toEqual({
        hasAccounts: true,
        signup: 'closed',
      });
    } finally {
      await closed.stop();
    }
  });
});

describe('CSRF protection for cookie sessions', () => {
  it('refuses a state-changing cookie request without the token, and accepts it with', async () => {
    const api = new Api(server.url);
    await api.login('user@example.com', 'another long password');
    const token = api.csrfToken;
    api.csrfToken = undefined;
    const refused = await api.call('POST', '/api/v1/tokens', { name: 'ci' });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(problem('csrf_token_invalid'));
    api.csrfToken = 'x'.repeat(token?.length ?? 10);
    expect((await api.call('POST', '/api/v1/tokens', { name: 'ci' })).status).toBe(403);
    expect((await api.call('GET', '/api/v1/tokens')).body).toEqual([]);
    api.csrfToken = token;
    expect((await api.call('POST', '/api/v1/tokens', { name: 'ci' })).status).toBe(201);
  });
});

describe('API tokens', () => {
  it('shows the value once, lists without values, authenticates, and stops at once when revoked', async () => {
    const api = new Api(server.url);
    await api.login('admin@example.com', 'correct horse battery');
    const created = await api.call<{ id: string; token: string; name: string; prefix: string }>(
      'POST',
      '/api/v1/tokens',
      { name: 'laptop CLI' },
    );
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^berth_pat_[\w-]{43}$/);
    expect(created.body.token.startsWith(created.body.prefix)).toBe(true);

    const list = await api.call<Record<string, unknown>[]>('GET', '/api/v1/tokens');
    expect(list.body.map((t) => t.name)).toContain('laptop CLI');
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);

    const cli = new Api(server.url);
    cli.token = created.body.token;
    expect((await cli.call('GET', '/api/v1/me')).body).toEqual({
      user: expect.objectContaining({ email: 'admin@example.com' }) as unknown,
    });
    // Bearer requests need no CSRF token.
    expect((await cli.call('POST', '/api/v1/tokens', { name: 'made by token' })).status).toBe(201);
    const used = await api.call<{ id: string; lastUsedAt: string | null }[]>('GET', '/api/v1/tokens');
    expect(used.body.find((t) => t.id === created.body.id)?.lastUsedAt).toEqual(expect.any(String));

    expect((await api.call('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    const revoked = await cli.call('GET', '/api/v1/me');
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual(problem('invalid_token'));
    expect((await api.call('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(404);
  });

  it('rejects malformed Authorization headers precisely', async () => {
    const res = await new Api(server.url).call('GET', '/api/v1/me', undefined, {
      authorization: 'Token abc',
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(problem('invalid_token'));
  });
});

describe('bad input', () => {
  const countTokens = async (api: Api) => (await api.call<unknown[]>('GET', '/api/v1/tokens')).body.length;

  it('answers each kind of bad body with a precise problem and changes nothing', async () => {
    const api = new Api(server.url);
    await api.login('user@example.com', 'another long password');
    const before = await countTokens(api);
    const cases: [unknown, Record<string, string>, number, string, RegExp?][] = [
      ['{"name": ', {}, 400, 'malformed_json'],
      [{ name: 'x', admin: true }, {}, 400, 'invalid_request', /body\/admin is not a known field/],
      [{ name: 42 }, {}, 400, 'invalid_request', /body\/name/],
      [{ name: '' }, {}, 400, 'invalid_request', /body\/name/],
      [{}, {}, 400, 'invalid_request', /name/],
      [{ name: 'x'.repeat(300_000) }, {}, 413, 'payload_too_large'],
      ['name=x', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
    ];
    for (const [body, headers, status, code, detail] of cases) {
      const res = await api.call<{ code: string; detail: string }>('POST', '/api/v1/tokens', body, {
        'content-type': 'application/json',
        ...headers,
      });
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      if (detail) expect(res.body.detail).toMatch(detail);
    }
    expect(await countTokens(api)).toBe(before);
  });

  it('validates sign-up input', async () => {
    const api = new Api(server.url);
    expect((await api.signup('not-an-email', 'long enough password')).body).toEqual(
      problem('invalid_request'),
    );
    expect((await api.signup('short@example.com', 'short')).body).toEqual(problem('invalid_request'));
    expect((await api.login('short@example.com', 'long enough password')).status).toBe(401);
  });

  it('answers unknown routes with a problem document', async () => {
    const res = await new Api(server.url).call('GET', '/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual(problem('not_found'));
  });
});

describe('operations', () => {
  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    const api = new Api(server.url);
    expect((await api.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await api.call('GET', '/readyz')).body).toEqual({ status: 'ok' });
    const metrics = await api.call<string>('GET', '/metrics');
    expect(metrics.body).toMatch(
      /berth_http_requests_total\{method="POST",route="\/api\/v1\/auth\/signup",status="201"\} \d+/,
    );
    expect(metrics.body).toMatch(/berth_process_cpu_seconds_total/);
    const openapi = await api.call<{ openapi: string; paths: Record<string, unknown> }>(
      'GET',
      '/api/openapi.json',
    );
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/signup',
        '/api/v1/auth/login',
        '/api/v1/auth/logout',
        '/api/v1/me',
        '/api/v1/tokens',
        '/api/v1/tokens/{id}',
        '/api/v1/audit',
      ]),
    );
    // The README's API table names every documented route.
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const [path, methods] of Object.entries(openapi.body.paths)) {
      for (const method of Object.keys(methods as object)) {
        expect(readme, `${method} ${path}`).toContain(
          `\`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        );
      }
    }
  });

  it('sends security headers', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  it('keeps an audit log of security events without secrets', async () => {
    const api = new Api(server.url);
    await api.login('admin@example.com', 'correct horse battery');
    const audit = await api.call<{ action: string; detail: unknown }[]>('GET', '/api/v1/audit');
    const actions = audit.body.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['user.signup', 'user.login', 'token.create', 'token.revoke', 'user.logout']),
    );
    expect(JSON.stringify(audit.body)).not.toMatch(/correct horse|berth_pat_/);
  });
});

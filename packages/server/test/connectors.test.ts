import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startRegistry,
  startScriptedServer,
  type OciLayout,
  type RunningRegistry,
} from '@berth/testkit';
import { Api, databaseContentTexts, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let registry: RunningRegistry;
let layout: OciLayout;
let api: Api;

beforeAll(async () => {
  [server, registry, layout] = await Promise.all([
    startTestServer(),
    startRegistry({ auth: 'basic' }),
    createLayout(),
  ]);
  await layout.addImage('img', { layers: [{ entries: [{ type: 'file', path: 'f', content: 'x' }] }] });
  await pushImage(layout, 'img', registry, 'team/secret-project-name:1');
  api = new Api(server.url);
  await api.signup('owner@example.com', 'owner password 1');
});
afterAll(async () => {
  await Promise.all([server?.stop(), registry?.stop(), layout?.remove()]);
});

const creds = () => ({
  username: registry.credentials?.username ?? '',
  password: registry.credentials?.password ?? '',
});
const genericBody = (name: string, credentials: Record<string, string>) => ({
  platform: 'generic',
  name,
  config: { endpoint: registry.url },
  credentials,
});

describe('platforms', () => {
  it('lists the platforms with their fields and instructions', async () => {
    const res = await api.call<
      { id: string; credentialFields: { name: string; secret: boolean }[]; instructions: string }[]
    >('GET', '/api/v1/platforms');
    expect(res.status).toBe(200);
    const generic = res.body.find((p) => p.id === 'generic');
    expect(generic?.credentialFields.find((f) => f.name === 'password')?.secret).toBe(true);
    expect(generic?.instructions).toMatch(/read-only/i);
    expect(res.body.map((p) => p.id)).toEqual([
      'dockerhub',
      'ecr',
      'google',
      'quay',
      'ghcr',
      'acr',
      'generic',
    ]);
    const ecr = res.body.find((p) => p.id === 'ecr') as unknown as {
      suggestedConfig: { externalId: string };
    };
    const again = (
      await api.call<{ id: string; suggestedConfig?: { externalId: string } }[]>('GET', '/api/v1/platforms')
    ).body.find((p) => p.id === 'ecr');
    expect(ecr.suggestedConfig.externalId).toMatch(/^[\w-]{16,}$/);
    expect(again?.suggestedConfig?.externalId).not.toBe(ecr.suggestedConfig.externalId);
  });
});

describe('connector lifecycle', () => {
  it('refuses wrong credentials with 422 and stores nothing', async () => {
    const res = await api.call<{ code: string; detail: string }>(
      'POST',
      '/api/v1/connectors',
      genericBody('Staging', { ...creds(), password: 'not-the-password' }),
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_credentials');
    expect(res.body.detail).toMatch(/rejected the username and password/);
    expect(JSON.stringify(res.body)).not.toContain('not-the-password');
    expect((await api.call<unknown[]>('GET', '/api/v1/connectors')).body).toEqual([]);
  });

  it('refuses a bad shape with 400', async () => {
    const bad = await api.call<{ code: string }>('POST', '/api/v1/connectors', {
      platform: 'generic',
      name: 'x',
      config: { endpoint: 'ftp://nope' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_configuration');
    const unknown = await api.call<{ code: string; detail: string }>('POST', '/api/v1/connectors', {
      platform: 'nexus',
      name: 'x',
    });
    expect(unknown.body).toMatchObject({
      code: 'invalid_configuration',
      detail: expect.stringMatching(/unknown platform "nexus"/) as string,
    });
  });

  it('creates, lists, renames, rotates, tests and deletes a connector, never showing the secret', async () => {
    const created = await api.call<Record<string, unknown>>(
      'POST',
      '/api/v1/connectors',
      genericBody('Production registry', creds()),
    );
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      platform: 'generic',
      name: 'Production registry',
      status: 'ok',
      config: { endpoint: registry.url },
      repositoryCount: 0,
    });
    expect(created.body.credentialHint).toBe(`…${creds().password.slice(-4)}`);
    expect(JSON.stringify(created.body)).not.toContain(creds().password);
    expect(created.body).not.toHaveProperty('secretId');

    const list = await api.call<Record<string, unknown>[]>('GET', '/api/v1/connectors');
    expect(list.body.map((c) => c.id)).toEqual([id]);
    expect((await api.call('GET', `/api/v1/connectors/${id}`)).body).toMatchObject({
      id,
      name: 'Production registry',
    });

    const dup = await api.call<{ code: string }>(
      'POST',
      '/api/v1/connectors',
      genericBody('Production registry', creds()),
    );
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('name_taken');

    expect(
      (await api.call('PATCH', `/api/v1/connectors/${id}`, { name: 'Production registry (eu)' })).body,
    ).toMatchObject({ name: 'Production registry (eu)' });
    const badRotation = await api.call<{ code: string }>('PATCH', `/api/v1/connectors/${id}`, {
      credentials: { ...creds(), password: 'rotated-wrong' },
    });
    expect(badRotation.status).toBe(422);
    expect((await api.call('POST', `/api/v1/connectors/${id}/test`)).body).toMatchObject({ ok: true });
    const rotated = await api.call<Record<string, unknown>>('PATCH', `/api/v1/connectors/${id}`, {
      credentials: creds(),
    });
    expect(rotated.status).toBe(200);

    expect((await api.call('DELETE', `/api/v1/connectors/${id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/connectors/${id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/connectors/${id}`)).status).toBe(404);
    const audit = await api.call<{ action: string }[]>('GET', '/api/v1/audit');
    expect(audit.body.map((e) => e.action)).toEqual(
      expect.arrayContaining(['connector.create', 'connector.update', 'connector.delete']),
    );
  });

  it('reports a failing test without throwing, and marks the connector', async () => {
    const created = await api.call<{ id: string }>(
      'POST',
      '/api/v1/connectors',
      genericBody('Soon broken', creds()),
    );
    const other = await startRegistry({ auth: 'basic' });
    try {
      // Point it at a registry where these credentials do not exist.
      const patched = await api.call<{ code: string }>('PATCH', `/api/v1/connectors/${created.body.id}`, {
        config: { endpoint: other.url },
      });
      expect(patched.body.code).toBe('invalid_credentials');
      const test = await api.call('POST', `/api/v1/connectors/${created.body.id}/test`);
      expect(test.body).toEqual({ ok: true, detail: expect.any(String) as string });
    } finally {
      await other.stop();
      await api.call('DELETE', `/api/v1/connectors/${created.body.id}`);
    }
  });
});

describe('endpoint policy', () => {
  it('refuses a connector pointed at the cloud metadata address', async () => {
    const res = await api.call<{ code: string }>('POST', '/api/v1/connectors', {
      platform: 'generic',
      name: 'metadata',
      config: { endpoint: 'http://169.254.169.254' },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('endpoint_blocked');
  });

  it('under strict, refuses loopback before any packet is sent', async () => {
    const strict = await startTestServer({ BERTH_ENDPOINT_POLICY: 'strict' });
    const target = await startScriptedServer((_req, res) => void res.writeHead(200).end());
    try {
      const owner = new Api(strict.url);
      await owner.signup('strict@example.com', 'strict password');
      const res = await owner.call<{ code: string }>('POST', '/api/v1/connectors', {
        platform: 'generic',
        name: 'local',
        config: { endpoint: target.url },
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('endpoint_blocked');
      expect(target.requests()).toEqual([]);
    } finally {
      await Promise.all([strict.stop(), target.stop()]);
    }
  });
});

describe('permanent delete', () => {
  it('leaves neither the secret nor its ciphertext in the database files', async () => {
    const marked = await startRegistry({ auth: 'basic' });
    try {
      const created = await api.call<{ id: string }>('POST', '/api/v1/connectors', {
        platform: 'generic',
        name: 'to be deleted',
        config: { endpoint: marked.url },
        credentials: { ...marked.credentials },
      });
      expect(created.status).toBe(201);
      const row = await server.runtime.db
        .selectFrom('connectors')
        .innerJoin('secrets', 'secrets.id', 'connectors.secret_id')
        .select(['secrets.ciphertext', 'secrets.wrapped_key'])
        .where('connectors.id', '=', created.body.id)
        .executeTakeFirstOrThrow();
      const needles = [
        marked.credentials?.password ?? 'x',
        Buffer.from(row.ciphertext, 'base64').toString('latin1'),
        row.ciphertext,
        row.wrapped_key,
      ];
      const files = () => databaseContentTexts(server);
      // The check can see them while the connector exists.
      expect((await files()).some((text) => text.includes(row.ciphertext))).toBe(true);
      expect((await api.call('DELETE', `/api/v1/connectors/${created.body.id}`)).status).toBe(204);
      for (const text of await files())
        for (const needle of needles) expect(text.includes(needle)).toBe(false);
    } finally {
      await marked.stop();
    }
  });
});

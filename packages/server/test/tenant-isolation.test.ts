// User B can never see, change or delete user A's records. Every user-owned route is listed
// once in OWNED_RESOURCES; adding a resource there puts it under every check below.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '@berth/testkit';
import { Api, startTestServer, type TestServer } from './harness.js';

let registry: RunningRegistry;
let connectorCount = 0;

interface OwnedResource {
  readonly name: string;
  /** Creates a record as `api`; returns its id. */
  create(api: Api): Promise<string>;
  /** Lists the caller's records; returns their ids. */
  list(api: Api): Promise<string[]>;
  /** Requests that read, change or delete one record by id, with what the owner gets. */
  readonly byId: readonly {
    method: string;
    path: (id: string) => string;
    body?: unknown;
    ownerStatus: number;
  }[];
}

export const OWNED_RESOURCES: readonly OwnedResource[] = [
  {
    name: 'API tokens',
    async create(api) {
      const res = await api.call<{ id: string }>('POST', '/api/v1/tokens', { name: 'owned' });
      expect(res.status).toBe(201);
      return res.body.id;
    },
    list: async (api) => (await api.call<{ id: string }[]>('GET', '/api/v1/tokens')).body.map((t) => t.id),
    byId: [{ method: 'DELETE', path: (id) => `/api/v1/tokens/${id}`, ownerStatus: 204 }],
  },
  {
    name: 'audit log entries',
    async create(api) {
      const res = await api.call<{ id: string }>('POST', '/api/v1/tokens', { name: 'audited' });
      const audit = await api.call<{ id: string; target: string }[]>('GET', '/api/v1/audit');
      const entry = audit.body.find((e) => e.target === res.body.id);
      if (!entry) throw new Error('audit entry missing');
      return entry.id;
    },
    list: async (api) => (await api.call<{ id: string }[]>('GET', '/api/v1/audit')).body.map((e) => e.id),
    byId: [],
  },
  {
    name: 'connectors',
    async create(api) {
      const res = await api.call<{ id: string }>('POST', '/api/v1/connectors', {
        platform: 'generic',
        name: `registry ${connectorCount++}`,
        config: { endpoint: registry.url },
      });
      expect(res.status).toBe(201);
      return res.body.id;
    },
    list: async (api) =>
      (await api.call<{ id: string }[]>('GET', '/api/v1/connectors')).body.map((c) => c.id),
    byId: [
      { method: 'GET', path: (id) => `/api/v1/connectors/${id}`, ownerStatus: 200 },
      {
        method: 'PATCH',
        path: (id) => `/api/v1/connectors/${id}`,
        body: { name: 'taken over' },
        ownerStatus: 200,
      },
      { method: 'POST', path: (id) => `/api/v1/connectors/${id}/test`, ownerStatus: 200 },
      { method: 'DELETE', path: (id) => `/api/v1/connectors/${id}`, ownerStatus: 204 },
    ],
  },
];

let server: TestServer;
const alice = () => new Api(server.url);
let a: Api;
let b: Api;
let bToken: Api;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none' });
  server = await startTestServer();
  a = alice();
  await a.signup('alice@example.com', 'alice password 1');
  b = new Api(server.url);
  await b.signup('bob@example.com', 'bob password 12');
  const created = await b.call<{ token: string }>('POST', '/api/v1/tokens', { name: 'bob cli' });
  bToken = new Api(server.url);
  bToken.token = created.body.token;
});
afterAll(async () => {
  await server.stop();
  await registry.stop();
});

describe.each(OWNED_RESOURCES)('$name', (resource) => {
  for (const [label, other] of [
    ['session', () => b],
    ['API token', () => bToken],
  ] as const) {
    it(`are invisible to another user (${label})`, async () => {
      const id = await resource.create(a);
      expect(await resource.list(a)).toContain(id);
      expect(await resource.list(other())).not.toContain(id);
    });

    it(`cannot be read, changed or deleted by another user (${label})`, async () => {
      const id = await resource.create(a);
      for (const request of resource.byId) {
        const res = await other().call(request.method, request.path(id), request.body);
        expect(res.status, `${request.method} ${request.path(id)}`).toBe(404);
      }
      expect(await resource.list(a)).toContain(id);
      for (const request of resource.byId) {
        expect((await a.call(request.method, request.path(id), request.body)).status).toBe(
          request.ownerStatus,
        );
      }
    });
  }
});

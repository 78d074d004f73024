import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { createApiTokenStore, type ApiTokenStore } from './api-token-store.js';
import { createConnectorStore, type ConnectorStore } from './connector-store.js';
import { createAuditStore, type AuditStore } from './audit-store.js';
import type { Clock } from './clock.js';
import { createLoginThrottle, type LoginThrottle, type ThrottlePolicy } from './login-throttle.js';
import { createSecretStore, type SecretStore } from './secret-store.js';
import { createSessionStore, type SessionStore } from './session-store.js';
import { createUserStore, type UserStore } from './user-store.js';

export interface Stores {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly tokens: ApiTokenStore;
  readonly secrets: SecretStore;
  readonly audit: AuditStore;
  readonly loginThrottle: LoginThrottle;
  readonly connectors: ConnectorStore;
}

export interface StoreDeps {
  readonly db: Kysely<Schema>;
  readonly box: SecretBox;
  readonly clock: Clock;
  readonly sessionTtlHours: number;
  readonly throttle?: ThrottlePolicy;
}

export function createStores(deps: StoreDeps): Stores {
  return {
    users: createUserStore(deps.db, deps.clock),
    sessions: createSessionStore(deps.db, deps.clock, deps.sessionTtlHours),
    tokens: createApiTokenStore(deps.db, deps.clock),
    secrets: createSecretStore(deps.db, deps.box, deps.clock),
    audit: createAuditStore(deps.db, deps.clock),
    loginThrottle: createLoginThrottle(deps.db, deps.clock, deps.throttle),
    connectors: createConnectorStore(deps.db, deps.clock),
  };
}

/**
 * The stores of one user's data, with the owner fixed: route handlers get these, so a query
 * for user-owned data cannot forget its owner (tenant isolation lives here, not in routes).
 */
export interface OwnedStores {
  readonly ownerId: string;
  readonly tokens: {
    create(name: string): ReturnType<ApiTokenStore['create']>;
    list(): ReturnType<ApiTokenStore['list']>;
    revoke(id: string): ReturnType<ApiTokenStore['revoke']>;
  };
  readonly secrets: {
    put(plaintext: string): Promise<string>;
    read(id: string): Promise<string | undefined>;
    replace(id: string, plaintext: string): Promise<boolean>;
    delete(id: string): Promise<boolean>;
  };
  readonly audit: { list(limit: number): ReturnType<AuditStore['list']> };
  readonly connectors: {
    create(input: Parameters<ConnectorStore['create']>[1]): ReturnType<ConnectorStore['create']>;
    list(): ReturnType<ConnectorStore['list']>;
    get(id: string): ReturnType<ConnectorStore['get']>;
    update(
      id: string,
      changes: Parameters<ConnectorStore['update']>[2],
    ): ReturnType<ConnectorStore['update']>;
    setStatus(
      id: string,
      status: Parameters<ConnectorStore['setStatus']>[2],
    ): ReturnType<ConnectorStore['setStatus']>;
    delete(id: string): ReturnType<ConnectorStore['delete']>;
  };
}

export function ownedBy(stores: Stores, ownerId: string): OwnedStores {
  return {
    ownerId,
    tokens: {
      create: (name) => stores.tokens.create(ownerId, name),
      list: () => stores.tokens.list(ownerId),
      revoke: (id) => stores.tokens.revoke(ownerId, id),
    },
    secrets: {
      put: (plaintext) => stores.secrets.put(ownerId, plaintext),
      read: (id) => stores.secrets.read(ownerId, id),
      replace: (id, plaintext) => stores.secrets.replace(ownerId, id, plaintext),
      delete: (id) => stores.secrets.delete(ownerId, id),
    },
    audit: { list: (limit) => stores.audit.list(ownerId, limit) },
    connectors: {
      create: (input) => stores.connectors.create(ownerId, input),
      list: () => stores.connectors.list(ownerId),
      get: (id) => stores.connectors.get(ownerId, id),
      update: (id, changes) => stores.connectors.update(ownerId, id, changes),
      setStatus: (id, status) => stores.connectors.setStatus(ownerId, id, status),
      delete: (id) => stores.connectors.delete(ownerId, id),
    },
  };
}

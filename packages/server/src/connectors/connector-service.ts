import {
  getPlatform,
  secretHint,
  type Connector,
  type ConnectorConfig,
  type ConnectorContext,
  type ConnectorCredentials,
  type PlatformDefinition,
} from '@berth/connectors';
import { AppError, notFound } from '../errors.js';
import type { ConnectorRecord } from '../stores/connector-store.js';
import type { OwnedStores, Stores } from '../stores/stores.js';

export interface ConnectorServiceDeps {
  readonly stores: Stores;
  readonly context: ConnectorContext;
}

export interface ConnectorInput {
  readonly platform: string;
  readonly name: string;
  readonly config: ConnectorConfig;
  readonly credentials: ConnectorCredentials;
}

export interface ConnectorChanges {
  readonly name?: string;
  readonly config?: ConnectorConfig;
  readonly credentials?: ConnectorCredentials;
}

type Owned = OwnedStores;

function withClose<T>(connector: Connector, work: (c: Connector) => Promise<T>): Promise<T> {
  return work(connector).finally(() => void connector.close());
}

function hasCredentials(credentials: ConnectorCredentials): boolean {
  return Object.values(credentials).some((v) => v !== '');
}

/**
 * Connector lifecycle: credentials are checked against the registry before anything is
 * stored, sealed by the SecretBox, and never returned (only a hint). Every operation is
 * scoped to the owner through {@link OwnedStores}.
 */
export function createConnectorService(deps: ConnectorServiceDeps) {
  const { stores, context } = deps;

  const validate = (
    platform: PlatformDefinition,
    config: ConnectorConfig,
    credentials: ConnectorCredentials,
  ) =>
    withClose(
      platform.create(config, () => Promise.resolve(credentials), context),
      (c) => c.validate(),
    );

  const credentialsOf =
    (owned: Owned, record: ConnectorRecord) => async (): Promise<ConnectorCredentials> => {
      if (!record.secretId) return {};
      const plaintext = await owned.secrets.read(record.secretId);
      return plaintext ? (JSON.parse(plaintext) as ConnectorCredentials) : {};
    };

  return {
    async create(owned: Owned, input: ConnectorInput): Promise<ConnectorRecord> {
      const platform = getPlatform(input.platform);
      platform.check(input.config, input.credentials);
      await validate(platform, input.config, input.credentials);
      const secretId = hasCredentials(input.credentials)
        ? await owned.secrets.put(JSON.stringify(input.credentials))
        : null;
      const hint = platform.hintField ? secretHint(input.credentials[platform.hintField]) : null;
      const created = await owned.connectors.create({
        platform: platform.id,
        name: input.name,
        config: { ...input.config },
        secretId,
        credentialHint: hint,
      });
      if (created === 'name_taken') {
        if (secretId) await owned.secrets.delete(secretId);
        throw new AppError(409, 'name_taken', `you already have a connector named "${input.name}"`);
      }
      await owned.connectors.setStatus(created.id, { status: 'ok' });
      await stores.audit.record({
        actorId: owned.ownerId,
        action: 'connector.create',
        target: created.id,
        detail: { platform: platform.id, name: input.name },
      });
      return { ...created, status: 'ok' };
    },

    async update(owned: Owned, id: string, changes: ConnectorChanges): Promise<ConnectorRecord> {
      const current = await owned.connectors.get(id);
      if (!current) throw notFound('connector');
      const platform = getPlatform(current.platform);
      const config = changes.config ?? (current.config as ConnectorConfig);
      let secretId = current.secretId;
      let hint = current.credentialHint;
      if (changes.credentials !== undefined || changes.config !== undefined) {
        const credentials = changes.credentials ?? (await credentialsOf(owned, current)());
        platform.check(config, credentials);
        await validate(platform, config, credentials); // credential rotation re-validates
        if (changes.credentials !== undefined) {
          const old = current.secretId;
          secretId = hasCredentials(credentials)
            ? await owned.secrets.put(JSON.stringify(credentials))
            : null;
          hint = platform.hintField ? secretHint(credentials[platform.hintField]) : null;
          if (old) await owned.secrets.delete(old);
        }
      }
      const updated = await owned.connectors.update(id, {
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.config !== undefined ? { config: { ...config } } : {}),
        secretId,
        credentialHint: hint,
      });
      if (updated === 'name_taken')
        throw new AppError(409, 'name_taken', `you already have a connector named "${changes.name ?? ''}"`);
      if (!updated) throw notFound('connector');
      await stores.audit.record({
        actorId: owned.ownerId,
        action: 'connector.update',
        target: id,
        detail: {
          credentialsRotated: changes.credentials !== undefined,
          configChanged: changes.config !== undefined,
        },
      });
      return updated;
    },

    async test(owned: Owned, id: string): Promise<{ ok: boolean; detail: string; code?: string }> {
      const current = await owned.connectors.get(id);
      if (!current) throw notFound('connector');
      try {
        const result = await withClose(this.open(owned, current), (c) => c.validate());
        await owned.connectors.setStatus(id, { status: 'ok', last_error: null });
        return { ok: true, detail: result.detail };
      } catch (error) {
        const e = error as { code?: string; message?: string };
        if (typeof e.code !== 'string' || !(error instanceof Error) || error instanceof AppError) throw error;
        await owned.connectors.setStatus(id, { status: 'error', last_error: error.message });
        return { ok: false, detail: error.message, code: e.code };
      }
    },

    async delete(owned: Owned, id: string): Promise<void> {
      if (!(await owned.connectors.delete(id))) throw notFound('connector');
      await stores.audit.record({ actorId: owned.ownerId, action: 'connector.delete', target: id });
    },

    /** A live adapter for a stored connector; its credentials are decrypted only when used. */
    open(owned: Owned, record: ConnectorRecord): Connector {
      return getPlatform(record.platform).create(
        record.config as ConnectorConfig,
        credentialsOf(owned, record),
        context,
      );
    },
  };
}

export type ConnectorService = ReturnType<typeof createConnectorService>;

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({}, '/srv')).toEqual({
      host: '127.0.0.1',
      port: 8080,
      dataDir: '/srv/.berth',
      databaseUrl: undefined,
      masterKey: undefined,
      previousMasterKeys: [],
      endpointPolicy: 'default',
      signup: 'open',
      logLevel: 'info',
      cookieSecure: false,
      sessionTtlHours: 168,
      syncIntervalMs: 21_600_000,
    });
  });

  it('reads every variable', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    const config = loadConfig(
      {
        BERTH_HOST: '0.0.0.0',
        BERTH_PORT: '9090',
        BERTH_DATA_DIR: '/var/lib/berth',
        BERTH_DATABASE_URL: 'postgres://u@db/berth',
        BERTH_MASTER_KEY: key,
        BERTH_MASTER_KEY_PREVIOUS: `${key}, ${key}`,
        BERTH_ENDPOINT_POLICY: 'strict',
        BERTH_SIGNUP: 'closed',
        BERTH_LOG_LEVEL: 'debug',
        BERTH_COOKIE_SECURE: 'true',
        BERTH_SESSION_TTL_HOURS: '12',
      },
      '/x',
    );
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9090,
      dataDir: '/var/lib/berth',
      endpointPolicy: 'strict',
      signup: 'closed',
      cookieSecure: true,
      sessionTtlHours: 12,
    });
    expect(config.previousMasterKeys).toHaveLength(2);
  });

  it.each([
    [{ BERTH_PORT: '70000' }, 'BERTH_PORT must be a whole number from 0 to 65535, got "70000"'],
    [{ BERTH_PORT: '-1' }, 'BERTH_PORT must be a whole number from 0 to 65535, got "-1"'],
    [
      { BERTH_MASTER_KEY: 'not base64!' },
      'BERTH_MASTER_KEY must be base64 (of 32 random bytes: openssl rand -base64 32)',
    ],
    [
      { BERTH_MASTER_KEY: Buffer.alloc(31).toString('base64') },
      'BERTH_MASTER_KEY must be 32 bytes of base64, got 31 bytes (openssl rand -base64 32)',
    ],
    [
      { BERTH_DATABASE_URL: 'mysql://x' },
      'BERTH_DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite database)',
    ],
    [{ BERTH_SIGNUP: 'maybe' }, 'BERTH_SIGNUP must be one of open, closed, got "maybe"'],
    [
      { BERTH_LOG_LEVEL: 'loud' },
      'BERTH_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ],
    [
      { BERTH_SESSION_TTL_HOURS: '0' },
      'BERTH_SESSION_TTL_HOURS must be a whole number from 1 to 8760, got "0"',
    ],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});

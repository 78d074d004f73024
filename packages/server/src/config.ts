import { isAbsolute, resolve } from 'node:path';
import type { EndpointPolicy } from '@berth/oci';

/** Server configuration from the environment (12-factor); validated once at start-up. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** Absolute path of the data directory (SQLite file, key file). */
  readonly dataDir: string;
  /** `postgres://…` switches to PostgreSQL (scale-out issue); undefined means embedded SQLite. */
  readonly databaseUrl: string | undefined;
  /** Base64 of 32 bytes; undefined means a key file in the data directory. */
  readonly masterKey: string | undefined;
  /** Older master keys (base64, comma-separated) that may still wrap data keys during a rotation. */
  readonly previousMasterKeys: readonly string[];
  readonly endpointPolicy: EndpointPolicy;
  readonly signup: 'open' | 'closed';
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Mark cookies `Secure` (set when Berth is served over HTTPS, e.g. behind a proxy). */
  readonly cookieSecure: boolean;
  readonly sessionTtlHours: number;
  /** How often each connector's catalog is synced; 0 turns scheduled syncs off. */
  readonly syncIntervalMs: number;
}

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_configuration';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const POLICIES = ['default', 'strict', 'off'] as const;

/** Every variable with its default, for the README and `berth serve --help`. */
export const CONFIG_VARIABLES: readonly { name: string; default: string; meaning: string }[] = [
  { name: 'BERTH_HOST', default: '127.0.0.1', meaning: 'address to listen on' },
  { name: 'BERTH_PORT', default: '8080', meaning: 'port to listen on (0 picks a free one)' },
  { name: 'BERTH_DATA_DIR', default: './.berth', meaning: 'embedded database and master key file' },
  { name: 'BERTH_DATABASE_URL', default: '(unset: embedded SQLite)', meaning: 'postgres://… for scale-out' },
  {
    name: 'BERTH_MASTER_KEY',
    default: '(unset: key file in the data dir)',
    meaning: 'base64 of 32 random bytes',
  },
  {
    name: 'BERTH_MASTER_KEY_PREVIOUS',
    default: '(unset)',
    meaning: 'older master keys during a rotation, comma-separated',
  },
  {
    name: 'BERTH_ENDPOINT_POLICY',
    default: 'default',
    meaning: 'default | strict | off — which registry addresses may be reached',
  },
  {
    name: 'BERTH_SIGNUP',
    default: 'open',
    meaning: 'open | closed — whether anyone may create an account after the first',
  },
  {
    name: 'BERTH_LOG_LEVEL',
    default: 'info',
    meaning: 'fatal | error | warn | info | debug | trace | silent',
  },
  { name: 'BERTH_COOKIE_SECURE', default: 'false', meaning: 'true when served over HTTPS' },
  { name: 'BERTH_SESSION_TTL_HOURS', default: '168', meaning: 'how long a login lasts' },
  {
    name: 'BERTH_SYNC_INTERVAL',
    default: '6h',
    meaning: 'how often catalogs are synced (30m, 6h, 1d; 0 = only on demand)',
  },
];

/**
 * Reads `BERTH_*` variables, applying the documented defaults.
 * @throws ConfigError naming the variable and what is wrong with it.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): ServerConfig {
  const port = integer(env, 'BERTH_PORT', 8080, 0, 65535);
  const dataDirRaw = env.BERTH_DATA_DIR ?? './.berth';
  if (dataDirRaw.trim() === '') throw new ConfigError('BERTH_DATA_DIR must not be empty');
  const databaseUrl = env.BERTH_DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      'BERTH_DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite database)',
    );
  }
  const masterKey = env.BERTH_MASTER_KEY || undefined;
  if (masterKey !== undefined) checkKey('BERTH_MASTER_KEY', masterKey);
  const previousMasterKeys = (env.BERTH_MASTER_KEY_PREVIOUS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  previousMasterKeys.forEach((k) => checkKey('BERTH_MASTER_KEY_PREVIOUS', k));
  return Object.freeze({
    host: env.BERTH_HOST || '127.0.0.1',
    port,
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw),
    databaseUrl,
    masterKey,
    previousMasterKeys: Object.freeze(previousMasterKeys),
    endpointPolicy: oneOf(env, 'BERTH_ENDPOINT_POLICY', POLICIES, 'default'),
    signup: oneOf(env, 'BERTH_SIGNUP', ['open', 'closed'] as const, 'open'),
    logLevel: oneOf(env, 'BERTH_LOG_LEVEL', LOG_LEVELS, 'info'),
    cookieSecure: oneOf(env, 'BERTH_COOKIE_SECURE', ['true', 'false'] as const, 'false') === 'true',
    sessionTtlHours: integer(env, 'BERTH_SESSION_TTL_HOURS', 168, 1, 24 * 365),
    syncIntervalMs: duration(env, 'BERTH_SYNC_INTERVAL', 6 * 3_600_000),
  });
}

function integer(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function oneOf<T extends string>(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function duration(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+)(s|m|h|d)?$/.exec(raw);
  if (!m)
    throw new ConfigError(`${name} must be a duration such as 30m, 6h or 1d (0 turns it off), got "${raw}"`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

function checkKey(name: string, value: string): void {
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64').length : -1;
  if (bytes !== 32) {
    throw new ConfigError(
      bytes < 0
        ? `${name} must be base64 (of 32 random bytes: openssl rand -base64 32)`
        : `${name} must be 32 bytes of base64, got ${bytes} bytes (openssl rand -base64 32)`,
    );
  }
}

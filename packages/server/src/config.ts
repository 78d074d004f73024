/** Server configuration from the environment (12-factor); validated once at start-up. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_configuration';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** Reads `BERTH_*` variables, applying the documented defaults; throws naming the bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): ServerConfig {
  const portText = env.BERTH_PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    throw new ConfigError(`BERTH_PORT must be a port number 0-65535, got "${portText}"`);
  }
  const logLevel = env.BERTH_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`BERTH_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return Object.freeze({
    host: env.BERTH_HOST ?? '127.0.0.1',
    port,
    dataDir: env.BERTH_DATA_DIR ?? './.berth',
    logLevel: logLevel as ServerConfig['logLevel'],
  });
}

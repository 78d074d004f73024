import { ConnectorError } from './connector-error.js';
import type { ConnectorConfig, ConnectorCredentials } from './connector.js';

/** Reads a text setting; `required` ones must be non-empty. */
export function textValue(config: ConnectorConfig, name: string, required: true): string;
export function textValue(config: ConnectorConfig, name: string, required?: false): string | undefined;
export function textValue(config: ConnectorConfig, name: string, required = false): string | undefined {
  const value = config[name];
  if (value === undefined || value === '') {
    if (required) throw new ConnectorError('invalid_configuration', `config.${name} is required`);
    return undefined;
  }
  if (typeof value !== 'string')
    throw new ConnectorError('invalid_configuration', `config.${name} must be text`);
  return value.trim();
}

export function booleanValue(config: ConnectorConfig, name: string): boolean | undefined {
  const value = config[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ConnectorError('invalid_configuration', `config.${name} must be true or false`);
}

/** A list given as an array or as text separated by commas or new lines. */
export function listValue(config: ConnectorConfig, name: string): string[] {
  const value = config[name];
  if (value === undefined || value === '') return [];
  const items = typeof value === 'string' ? value.split(/[\n,]/) : Array.isArray(value) ? value : undefined;
  if (!items) throw new ConnectorError('invalid_configuration', `config.${name} must be a list`);
  return items.map((s) => String(s).trim()).filter(Boolean);
}

/** An http(s) base URL without credentials, query or fragment. */
export function endpointValue(
  config: ConnectorConfig,
  name: string,
  required: boolean,
  fallback?: string,
): URL | undefined {
  const raw = textValue(config, name) ?? fallback;
  if (raw === undefined) {
    if (required) throw new ConnectorError('invalid_configuration', `config.${name} is required`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConnectorError(
      'invalid_configuration',
      `config.${name} must be a URL such as https://registry.example.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConnectorError('invalid_configuration', `config.${name} must start with https:// or http://`);
  if (url.username || url.password)
    throw new ConnectorError(
      'invalid_configuration',
      `config.${name} must not contain credentials; use the credential fields`,
    );
  if (url.search || url.hash)
    throw new ConnectorError('invalid_configuration', `config.${name} must not have a query or fragment`);
  return url;
}

/** Checks that exactly the known credential fields are present, and the required ones non-empty. */
export function checkCredentialShape(
  credentials: ConnectorCredentials | undefined,
  allowed: readonly string[][],
  platformName: string,
): void {
  if (credentials === undefined) return;
  const given = Object.keys(credentials).filter((k) => credentials[k] !== undefined && credentials[k] !== '');
  for (const k of Object.keys(credentials)) {
    if (typeof credentials[k] !== 'string')
      throw new ConnectorError('invalid_configuration', `credentials.${k} must be text`);
  }
  const matches = allowed.some((set) => set.length === given.length && set.every((f) => given.includes(f)));
  if (!matches) {
    const forms = allowed
      .map((set) => (set.length === 0 ? 'none (anonymous)' : set.join(' + ')))
      .join(', or ');
    throw new ConnectorError('invalid_configuration', `${platformName} credentials must be: ${forms}`);
  }
}

/** `…a1b2`: enough to recognise a secret, too little to use it. */
export function secretHint(secret: string | undefined): string | null {
  if (!secret) return null;
  return secret.length <= 8 ? '…' : `…${secret.slice(-4)}`;
}

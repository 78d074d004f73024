import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ServerConfig } from '../config.js';
import { masterKeyId, staticKeyRing, type KeyRing, type MasterKey } from './secret-box.js';

export const KEY_FILE = 'master.keys';

/** The key file: the active key first, then keys kept only to read data wrapped before a rotation. */
interface KeyFile {
  readonly version: 1;
  readonly keys: readonly string[];
}

export type LoadedKeyRing = KeyRing & {
  /** Where the keys come from, for messages: `BERTH_MASTER_KEY` or the key file path. */
  readonly source: string;
  readonly fromFile: boolean;
};

function toKey(base64: string): MasterKey {
  const key = Buffer.from(base64, 'base64');
  return { id: masterKeyId(key), key };
}

export function keyFilePath(dataDir: string): string {
  return join(dataDir, KEY_FILE);
}

/**
 * The master keys: from `BERTH_MASTER_KEY` (+ `BERTH_MASTER_KEY_PREVIOUS`) when set, otherwise
 * from a 0600 key file in the data directory, created with a random key on first start.
 * A key file readable by group or others is refused, as ssh refuses such private keys.
 * The key file is re-read whenever it changes, so every running process follows a rotation
 * (`berth keys rotate`) without a restart.
 */
export function loadKeyRing(
  config: Pick<ServerConfig, 'masterKey' | 'previousMasterKeys' | 'dataDir'>,
): LoadedKeyRing {
  if (config.masterKey) {
    const ring = staticKeyRing(toKey(config.masterKey), config.previousMasterKeys.map(toKey));
    return { ...ring, source: 'BERTH_MASTER_KEY', fromFile: false };
  }
  const path = keyFilePath(config.dataDir);
  if (!existsSync(path)) writeKeyFile(path, [randomBytes(32).toString('base64')]);
  let loaded: { stamp: string; ring: KeyRing } | undefined;
  const current = (): KeyRing => {
    const info = statSync(path);
    const stamp = `${info.mtimeMs}:${info.size}:${info.ino}`;
    if (loaded?.stamp !== stamp) loaded = { stamp, ring: readKeyFile(path) };
    return loaded.ring;
  };
  current();
  return { active: () => current().active(), find: (id) => current().find(id), source: path, fromFile: true };
}

function readKeyFile(path: string): KeyRing {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new ConfigError(
      `the master key file ${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`,
    );
  }
  const keys = readKeys(path);
  if (
    keys.length === 0 ||
    keys.some((k) => typeof k !== 'string' || Buffer.from(k, 'base64').length !== 32)
  ) {
    throw new ConfigError(`the master key file ${path} must list base64 keys of 32 bytes`);
  }
  const [active, ...previous] = keys.map(toKey) as [MasterKey, ...MasterKey[]];
  return staticKeyRing(active, previous);
}

function readKeys(path: string): readonly string[] {
  let file: Partial<KeyFile>;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyFile>;
  } catch {
    throw new ConfigError(`the master key file ${path} is not valid JSON`);
  }
  const keys: unknown = file.keys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/** Step one of a rotation: a new random key becomes active; the old ones stay for reading. */
export function addActiveKey(dataDir: string): MasterKey {
  const path = keyFilePath(dataDir);
  const fresh = randomBytes(32).toString('base64');
  writeKeyFile(path, [fresh, ...readKeys(path)]);
  return toKey(fresh);
}

/** Last step of a rotation, once no data key is wrapped by them: forget the old keys. */
export function dropPreviousKeys(dataDir: string): void {
  const path = keyFilePath(dataDir);
  writeKeyFile(path, readKeys(path).slice(0, 1));
}

function writeKeyFile(path: string, keys: readonly string[]): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ version: 1, keys } satisfies KeyFile)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `berth login` keeps: which server, and the API token it issued to this machine. */
export interface CliConfig {
  readonly server: string;
  readonly token: string;
  /** The token's id on the server, so that `berth logout` can revoke it. */
  readonly tokenId?: string;
  readonly email?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `$XDG_CONFIG_HOME/berth/config.json`, else `~/.config/berth/config.json` (XDG Base Directory spec). */
export function cliConfigPath(env: Env = process.env): string {
  const base = env.XDG_CONFIG_HOME?.startsWith('/')
    ? env.XDG_CONFIG_HOME
    : join(env.HOME ?? homedir(), '.config');
  return join(base, 'berth', 'config.json');
}

export class CliConfigError extends Error {
  override readonly name = 'CliConfigError';
}

/** The stored login, or undefined when there is none. */
export function readCliConfig(path: string = cliConfigPath()): CliConfig | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliConfigError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliConfigError(`${path} is not valid JSON; run berth login again`);
  }
  const c = parsed as Partial<Record<keyof CliConfig, unknown>>;
  if (typeof c.server !== 'string' || typeof c.token !== 'string') {
    throw new CliConfigError(`${path} has no server and token; run berth login again`);
  }
  return {
    server: c.server,
    token: c.token,
    ...(typeof c.tokenId === 'string' ? { tokenId: c.tokenId } : {}),
    ...(typeof c.email === 'string' ? { email: c.email } : {}),
  };
}

/**
 * Writes the login readable by its owner only: the directory 0700, the file 0600, written to
 * a temporary file first (created 0600, so the token is never readable by others, not even
 * for a moment) and renamed over the old one.
 */
export function writeCliConfig(config: CliConfig, path: string = cliConfigPath()): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new CliConfigError(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Deletes the stored login; true when there was one. */
export function removeCliConfig(path: string = cliConfigPath()): boolean {
  try {
    rmSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliConfigError(`cannot delete ${path}: ${(error as Error).message}`, { cause: error });
  }
}

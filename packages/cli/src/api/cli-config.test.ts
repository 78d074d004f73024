import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CliConfigError,
  cliConfigPath,
  readCliConfig,
  removeCliConfig,
  writeCliConfig,
} from './cli-config.js';
import { normaliseServerUrl } from './api-client.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'berth-config-'));
  dirs.push(d);
  return d;
};

describe('cliConfigPath', () => {
  it('follows XDG_CONFIG_HOME when it is absolute, else ~/.config', () => {
    expect(cliConfigPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/berth/config.json');
    expect(cliConfigPath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' })).toBe('/h/.config/berth/config.json');
    expect(cliConfigPath({ HOME: '/h' })).toBe('/h/.config/berth/config.json');
  });
});

describe('the stored login', () => {
  it('is written 0600 in a 0700 directory, read back, and removed', () => {
    const path = join(temp(), 'deep', 'berth', 'config.json');
    writeCliConfig({ server: 'http://127.0.0.1:8080', token: 'berth_pat_x', tokenId: 't1' }, path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readCliConfig(path)).toEqual({
      server: 'http://127.0.0.1:8080',
      token: 'berth_pat_x',
      tokenId: 't1',
    });
    expect(removeCliConfig(path)).toBe(true);
    expect(readCliConfig(path)).toBeUndefined();
    expect(removeCliConfig(path)).toBe(false);
  });

  it('names a damaged file', () => {
    const path = join(temp(), 'config.json');
    writeFileSync(path, '{"server": 1}');
    expect(() => readCliConfig(path)).toThrow(CliConfigError);
    expect(() => readCliConfig(path)).toThrow(/has no server and token; run berth login again/);
  });
});

describe('normaliseServerUrl', () => {
  it('adds http:// for loopback and https:// otherwise, and refuses credentials', () => {
    expect(normaliseServerUrl('127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(normaliseServerUrl('localhost:8080/')).toBe('http://localhost:8080');
    expect(normaliseServerUrl('berth.example.com')).toBe('https://berth.example.com');
    expect(normaliseServerUrl('https://example.com/berth/')).toBe('https://example.com/berth');
    expect(() => normaliseServerUrl('https://u:p@example.com')).toThrow(/must not contain credentials/);
    expect(() => normaliseServerUrl('ftp://example.com')).toThrow(/must start with http/);
  });
});

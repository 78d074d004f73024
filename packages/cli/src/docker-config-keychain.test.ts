import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '@berth/oci';
import { dockerConfigKeychain, dockerConfigPath } from './docker-config-keychain.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp HOME with `.docker/config.json`, and a temp PATH dir for helper binaries. */
function home(config: unknown): { HOME: string; PATH: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-home-'));
  dirs.push(dir);
  mkdirSync(join(dir, '.docker'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(
    join(dir, '.docker', 'config.json'),
    typeof config === 'string' ? config : JSON.stringify(config),
  );
  return { HOME: dir, PATH: join(dir, 'bin') };
}

/** A real `docker-credential-NAME` executable that answers like the helpers do. */
function helper(env: { HOME: string; PATH: string }, name: string, script: string): void {
  const path = join(env.PATH, `docker-credential-${name}`);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function authFor(env: Record<string, string>, registry: string) {
  const authenticator = await dockerConfigKeychain({ env }).resolve(registry);
  return authenticator === ANONYMOUS ? 'anonymous' : authenticator.authorization();
}

describe('dockerConfigKeychain', () => {
  it('reads base64 user:password from auths, whatever form the key has', async () => {
    const env = home({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
        'http://127.0.0.1:5000': { auth: b64('alice:s3cret') },
        'ghcr.io': { username: 'bob', password: 'tok' },
      },
    });
    expect(await authFor(env, 'docker.io')).toEqual({
      kind: 'basic',
      username: 'hubuser',
      password: 'hub:pass',
    });
    expect(await authFor(env, '127.0.0.1:5000')).toEqual({
      kind: 'basic',
      username: 'alice',
      password: 's3cret',
    });
    expect(await authFor(env, 'ghcr.io')).toEqual({ kind: 'basic', username: 'bob', password: 'tok' });
    expect(await authFor(env, 'quay.io')).toBe('anonymous');
  });

  it('is anonymous without a config file, and honours DOCKER_CONFIG', async () => {
    const env = home({ auths: { 'quay.io': { auth: b64('a:b') } } });
    rmSync(join(env.HOME, '.docker', 'config.json'));
    expect(await authFor(env, 'quay.io')).toBe('anonymous');
    const other = home({ auths: { 'quay.io': { auth: b64('c:d') } } });
    const withDockerConfig = { ...env, DOCKER_CONFIG: join(other.HOME, '.docker') };
    expect(dockerConfigPath(withDockerConfig)).toBe(join(other.HOME, '.docker', 'config.json'));
    expect(await authFor(withDockerConfig, 'quay.io')).toEqual({
      kind: 'basic',
      username: 'c',
      password: 'd',
    });
  });

  it('asks the registry’s credHelper, with the server on stdin, only when credentials are needed', async () => {
    const env = home({
      credHelpers: { '127.0.0.1:5000': 'berthtest' },
      auths: { '127.0.0.1:5000': { auth: b64('file:user') } },
    });
    const log = join(env.HOME, 'asked');
    helper(
      env,
      'berthtest',
      `read server; echo "$1 $server" >> ${log}; echo '{"ServerURL":"'$server'","Username":"helper","Secret":"pw"}'`,
    );
    const authenticator = await dockerConfigKeychain({ env }).resolve('127.0.0.1:5000');
    const { existsSync, readFileSync } = await import('node:fs');
    expect(existsSync(log)).toBe(false);
    expect(await authenticator.authorization()).toEqual({
      kind: 'basic',
      username: 'helper',
      password: 'pw',
    });
    expect(await authenticator.authorization()).toEqual({
      kind: 'basic',
      username: 'helper',
      password: 'pw',
    });
    expect(readFileSync(log, 'utf8')).toBe('get 127.0.0.1:5000\n');
  });

  it('asks the credsStore for Docker Hub under its legacy URL, and falls back to auths when it knows nothing', async () => {
    const env = home({ credsStore: 'berthstore', auths: { 'quay.io': { auth: b64('q:r') } } });
    helper(
      env,
      'berthstore',
      `read server; if [ "$server" = "https://index.docker.io/v1/" ]; then echo '{"Username":"hub","Secret":"x"}'; else echo "credentials not found in native keychain"; exit 1; fi`,
    );
    expect(await (await dockerConfigKeychain({ env }).resolve('docker.io')).authorization()).toEqual({
      kind: 'basic',
      username: 'hub',
      password: 'x',
    });
    expect(await (await dockerConfigKeychain({ env }).resolve('quay.io')).authorization()).toEqual({
      kind: 'basic',
      username: 'q',
      password: 'r',
    });
    expect(await (await dockerConfigKeychain({ env }).resolve('ghcr.io')).authorization()).toEqual({
      kind: 'anonymous',
    });
  });

  it('ignores a helper whose binary is not installed', async () => {
    const env = home({ credsStore: 'desktop', auths: { 'ghcr.io': { auth: b64('g:h') } } });
    expect(await authFor(env, 'ghcr.io')).toEqual({ kind: 'basic', username: 'g', password: 'h' });
    expect(await authFor(env, 'quay.io')).toBe('anonymous');
  });

  it('names the file when it is not JSON or an entry is not user:password', async () => {
    const broken = home('{"auths": ');
    await expect(dockerConfigKeychain({ env: broken }).resolve('quay.io')).rejects.toThrow(
      `${join(broken.HOME, '.docker', 'config.json')} is not valid JSON`,
    );
    const bad = home({ auths: { 'quay.io': { auth: b64('no-colon') } } });
    await expect(dockerConfigKeychain({ env: bad }).resolve('quay.io')).rejects.toThrow(
      /auths entry for quay\.io is not base64 of "user:password"/,
    );
  });
});

// Secrets never reach logs or unencrypted storage: run every account flow against a real
// server at the most verbose log level, then scan the log output and every database file
// (the SQLite file, its -wal and -shm) for each plaintext password, token and secret used.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Api, startTestServer } from './harness.js';

function scan(haystacks: readonly { name: string; bytes: Buffer }[], needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const { name, bytes } of haystacks) {
    for (const needle of needles) {
      for (const encoding of ['utf8', 'utf16le'] as const) {
        if (bytes.includes(Buffer.from(needle, encoding)))
          found.push(`${needle.slice(0, 6)}… in ${name} (${encoding})`);
      }
      if (bytes.includes(Buffer.from(Buffer.from(needle).toString('base64'))))
        found.push(`${needle.slice(0, 6)}… base64 in ${name}`);
    }
  }
  return found;
}

describe('secret hygiene', () => {
  it('leaves no plaintext password, API token, session or registry secret in logs or database files', async () => {
    const server = await startTestServer({ BERTH_LOG_LEVEL: 'trace' });
    const secrets: string[] = [];
    const snapshots: { name: string; bytes: Buffer }[] = [];
    const snapshotFiles = (when: string) => {
      for (const file of readdirSync(server.dataDir).filter((f) => f.startsWith('berth.sqlite'))) {
        snapshots.push({ name: `${file} (${when})`, bytes: readFileSync(join(server.dataDir, file)) });
      }
    };
    try {
      const passwordA = 'Pa55word-alice-0193847';
      const passwordB = 'Pa55word-bob-5549201';
      secrets.push(passwordA, passwordB);
      const a = new Api(server.url);
      await a.signup('alice@example.com', passwordA);
      await new Api(server.url).signup('bob@example.com', passwordB);
      await new Api(server.url).login('alice@example.com', 'Wrong-guess-77123'); // a failed login logs too
      secrets.push('Wrong-guess-77123');
      const login = new Api(server.url);
      await login.login('alice@example.com', passwordA);
      secrets.push(login.cookie?.split('=')[1] ?? 'missing-cookie', login.csrfToken ?? 'missing-csrf');
      const created = await login.call<{ token: string; id: string }>('POST', '/api/v1/tokens', {
        name: 'ci',
      });
      secrets.push(created.body.token);
      const cli = new Api(server.url);
      cli.token = created.body.token;
      await cli.call('GET', `/api/v1/me?token=${created.body.token}`);
      await cli.call('GET', '/api/v1/tokens');
      await login.call('DELETE', `/api/v1/tokens/${created.body.id}`);
      await cli.call('GET', '/api/v1/me'); // a revoked token, logged as a failure
      const registrySecret = 'dckr_pat_registry-secret-84hf73hd';
      secrets.push(registrySecret);
      const ownerId = (await login.call<{ user: { id: string } }>('GET', '/api/v1/me')).body.user.id;
      const secretId = await server.runtime.stores.secrets.put(ownerId, registrySecret);
      expect(await server.runtime.stores.secrets.read(ownerId, secretId)).toBe(registrySecret);
      const doomed = await server.runtime.stores.secrets.put(ownerId, 'deleted-secret-value-5521');
      secrets.push('deleted-secret-value-5521');
      await server.runtime.stores.secrets.delete(ownerId, doomed);
      await login.call('POST', '/api/v1/auth/logout');
      snapshotFiles('running');
      expect(existsSync(join(server.dataDir, 'berth.sqlite-wal'))).toBe(true);
    } finally {
      await server.close();
    }
    snapshotFiles('closed');
    const logs = server.logs();
    expect(logs.split('\n').length).toBeGreaterThan(20); // the log really was written
    expect(logs).toContain('"url":"/api/v1/me?token=***"');
    const leaks = scan([{ name: 'log', bytes: Buffer.from(logs) }, ...snapshots], secrets);
    expect(leaks).toEqual([]);
    // The scan itself works: the e-mail addresses (not secret) are found.
    expect(scan(snapshots, ['alice@example.com']).length).toBeGreaterThan(0);
    await server.stop();
  });
});

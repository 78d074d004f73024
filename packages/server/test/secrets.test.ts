import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  KEY_FILE,
  openRuntime,
  rotateMasterKey,
  SecretBox,
  staticKeyRing,
  masterKeyId,
  type Runtime,
} from '@berth/server';
import { randomBytes } from 'node:crypto';
import { testDatabaseEnv } from './harness.js';

const dirs: string[] = [];
const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function runtime(env: Record<string, string> = {}): Promise<Runtime & { dataDir: string }> {
  const dataDir = env.BERTH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'berth-secrets-'));
  if (!env.BERTH_DATA_DIR) dirs.push(dataDir);
  const r = await openRuntime({
    env: { BERTH_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)), ...env },
  });
  runtimes.push(r);
  return Object.assign(r, { dataDir });
}

async function user(r: Runtime, email: string): Promise<string> {
  const created = await r.stores.users.create(email, 'x');
  if (created === 'email_taken') throw new Error('taken');
  return created.id;
}

describe('SecretBox', () => {
  const key = () => {
    const k = randomBytes(32);
    return { id: masterKeyId(k), key: k };
  };

  it('round-trips and binds each ciphertext to its owner and record', () => {
    const box = new SecretBox(staticKeyRing(key()));
    const sealed = box.seal('registry-password', { ownerId: 'u1', recordId: 'r1' });
    expect(box.open(sealed, { ownerId: 'u1', recordId: 'r1' })).toBe('registry-password');
    expect(JSON.stringify(sealed)).not.toContain('registry-password');
    for (const context of [
      { ownerId: 'u2', recordId: 'r1' },
      { ownerId: 'u1', recordId: 'r2' },
      { ownerId: 'u1r', recordId: '1' },
    ]) {
      expect(() => box.open(sealed, context)).toThrow(
        expect.objectContaining({ code: 'secret_undecryptable' }) as Error,
      );
    }
  });

  it('detects tampering and unknown keys', () => {
    const box = new SecretBox(staticKeyRing(key()));
    const sealed = box.seal('value', { ownerId: 'u', recordId: 'r' });
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() =>
      box.open({ ...sealed, ciphertext: flipped.toString('base64') }, { ownerId: 'u', recordId: 'r' }),
    ).toThrow(/could not be decrypted/);
    expect(() => new SecretBox(staticKeyRing(key())).open(sealed, { ownerId: 'u', recordId: 'r' })).toThrow(
      expect.objectContaining({ code: 'secret_key_unavailable' }) as Error,
    );
  });
});

describe('secrets at rest', () => {
  it('creates a 0600 key file on first start and keeps using it', async () => {
    const r = await runtime();
    const owner = await user(r, 'a@example.com');
    const id = await r.stores.secrets.put(owner, 'hunter2');
    expect(statSync(join(r.dataDir, KEY_FILE)).mode & 0o777).toBe(0o600);
    await r.close();
    runtimes.splice(runtimes.indexOf(r), 1);
    const again = await runtime({ BERTH_DATA_DIR: r.dataDir });
    expect(await again.stores.secrets.read(owner, id)).toBe('hunter2');
  });

  it('scopes secrets by owner', async () => {
    const r = await runtime();
    const alice = await user(r, 'alice@example.com');
    const bob = await user(r, 'bob@example.com');
    const id = await r.stores.secrets.put(alice, 'alice-secret');
    expect(await r.stores.secrets.read(bob, id)).toBeUndefined();
    expect(await r.stores.secrets.delete(bob, id)).toBe(false);
    expect(await r.stores.secrets.replace(bob, id, 'evil')).toBe(false);
    expect(await r.stores.secrets.read(alice, id)).toBe('alice-secret');
  });

  it('cannot decrypt a ciphertext copied onto another record', async () => {
    const r = await runtime();
    const alice = await user(r, 'alice@example.com');
    const first = await r.stores.secrets.put(alice, 'first-secret');
    const second = await r.stores.secrets.put(alice, 'second-secret');
    const row = await r.db
      .selectFrom('secrets')
      .selectAll()
      .where('id', '=', first)
      .executeTakeFirstOrThrow();
    await r.db
      .updateTable('secrets')
      .set({
        key_id: row.key_id,
        wrapped_key: row.wrapped_key,
        iv: row.iv,
        ciphertext: row.ciphertext,
        tag: row.tag,
      })
      .where('id', '=', second)
      .execute();
    await expect(r.stores.secrets.read(alice, second)).rejects.toMatchObject({
      code: 'secret_undecryptable',
    });
    expect(await r.stores.secrets.read(alice, first)).toBe('first-secret');
  });

  it('rotates the key file: every secret still decrypts, none with the old key alone', async () => {
    const r = await runtime();
    const alice = await user(r, 'alice@example.com');
    const values = Array.from({ length: 150 }, (_, i) => `secret-${i}`);
    const ids = await Promise.all(values.map((v) => r.stores.secrets.put(alice, v)));
    const oldKey = (JSON.parse(readFileSync(join(r.dataDir, KEY_FILE), 'utf8')) as { keys: string[] })
      .keys[0] as string;

    const result = await rotateMasterKey({
      env: { BERTH_DATA_DIR: r.dataDir, ...(await testDatabaseEnv(r.dataDir)) },
    });
    expect(result.rewrapped).toBe(150);
    const keys = (JSON.parse(readFileSync(join(r.dataDir, KEY_FILE), 'utf8')) as { keys: string[] }).keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(oldKey);

    // The runtime opened before the rotation follows the key file without a restart.
    for (const [i, id] of ids.entries()) expect(await r.stores.secrets.read(alice, id)).toBe(values[i]);
    const oldOnly = await runtime({ BERTH_DATA_DIR: r.dataDir, BERTH_MASTER_KEY: oldKey });
    await expect(oldOnly.stores.secrets.read(alice, ids[0] as string)).rejects.toMatchObject({
      code: 'secret_key_unavailable',
    });
  });

  it('rotates environment keys with BERTH_MASTER_KEY_PREVIOUS', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const r = await runtime({ BERTH_MASTER_KEY: oldKey });
    const alice = await user(r, 'alice@example.com');
    const id = await r.stores.secrets.put(alice, 'env-secret');
    const result = await rotateMasterKey({
      env: {
        BERTH_DATA_DIR: r.dataDir,
        ...(await testDatabaseEnv(r.dataDir)),
        BERTH_MASTER_KEY: newKey,
        BERTH_MASTER_KEY_PREVIOUS: oldKey,
      },
    });
    expect(result.rewrapped).toBe(1);
    const fresh = await runtime({ BERTH_DATA_DIR: r.dataDir, BERTH_MASTER_KEY: newKey });
    expect(await fresh.stores.secrets.read(alice, id)).toBe('env-secret');
    const stale = await runtime({ BERTH_DATA_DIR: r.dataDir, BERTH_MASTER_KEY: oldKey });
    await expect(stale.stores.secrets.read(alice, id)).rejects.toMatchObject({
      code: 'secret_key_unavailable',
    });
  });
});

import type { Kysely } from 'kysely';
import type { Schema, SecretsTable } from '../db/schema.js';
import { newId } from '../crypto/tokens.js';
import type { SecretBox, Sealed } from '../crypto/secret-box.js';
import type { Clock } from './clock.js';

export interface SecretStore {
  /** Encrypts and stores a secret for an owner; returns its id. */
  put(ownerId: string, plaintext: string): Promise<string>;
  /** Decrypts one of the owner's secrets; undefined when the owner has no such secret. */
  read(ownerId: string, id: string): Promise<string | undefined>;
  replace(ownerId: string, id: string, plaintext: string): Promise<boolean>;
  delete(ownerId: string, id: string): Promise<boolean>;
  /** Re-wraps every data key not yet under the active master key; returns how many. */
  rewrapAll(): Promise<number>;
}

function sealedOf(row: SecretsTable): Sealed {
  return {
    keyId: row.key_id,
    wrappedKey: row.wrapped_key,
    iv: row.iv,
    ciphertext: row.ciphertext,
    tag: row.tag,
  };
}

/**
 * Secrets at rest, sealed by a {@link SecretBox} with the AAD bound to (owner, secret id).
 * `secure_delete` (SQLite) overwrites deleted rows on disk.
 */
export function createSecretStore(db: Kysely<Schema>, box: SecretBox, clock: Clock): SecretStore {
  return {
    async put(ownerId, plaintext) {
      const id = newId();
      const sealed = box.seal(plaintext, { ownerId, recordId: id });
      const now = clock.now().toISOString();
      await db
        .insertInto('secrets')
        .values({
          id,
          owner_id: ownerId,
          key_id: sealed.keyId,
          wrapped_key: sealed.wrappedKey,
          iv: sealed.iv,
          ciphertext: sealed.ciphertext,
          tag: sealed.tag,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return id;
    },
    async read(ownerId, id) {
      const row = await db
        .selectFrom('secrets')
        .selectAll()
        .where('id', '=', id)
        .where('owner_id', '=', ownerId)
        .executeTakeFirst();
      return row && box.open(sealedOf(row), { ownerId, recordId: id });
    },
    async replace(ownerId, id, plaintext) {
      const sealed = box.seal(plaintext, { ownerId, recordId: id });
      const result = await db
        .updateTable('secrets')
        .set({
          key_id: sealed.keyId,
          wrapped_key: sealed.wrappedKey,
          iv: sealed.iv,
          ciphertext: sealed.ciphertext,
          tag: sealed.tag,
          updated_at: clock.now().toISOString(),
        })
        .where('id', '=', id)
        .where('owner_id', '=', ownerId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(ownerId, id) {
      const result = await db
        .deleteFrom('secrets')
        .where('id', '=', id)
        .where('owner_id', '=', ownerId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async rewrapAll() {
      let count = 0;
      for (;;) {
        // Batches, each in its own short transaction: readers are never blocked for long and a
        // rotation interrupted half-way resumes where it stopped (rows already re-wrapped are skipped).
        const rows = await db
          .selectFrom('secrets')
          .selectAll()
          .where('key_id', '!=', box.activeKeyId)
          .limit(100)
          .execute();
        if (rows.length === 0) return count;
        await db.transaction().execute(async (tx) => {
          for (const row of rows) {
            const sealed = box.rewrap(sealedOf(row), { ownerId: row.owner_id, recordId: row.id });
            await tx
              .updateTable('secrets')
              .set({ key_id: sealed.keyId, wrapped_key: sealed.wrappedKey })
              .where('id', '=', row.id)
              .where('key_id', '=', row.key_id)
              .execute();
          }
        });
        count += rows.length;
      }
    },
  };
}

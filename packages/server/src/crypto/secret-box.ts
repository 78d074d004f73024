import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

/** A sealed secret: a fresh data key encrypts the value; the master key wraps the data key. */
export interface Sealed {
  readonly keyId: string;
  /** iv ‖ tag ‖ encrypted data key, base64. */
  readonly wrappedKey: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/** What a ciphertext is bound to: decrypting it as anything else fails. */
export interface SecretContext {
  readonly ownerId: string;
  readonly recordId: string;
}

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/** Where the master keys come from; may change while the process runs (key rotation). */
export interface KeyRing {
  /** The key that wraps new data keys. */
  active(): MasterKey;
  /** Any key still allowed to unwrap, by id. */
  find(id: string): MasterKey | undefined;
}

export function staticKeyRing(active: MasterKey, previous: readonly MasterKey[] = []): KeyRing {
  const keys = new Map([active, ...previous].map((k) => [k.id, k]));
  return { active: () => active, find: (id) => keys.get(id) };
}

/** Key id: the first 16 hex characters of sha256(key) — names a key without revealing it. */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * AES-256-GCM envelope encryption (node:crypto). Each secret gets its own random data key;
 * the active master key wraps it, and the key id is stored beside it so several master keys
 * can be in use during a rotation. The AAD binds both layers to the owner and record id, so a
 * ciphertext copied onto another record does not decrypt.
 */
export class SecretBox {
  readonly #keys: KeyRing;

  constructor(keys: KeyRing) {
    this.#keys = keys;
  }

  get activeKeyId(): string {
    return this.#keys.active().id;
  }

  seal(plaintext: string, context: SecretContext): Sealed {
    const dataKey = randomBytes(32);
    try {
      const aad = aadOf(context);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv).setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const active = this.#keys.active();
      return {
        keyId: active.id,
        wrappedKey: wrap(active.key, dataKey, aad),
        iv: iv.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  open(sealed: Sealed, context: SecretContext): string {
    const aad = aadOf(context);
    const dataKey = this.#unwrap(sealed, aad);
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(sealed.iv, 'base64')).setAAD(aad);
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([
        decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch (cause) {
      throw undecryptable(cause);
    } finally {
      dataKey.fill(0);
    }
  }

  /** Re-wraps the data key under the active master key; the secret itself is untouched. */
  rewrap(sealed: Sealed, context: SecretContext): Sealed {
    const aad = aadOf(context);
    const dataKey = this.#unwrap(sealed, aad);
    try {
      const active = this.#keys.active();
      return { ...sealed, keyId: active.id, wrappedKey: wrap(active.key, dataKey, aad) };
    } finally {
      dataKey.fill(0);
    }
  }

  #unwrap(sealed: Sealed, aad: Buffer): Buffer {
    const master = this.#keys.find(sealed.keyId);
    if (!master) {
      throw new AppError(
        500,
        'secret_key_unavailable',
        `a stored secret is wrapped by master key ${sealed.keyId}, which this server does not have`,
      );
    }
    const blob = Buffer.from(sealed.wrappedKey, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', master.key, blob.subarray(0, 12)).setAAD(aad);
      decipher.setAuthTag(blob.subarray(12, 28));
      return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
    } catch (cause) {
      throw undecryptable(cause);
    }
  }
}

function wrap(master: Buffer, dataKey: Buffer, aad: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master, iv).setAAD(aad);
  const encrypted = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64');
}

function aadOf(context: SecretContext): Buffer {
  // Length-prefixed, so ("ab","c") and ("a","bc") differ.
  return Buffer.from(
    `berth-secret/v1\n${context.ownerId.length}:${context.ownerId}\n${context.recordId.length}:${context.recordId}`,
  );
}

function undecryptable(cause: unknown): AppError {
  return new AppError(
    500,
    'secret_undecryptable',
    'a stored secret could not be decrypted (wrong key or record, or tampered data)',
    { cause },
  );
}

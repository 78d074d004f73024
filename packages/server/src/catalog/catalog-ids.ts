import { randomFillSync } from 'node:crypto';

/** Random bytes drawn at once: one system call per 4,096 ids instead of one per id. */
const pool = Buffer.alloc(9 * 4096);
let offset = pool.length;

/**
 * Ids for catalog rows (repositories, tags): the time in milliseconds (base 36, fixed width, so
 * ids sort by creation) then 72 random bits. New rows land at the end of the primary-key index
 * rather than on random pages, which keeps the pages a sync's transaction dirties — and so
 * what its commit writes — few. Opaque to clients like every other id.
 */
export function catalogId(): string {
  if (offset >= pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = Date.now().toString(36).padStart(9, '0') + pool.toString('base64url', offset, offset + 9);
  offset += 9;
  return id;
}

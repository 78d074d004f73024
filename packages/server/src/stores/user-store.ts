import type { Kysely } from 'kysely';
import type { Schema, UsersTable } from '../db/schema.js';
import { newId } from '../crypto/tokens.js';
import type { Clock } from './clock.js';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly role: 'admin' | 'user';
  readonly createdAt: string;
}

export interface UserStore {
  /** Creates a user; the very first one becomes admin (decided in the same transaction). */
  create(email: string, passwordHash: string): Promise<User | 'email_taken'>;
  findByEmail(email: string): Promise<(User & { passwordHash: string }) | undefined>;
  findById(id: string): Promise<User | undefined>;
  count(): Promise<number>;
}

export function toUser(row: UsersTable): User {
  return { id: row.id, email: row.email, role: row.role, createdAt: row.created_at };
}

/** E-mail addresses compare case-insensitively (what people expect of logins). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createUserStore(db: Kysely<Schema>, clock: Clock): UserStore {
  return {
    async create(email, passwordHash) {
      return db.transaction().execute(async (tx) => {
        const normalised = normaliseEmail(email);
        const existing = await tx
          .selectFrom('users')
          .select('id')
          .where('email', '=', normalised)
          .executeTakeFirst();
        if (existing) return 'email_taken' as const;
        const { n } = await tx
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        const row: UsersTable = {
          id: newId(),
          email: normalised,
          password_hash: passwordHash,
          role: Number(n) === 0 ? 'admin' : 'user',
          created_at: clock.now().toISOString(),
        };
        await tx.insertInto('users').values(row).execute();
        return toUser(row);
      });
    },
    async findByEmail(email) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', normaliseEmail(email))
        .executeTakeFirst();
      return row && { ...toUser(row), passwordHash: row.password_hash };
    },
    async findById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },
    async count() {
      const { n } = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(n);
    },
  };
}

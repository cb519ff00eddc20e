import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from './connect';
import type { Database } from './schema';

/**
 * The schema, as ordered migrations kept in code (no files to ship next to the bundle).
 * The same migrations run on SQLite and PostgreSQL; only the auto-increment column differs.
 */
function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('admins')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('login', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('admin_sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('admin_id', 'text', (c) => c.notNull().references('admins.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('admin_signin_failures')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('login_key', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('admin_signin_failures_login_at').on('admin_signin_failures').columns(['login_key', 'at']).execute();

        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('login', 'text', (c) => c.notNull())
          .addColumn('login_key', 'text', (c) => c.notNull().unique())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('search_text', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        // One index per sort key, with id as the tie-breaker the list query also orders by,
        // so a page at any offset is an index walk rather than a sort of every user.
        for (const col of ['login', 'display_name', 'email', 'created_at']) {
          await db.schema.createIndex(`users_${col}_id`).on('users').columns([col, 'id']).execute();
        }

        await db.schema
          .createTable('user_sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('user_sessions_user_expires').on('user_sessions').columns(['user_id', 'expires_at']).execute();

        await db.schema
          .createTable('qr_credentials')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('login', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('issued_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('voided_at', 'text')
          .execute();
        await db.schema.createIndex('qr_credentials_user_voided').on('qr_credentials').columns(['user_id', 'voided_at']).execute();

        await db.schema
          .createTable('audit_log')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text')
          .addColumn('detail', 'text')
          .execute();

        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}

/** Brings the schema up to date; safe to run from several replicas at once (Kysely takes a lock). */
export async function migrateToLatest(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { naturalKey } from '../../shared/natural-sort';
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
    '0002_user_list': {
      // Natural, case-insensitive sorting by every column of the user list, each on an index;
      // disabled users; an audit log that can be filtered.
      async up(db: Kysely<unknown>) {
        // COLLATE "C" on PostgreSQL: byte (code point) order, as SQLite's BINARY, whatever the
        // database's locale, so both engines list users in the same order.
        const sortColumn = (name: string) =>
          db.schema.alterTable('users').addColumn(name, 'text', (c) => {
            const col = c.notNull().defaultTo('');
            return dialect === 'postgres' ? col.modifyFront(sql`collate "C"`) : col;
          });
        for (const col of ['login_sort', 'name_sort', 'email_sort', 'qr_issued_at']) await sortColumn(col).execute();
        await db.schema.alterTable('users').addColumn('sessions_active', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('users').addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        // '' while the user may sign in; the time they were disabled otherwise.
        await db.schema.alterTable('users').addColumn('disabled_at', 'text', (c) => c.notNull().defaultTo('')).execute();

        const users = db as unknown as Kysely<Database>;
        // Keys are computed in JS (full Unicode case folding), a page of users at a time.
        for (let after = ''; ; ) {
          const page = await users.selectFrom('users').select(['id', 'login', 'display_name', 'email']).where('id', '>', after).orderBy('id').limit(500).execute();
          if (page.length === 0) break;
          await users.transaction().execute(async (trx) => {
            for (const u of page) {
              await trx
                .updateTable('users')
                .set({ login_sort: naturalKey(u.login), name_sort: naturalKey(u.display_name), email_sort: naturalKey(u.email) })
                .where('id', '=', u.id)
                .execute();
            }
          });
          after = page[page.length - 1]!.id;
        }
        const now = new Date().toISOString();
        await sql`update users set qr_issued_at = coalesce((select max(q.issued_at) from qr_credentials q
          where q.user_id = users.id and q.voided_at is null and (q.expires_at is null or q.expires_at > ${now})), '')`.execute(db);
        await sql`update users set sessions_active = (select count(*) from user_sessions s
          where s.user_id = users.id and s.expires_at > ${now})`.execute(db);

        for (const col of ['login', 'display_name', 'email']) await db.schema.dropIndex(`users_${col}_id`).execute();
        // Ties (everyone off for 2FA, most users with no session) are broken by login, then id.
        const indexes: Record<string, string[]> = {
          users_login_sort: ['login_sort', 'id'],
          users_name_sort: ['name_sort', 'id'],
          users_email_sort: ['email_sort', 'id'],
          users_qr_issued: ['qr_issued_at', 'login_sort', 'id'],
          users_sessions: ['sessions_active', 'login_sort', 'id'],
          users_totp: ['totp_enabled', 'login_sort', 'id'],
        };
        for (const [name, cols] of Object.entries(indexes)) await db.schema.createIndex(name).on('users').columns(cols).execute();
        // Audit filters: by action, by who did it, by whom it concerned; newest first (id).
        for (const col of ['action', 'actor', 'target', 'at']) await db.schema.createIndex(`audit_log_${col}_id`).on('audit_log').columns([col, 'id']).execute();
      },
    },
    '0003_two_step': {
      // Two-step verification (issue 9): TOTP factors and pending enrolments of users and
      // administrators (an account is kind + id, so one set of tables serves both), recovery
      // codes, the pending step of a sign-in, failed user password sign-ins, and how each user
      // session was started (a QR card, or a password with its second factor).
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('totp_factors')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('secret_enc', 'text', (c) => c.notNull())
          .addColumn('confirmed_at', 'text', (c) => c.notNull())
          // The last time step accepted: a step is accepted only if it is later (never twice).
          .addColumn('last_used_step', 'integer', (c) => c.notNull().defaultTo(-1))
          .addColumn('last_used_at', 'text')
          .addColumn('drift_steps', 'integer', (c) => c.notNull().defaultTo(0))
          // Wrong codes in a row, and when the next try may come (exponential back-off).
          .addColumn('failed_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_try_at', 'text', (c) => c.notNull().defaultTo(''))
          .addPrimaryKeyConstraint('totp_factors_pk', ['kind', 'account_id'])
          .execute();
        await db.schema
          .createTable('totp_enrolments')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('secret_enc', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('totp_enrolments_pk', ['kind', 'account_id'])
          .execute();
        await db.schema
          .createTable('recovery_codes')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addPrimaryKeyConstraint('recovery_codes_pk', ['kind', 'account_id', 'code_hash'])
          .execute();
        await db.schema
          .createTable('signin_pending')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          // 'second_factor': the password was right, the code comes next; 'enrolment': an
          // enrolment-only session during the grace period of mandatory two-step verification.
          .addColumn('purpose', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('signin_pending_account').on('signin_pending').columns(['kind', 'account_id']).execute();
        await db.schema.createIndex('signin_pending_expires').on('signin_pending').columns(['expires_at']).execute();
        await db.schema
          .createTable('user_signin_failures')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('login_key', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('user_signin_failures_login_at').on('user_signin_failures').columns(['login_key', 'at']).execute();
        // Sessions from before this version were all device (QR) sessions.
        await db.schema.alterTable('user_sessions').addColumn('method', 'text', (c) => c.notNull().defaultTo('qr')).execute();
        // "Active users without 2FA" (who mandatory 2FA would lock out, and the list's filter for
        // them): counted and paged by login from this index alone, not from every user's row.
        await db.schema.createIndex('users_totp_active').on('users').columns(['totp_enabled', 'disabled_at', 'login_sort', 'id']).execute();
      },
    },
    '0004_mail_outbox': {
      // The mail outbox (issue 10, docs/mail.md): one row per message, claimed by a sender with a
      // lease, and one row per batch (what a caller queued at once) for the per-user report.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('mail_batches')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('total', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('mail_batches_created').on('mail_batches').columns(['created_at', 'id']).execute();
        await db.schema
          .createTable('mail_outbox')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('batch_id', 'text', (c) => c.notNull().references('mail_batches.id').onDelete('cascade'))
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('ref', 'text')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull().unique())
          .addColumn('to_address', 'text', (c) => c.notNull())
          .addColumn('from_address', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          // What the message is built from (JSON); NULL once the row is finished (it may hold a secret).
          .addColumn('content', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('failure', 'text')
          .addColumn('last_error', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('claimed_by', 'text')
          .addColumn('claimed_until', 'text')
          .addColumn('expires_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text')
          .addColumn('sent_reply', 'text')
          .addColumn('finished_at', 'text')
          .execute();
        // The claim query's two ways in: due queued rows, and sending rows whose lease ran out.
        // Partial indexes hold only the rows still to send, so finished rows (nearly all of them)
        // cost no index work, and recording a sent message touches as few pages as it can.
        await db.schema.createIndex('mail_outbox_queued').on('mail_outbox').column('next_attempt_at').where(sql.ref('status'), '=', sql.lit('queued')).execute();
        await db.schema.createIndex('mail_outbox_sending').on('mail_outbox').column('claimed_until').where(sql.ref('status'), '=', sql.lit('sending')).execute();
        await db.schema.createIndex('mail_outbox_batch').on('mail_outbox').columns(['batch_id', 'seq']).execute();
      },
    },
    // 0005 was kept for provisioning (issue 10); it landed after this, as 0007: names order
    // migrations, and a database already at 0006 must never meet a new 0005.
    '0006_email_otp': {
      // Signing in to computers with one-time passwords by email (issue 11, docs/email-otp.md):
      // registered computers and their agents' credentials, the passwords (HMACs, never the
      // code), the client sessions they start, refused lookups per computer, and each user's source.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('users').addColumn('source', 'text', (c) => c.notNull().defaultTo('internal')).execute();
        // "Send to the address typed": users found by address, case-insensitively (addresses are ASCII).
        await sql`create index users_email_lower on users (lower(email))`.execute(db);

        await db.schema
          .createTable('computers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('name_key', 'text', (c) => c.notNull())
          .addColumn('credential_id', 'text', (c) => c.notNull().unique())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('registered_at', 'text', (c) => c.notNull())
          .addColumn('registered_by', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('revoked_by', 'text')
          .addColumn('next_new_otp_at', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        // One live computer per name; a revoked one's name may be registered again.
        await db.schema.createIndex('computers_live_name').on('computers').column('name_key').unique().where(sql.ref('revoked_at'), 'is', null).execute();

        await db.schema
          .createTable('email_otps')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('computer_id', 'text', (c) => c.notNull().references('computers.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('email_key', 'text', (c) => c.notNull())
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('os_user', 'text')
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('code_hmac', 'text', (c) => c.notNull())
          .addColumn('code_sealed', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('sends', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('last_sent_at', 'text', (c) => c.notNull())
          .addColumn('failed_tries', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('used_at', 'text')
          .addColumn('voided_at', 'text')
          .addColumn('void_reason', 'text')
          .execute();
        // A sign-in reads the passwords mailed to an address, newest first; a request, a computer's.
        await db.schema.createIndex('email_otps_email').on('email_otps').columns(['email_key', 'created_at']).execute();
        await db.schema.createIndex('email_otps_computer').on('email_otps').columns(['computer_id', 'user_id', 'created_at']).execute();
        await db.schema.createIndex('email_otps_expires').on('email_otps').columns(['expires_at']).execute();

        await db.schema
          .createTable('client_sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('computer_id', 'text', (c) => c.notNull().references('computers.id').onDelete('cascade'))
          .addColumn('computer_name', 'text', (c) => c.notNull())
          // No foreign key: the password row goes after its retention, the session stays listed.
          .addColumn('otp_id', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('login', 'text', (c) => c.notNull())
          .addColumn('os_user', 'text', (c) => c.notNull())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('user_key', 'text', (c) => c.notNull())
          .addColumn('email_key', 'text', (c) => c.notNull())
          .addColumn('computer_key', 'text', (c) => c.notNull())
          .addColumn('emergency', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('ended_at', 'text')
          .addColumn('end_reason', 'text')
          .execute();
        await db.schema.createIndex('client_sessions_started').on('client_sessions').columns(['started_at', 'id']).execute();
        await db.schema.createIndex('client_sessions_computer').on('client_sessions').columns(['computer_id', 'started_at']).execute();

        await db.schema
          .createTable('otp_request_failures')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('computer_id', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('otp_request_failures_computer_at').on('otp_request_failures').columns(['computer_id', 'at']).execute();
      },
    },
    '0007_provisioning': {
      // Mobile provisioning (issue 10): a code per user (kept as a tombstone when the user is
      // deleted), devices with their own credential and TOTP factor, failed redemptions for the
      // rate limits, and the per-user "may use mobile authentication" setting.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('users').addColumn('mobile_allowed', 'integer', (c) => c.notNull().defaultTo(1)).execute();
        await db.schema.alterTable('user_sessions').addColumn('device_id', 'text').execute();
        await db.schema.createIndex('user_sessions_device').on('user_sessions').columns(['device_id']).execute();
        await db.schema
          .createTable('provision_codes')
          .addColumn('user_id', 'text', (c) => c.primaryKey())
          .addColumn('login', 'text', (c) => c.notNull())
          .addColumn('login_key', 'text', (c) => c.notNull())
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('issued_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('issued_by', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addColumn('failed_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('device_id', 'text')
          .addColumn('user_deleted_at', 'text')
          .execute();
        // The QR image route finds a code by its hash; a removed user's code is found by login.
        await db.schema.createIndex('provision_codes_hash').on('provision_codes').columns(['code_hash']).execute();
        await db.schema.createIndex('provision_codes_login').on('provision_codes').columns(['login_key']).execute();
        await db.schema
          .createTable('devices')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_used_at', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('revoked_by', 'text')
          .execute();
        await db.schema.createIndex('devices_user').on('devices').columns(['user_id', 'revoked_at']).execute();
        await db.schema
          .createTable('provision_failures')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('source_key', 'text', (c) => c.notNull())
          .addColumn('login_key', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('provision_failures_source').on('provision_failures').columns(['source_key', 'at']).execute();
        await db.schema.createIndex('provision_failures_login').on('provision_failures').columns(['login_key', 'at']).execute();
      },
    },
    '0008_signin_throttle': {
      // Sign-in limits by source and login with growing waits instead of a per-login block
      // (src/server/security/signin-throttle.ts), the addresses each login signed in from, the
      // client address on every audit row, and administrators that can be disabled.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('signin_throttle')
          .addColumn('bucket', 'text', (c) => c.primaryKey())
          .addColumn('scope', 'text')
          .addColumn('login_key', 'text')
          .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_at', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('signin_throttle_login').on('signin_throttle').columns(['scope', 'login_key']).execute();
        await db.schema.createIndex('signin_throttle_updated').on('signin_throttle').columns(['updated_at']).execute();
        await db.schema
          .createTable('signin_known_sources')
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('login_key', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('last_success_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('signin_known_sources_pk', ['scope', 'login_key', 'source'])
          .execute();
        await db.schema.alterTable('audit_log').addColumn('source', 'text').execute();
        await db.schema.alterTable('admins').addColumn('disabled_at', 'text', (c) => c.notNull().defaultTo('')).execute();
        // The per-login failure lists the throttle replaces (their rows are at most 15 minutes' worth).
        await db.schema.dropTable('admin_signin_failures').execute();
        await db.schema.dropTable('user_signin_failures').execute();
      },
    },
  };
}

/** Brings the schema to exactly `name` (tests: a database as an older version left it). */
export async function migrateTo(db: Kysely<Database>, dialect: DialectName, name: string): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error } = await new Migrator({ db, provider }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
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

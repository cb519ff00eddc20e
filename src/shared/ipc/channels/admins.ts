import { z } from 'zod';
import { AdminListSchema, AdminSummarySchema, CreateAdminSchema, SetAdminPasswordSchema } from '../../api/routes';
import { channel, ServerRef } from '../channel';

/** One administrator of a server, by the id the server gave them. */
const AdminRef = ServerRef.extend({ adminId: z.string().min(1).max(64) });

/**
 * The administrators of a server (issue 12). Passwords travel renderer → main → server in the
 * request only: main neither logs nor keeps them, except that changing your own password
 * replaces the one this console signs in with (keychain or session), so the next sign-in works.
 */
export const adminChannels = {
  'admins:list': channel(ServerRef, AdminListSchema, "The server's administrators by login: created, disabled since, two-step verification, which one is you"),
  'admins:create': channel(
    ServerRef.extend(CreateAdminSchema.shape),
    AdminSummarySchema,
    "Add an administrator (the password must pass the server's policy; LOGIN_TAKEN when the login exists in any case)",
  ),
  'admins:disable': channel(AdminRef, AdminSummarySchema, 'Disable an administrator: their sessions end and they cannot sign in (never yourself, never the last enabled one)'),
  'admins:enable': channel(AdminRef, AdminSummarySchema, 'Let a disabled administrator sign in again'),
  'admins:setPassword': channel(
    AdminRef.extend(SetAdminPasswordSchema.shape),
    AdminSummarySchema,
    "Change an administrator's password (policy-checked; your own needs currentPassword); their other sessions end",
  ),
} as const;

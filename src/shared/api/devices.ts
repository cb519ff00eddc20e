import { z } from 'zod';
import { IdParams, route } from './route';
import { QrSigninSchema, UserSessionSchema } from './sessions';

/** `{ id, deviceId }` path parameters: a user and one of their devices. */
export const DeviceParams = IdParams.extend({ deviceId: z.string().min(1).max(64) });

/** A provisioned device as an administrator sees it; never its credential or seed. */
export const DeviceSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  /** When it last signed in or gave an accepted authenticator code. */
  lastUsedAt: z.string().nullable(),
  /** When it was revoked, or null while it works. */
  revokedAt: z.string().nullable(),
});
export type Device = z.infer<typeof DeviceSchema>;

export const DeviceListSchema = z.object({ items: z.array(DeviceSchema) });
export const RevokeDeviceResultSchema = z.object({
  /** False when it was revoked already. */
  revoked: z.boolean(),
  /** The device's sessions that revoking ended. */
  sessionsEnded: z.number().int().nonnegative(),
});

/** Devices provisioned with a code: their sign-in, and administrators' list and revocation. */
export const devicesApi = {
  deviceSignin: route({
    method: 'POST',
    path: '/api/v1/auth/device',
    summary: "Sign in a provisioned device with its credential (as a QR card signs in); refused once the device is revoked",
    auth: 'none',
    body: QrSigninSchema,
    response: UserSessionSchema,
  }),
  listUserDevices: route({
    method: 'GET',
    path: '/api/v1/users/:id/devices',
    summary: "A user's provisioned devices, newest first, revoked ones included",
    auth: 'admin',
    params: IdParams,
    response: DeviceListSchema,
  }),
  revokeDevice: route({
    method: 'DELETE',
    path: '/api/v1/users/:id/devices/:deviceId',
    summary: 'Revoke one device: its sign-ins and its authenticator codes stop working, its sessions end (audited)',
    auth: 'admin',
    params: DeviceParams,
    response: RevokeDeviceResultSchema,
  }),
} as const;

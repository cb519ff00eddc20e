import { z } from 'zod';
import { route } from './route';

export const QrSigninSchema = z.object({ login: z.string().min(1).max(128), credential: z.string().min(1).max(256) });
export const UserSessionSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ id: z.string(), login: z.string(), displayName: z.string() }),
});

/** Device sessions: a device signs in with its QR credential and asks who it is. */
export const sessionsApi = {
  qrSignin: route({
    method: 'POST',
    path: '/api/v1/auth/qr',
    summary: 'Sign in a device with a QR credential',
    auth: 'none',
    body: QrSigninSchema,
    response: UserSessionSchema,
  }),
  me: route({
    method: 'GET',
    path: '/api/v1/me',
    summary: 'The signed-in user (device session)',
    auth: 'user',
    response: z.object({ id: z.string(), login: z.string(), displayName: z.string() }),
  }),
} as const;

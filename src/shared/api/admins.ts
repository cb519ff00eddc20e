import { z } from 'zod';
import { Ok, route } from './route';

export const AdminSessionSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  login: z.string(),
});

/** Administrator sign-in and sign-out. */
export const adminsApi = {
  adminSignin: route({
    method: 'POST',
    path: '/api/v1/auth/admin',
    summary: 'Sign in as an administrator; returns a session token',
    auth: 'none',
    body: z.object({ login: z.string().min(1).max(128), password: z.string().min(1).max(1024) }),
    response: AdminSessionSchema,
  }),
  adminSignout: route({ method: 'POST', path: '/api/v1/auth/signout', summary: 'End this session', auth: 'admin', response: Ok }),
} as const;

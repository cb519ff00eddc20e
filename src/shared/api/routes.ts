import type { z } from 'zod';
import { adminsApi } from './admins';
import { auditApi } from './audit';
import { cardsApi } from './cards';
import { clientSessionsApi } from './client-sessions';
import { computersApi } from './computers';
import { emailOtpApi } from './email-otp';
import { devicesApi } from './devices';
import { infoApi } from './info';
import { mailApi } from './mail';
import { policyApi } from './policy';
import { provisioningApi } from './provisioning';
import { qrCredentialsApi } from './qr-credentials';
import { recoveryCodesApi } from './recovery-codes';
import { sessionsApi } from './sessions';
import { totpApi } from './totp';
import { usersApi } from './users';

export type { RouteAuth, RouteDef } from './route';
export * from './admins';
export * from './audit';
export * from './cards';
export * from './client-sessions';
export * from './computers';
export * from './email-otp';
export * from './devices';
export * from './info';
export * from './mail';
export * from './policy';
export * from './provisioning';
export * from './qr-credentials';
export * from './recovery-codes';
export * from './sessions';
export * from './totp';
export * from './users';

/**
 * The server's REST API, one table composed of each domain's routes. The server registers
 * its handlers from it, the console's axios client calls through it, and /api/openapi.json
 * is generated from it, so the three cannot drift. routes.test.ts checks that no two domains
 * claim one name or one method and path.
 */
export const apiDomains = {
  infoApi,
  adminsApi,
  usersApi,
  policyApi,
  qrCredentialsApi,
  sessionsApi,
  auditApi,
  cardsApi,
  totpApi,
  recoveryCodesApi,
  mailApi,
  computersApi,
  emailOtpApi,
  clientSessionsApi,
  provisioningApi,
  devicesApi,
} as const;

export const api = {
  ...infoApi,
  ...adminsApi,
  ...usersApi,
  ...policyApi,
  ...qrCredentialsApi,
  ...sessionsApi,
  ...auditApi,
  ...cardsApi,
  ...totpApi,
  ...recoveryCodesApi,
  ...mailApi,
  ...computersApi,
  ...emailOtpApi,
  ...clientSessionsApi,
  ...provisioningApi,
  ...devicesApi,
} as const;

export type Api = typeof api;
export type RouteName = keyof Api;
export type RouteParams<N extends RouteName> = z.input<Api[N]['params']>;
export type RouteQuery<N extends RouteName> = z.input<Api[N]['query']>;
export type RouteBody<N extends RouteName> = z.input<Api[N]['body']>;
export type RouteResponse<N extends RouteName> = z.output<Api[N]['response']>;

import { z } from 'zod';
import { route } from './route';

export const ServerInfoSchema = z.object({
  product: z.literal('gatepass'),
  name: z.string(),
  version: z.string(),
  apiVersion: z.literal(1),
  /** SHA-256 of the server's TLS certificate (base64), when it serves TLS itself. */
  tlsPin: z.string().nullable(),
  /** This installation's server ID (the reference's Site ID), the same on every replica; null from servers older than provisioning. */
  serverId: z.string().nullable().default(null),
});

/** What a client asks before it signs in: is this a Gatepass server, and which. */
export const infoApi = {
  serverInfo: route({ method: 'GET', path: '/api/v1/info', summary: 'Server identity and API version', auth: 'none', response: ServerInfoSchema }),
} as const;

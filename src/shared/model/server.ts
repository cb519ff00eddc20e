import { z } from 'zod';
import { TlsCertificateSchema } from './tls-certificate';

/** A Gatepass server as the console knows it. Never carries the admin password. */
export const ServerSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  login: z.string(),
  /** The embedded local server that `npm start` runs. */
  embedded: z.boolean(),
  /**
   * needs-code: the password is known and right, but the administrator has two-step
   * verification and the admin session ended: only the code from the app (or a recovery code)
   * is missing, and it is never kept, so it is asked each time.
   * needs-enrolment: two-step verification is mandatory on the server and this administrator
   * has none yet (grace period): signed in only to enrol.
   * key-changed: the server presents another TLS key than the one trusted for it (an attack, or
   * its operator replaced the certificate): nothing is sent until the new key is reviewed and trusted.
   */
  status: z.enum(['connected', 'disconnected', 'needs-password', 'needs-code', 'needs-enrolment', 'unreachable', 'key-changed']),
  /** Why it is not connected, when it is not. */
  statusMessage: z.string().optional(),
  /** Whether the admin password is saved in the OS keychain. */
  passwordSaved: z.boolean(),
  /** needs-enrolment: when the grace period ends (after it the password alone no longer signs in). */
  graceEndsAt: z.string().optional(),
  /** The TLS key pin the administrator trusted for this server (https only); every connection checks it. */
  tlsPin: z.string().optional(),
  /**
   * The certificate the server presented when its key was refused (key-changed, or a certificate
   * this machine does not trust): what Edit server shows for review before trusting the new key.
   */
  presentedCertificate: TlsCertificateSchema.optional(),
});
export type Server = z.infer<typeof ServerSchema>;

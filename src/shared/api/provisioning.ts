import { z } from 'zod';
import { route } from './route';

/** The shortest and longest validity an administrator may give a provisioning code: 10 minutes to 30 days. */
export const PROVISION_VALIDITY_MIN_S = 10 * 60;
export const PROVISION_VALIDITY_MAX_S = 30 * 24 * 60 * 60;
/** "Provision code validity" until an administrator changes it: 24 hours. */
export const DEFAULT_PROVISION_VALIDITY_S = 24 * 60 * 60;

const ValiditySeconds = z
  .number()
  .int()
  .min(PROVISION_VALIDITY_MIN_S, 'A provisioning code is valid for at least 10 minutes')
  .max(PROVISION_VALIDITY_MAX_S, 'A provisioning code is valid for at most 30 days');

export const IssueProvisioningCodesSchema = z.object({
  userIds: z.array(z.string().min(1).max(64)).min(1).max(10_000),
  /** How long the codes stay valid, in seconds (10 minutes to 30 days); the server's "Provision code validity" when left out. */
  validitySeconds: ValiditySeconds.optional(),
});

/** One user's code, shown this once: the server keeps only its SHA-256. */
export const IssuedProvisioningCodeSchema = z.object({
  ok: z.literal(true),
  userId: z.string(),
  login: z.string(),
  /** The provisioning code itself (base64url, 128 random bits). */
  provisionCode: z.string(),
  /** The QR text (docs/provisioning-payload.md): server URL, server ID, login, code. */
  payload: z.string(),
  /** The payload's QR image on this server (the "QR Code URL" setting plus the payload): what `url4` in a mail expands to. */
  qrImageUrl: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  /** True when an earlier code of this user was still unused: it no longer works. */
  replacedUnused: z.boolean(),
});
export const ProvisioningIssueResultSchema = z.discriminatedUnion('ok', [
  IssuedProvisioningCodeSchema,
  z.object({ ok: z.literal(false), userId: z.string(), login: z.string().nullable(), code: z.string(), message: z.string() }),
]);
export const ProvisioningIssueResultsSchema = z.object({ results: z.array(ProvisioningIssueResultSchema) });

/** A device name as the device gives it: one line, at most 64 characters. */
export const DeviceNameSchema = z
  .string()
  .trim()
  .max(64, 'A device name is at most 64 characters')
  .refine((s) => !/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(s), 'A device name must not contain control characters');

/**
 * A redemption as the device sends it. The fields are not checked for shape here: a missing or
 * wrong server ID must answer UNKNOWN_SERVER_ID, an unknown login INVALID_USERNAME and a
 * malformed code INVALID_PROVISION_CODE, as the reference does, not a schema failure.
 */
export const RedeemProvisioningSchema = z.object({
  serverId: z.string().max(128).default(''),
  // Compared in NFC, as logins are stored (a decomposed é finds its account).
  login: z
    .string()
    .max(256)
    .transform((s) => s.normalize('NFC')),
  code: z.string().max(256),
  deviceName: DeviceNameSchema.optional(),
});

export const RedeemedDeviceSchema = z.object({
  server: z.object({ url: z.string(), id: z.string(), name: z.string() }),
  user: z.object({ id: z.string(), login: z.string(), displayName: z.string() }),
  device: z.object({ id: z.string(), name: z.string(), createdAt: z.string() }),
  /** `<id>.<secret>`, shown this once (stored hashed): signs the device in (POST /api/v1/auth/device). */
  credential: z.string(),
  /** The device's TOTP seed, shown this once (stored sealed): its codes are second factors of this user. */
  totp: z.object({
    secret: z.string(),
    algorithm: z.literal('SHA1'),
    digits: z.literal(6),
    period: z.literal(30),
    otpauthUri: z.string(),
  }),
});

export const ProvisioningSettingsSchema = z.object({
  /** "Provision code validity": how long a new code stays valid unless the issuer says otherwise. */
  codeValiditySeconds: ValiditySeconds,
  /** "QR Code URL" as in effect: the custom one, or this server's public URL + `/userportal/getQRCode?text=`. */
  qrCodeUrl: z.string(),
  /** The administrator's own QR Code URL, or null for the default. */
  qrCodeUrlCustom: z.string().nullable(),
  /** The URL devices reach this server at (`gatepass server --public-url`): the `s` of every payload. */
  publicUrl: z.string(),
  /** This installation's server ID (the reference's Site ID), shared by every replica. */
  serverId: z.string(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});

export const SetProvisioningSettingsSchema = z.object({
  codeValiditySeconds: ValiditySeconds.optional(),
  /** An http(s) URL the payload is appended to, percent-encoded; null goes back to the default. */
  qrCodeUrl: z.url({ protocol: /^https?$/, error: 'QR Code URL must be an http:// or https:// address' }).max(512).nullable().optional(),
});

export const SendProvisioningMailSchema = z.object({
  userIds: z.array(z.string().min(1).max(64)).min(1).max(10_000),
  /** How long the codes stay valid, in seconds (10 minutes to 30 days); the server's "Provision code validity" when left out. */
  validitySeconds: ValiditySeconds.optional(),
  /** 'inline' (default): the QR travels in the message (a cid: image), as many mail clients block remote images; 'url': only the QR image URL. */
  qrImage: z.enum(['inline', 'url']).default('inline'),
});

/** One user's part of a provisioning mail run, as queued: the per-user report follows from the mail batch (`ref` = the user id). */
export const ProvisioningMailResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), userId: z.string(), login: z.string(), to: z.string(), messageId: z.string(), expiresAt: z.string() }),
  z.object({ ok: z.literal(false), userId: z.string(), login: z.string().nullable(), code: z.string(), message: z.string() }),
]);
export const ProvisioningMailResultsSchema = z.object({
  /** The mail batch of the queued messages (GET /api/v1/mail/batches/:id reports each one: queued, sent, failed and why); null when none was queued. */
  batchId: z.string().nullable(),
  queued: z.number().int().nonnegative(),
  refused: z.number().int().nonnegative(),
  results: z.array(ProvisioningMailResultSchema),
});

/** What the console previews before "Send provisioning email": one user's message, without issuing a code. */
export const PreviewProvisioningMailSchema = z.object({
  userId: z.string().min(1).max(64),
  validitySeconds: ValiditySeconds.optional(),
  qrImage: z.enum(['inline', 'url']).default('inline'),
});

/**
 * The message the server would send this user, rendered by its own template with a sample code
 * in place of a real one (the QR and the link carry `PREVIEW...`, which redeems nothing).
 */
export const ProvisioningMailPreviewSchema = z.object({
  /** The From of the message, as the mail settings say. */
  from: z.string(),
  /** The user's address, or null when they have none. */
  to: z.string().nullable(),
  toName: z.string(),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  /** Pictures the HTML shows by `cid:` (the QR): base64, at most a few KB each. */
  inline: z.array(z.object({ cid: z.string(), contentType: z.string(), contentBase64: z.string().max(400_000) })),
  validUntil: z.string(),
  /** Why this user would get no message (NO_EMAIL_ADDRESS, NOT_ENTITLED, FORBIDDEN), or null. */
  refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/** Mobile provisioning: codes for many users, their redemption by a device, the server's settings. */
export const provisioningApi = {
  issueProvisioningCodes: route({
    method: 'POST',
    path: '/api/v1/provisioning/codes',
    summary: 'A new single-use provisioning code for each user (voiding any earlier one); each user on their own, audited, the codes shown once',
    auth: 'admin',
    body: IssueProvisioningCodesSchema,
    response: ProvisioningIssueResultsSchema,
  }),
  sendProvisioningMail: route({
    method: 'POST',
    path: '/api/v1/provisioning/mail',
    summary:
      'Send provisioning email: for each user with an e-mail address a new code (voiding any earlier one) and a message carrying its QR, queued in the outbox with the code, in one transaction per group; refusals per user',
    auth: 'admin',
    body: SendProvisioningMailSchema,
    response: ProvisioningMailResultsSchema,
  }),
  previewProvisioningMail: route({
    method: 'POST',
    path: '/api/v1/provisioning/mail/preview',
    summary: "The provisioning message the server would send one user, rendered with a sample code: nothing is issued, queued or audited",
    auth: 'admin',
    body: PreviewProvisioningMailSchema,
    response: ProvisioningMailPreviewSchema,
  }),
  redeemProvisioningCode: route({
    method: 'POST',
    path: '/api/v1/provisioning/redeem',
    summary:
      'A device redeems a provisioning code (server ID, login, code): one attempt with the right code uses it up; success creates a device and answers its credential and TOTP seed, once',
    auth: 'none',
    body: RedeemProvisioningSchema,
    response: RedeemedDeviceSchema,
  }),
  getProvisioningSettings: route({
    method: 'GET',
    path: '/api/v1/settings/provisioning',
    summary: 'Provision code validity, QR Code URL, public URL and server ID',
    auth: 'admin',
    response: ProvisioningSettingsSchema,
  }),
  setProvisioningSettings: route({
    method: 'PUT',
    path: '/api/v1/settings/provisioning',
    summary: 'Change the provision code validity or the QR Code URL (audited)',
    auth: 'admin',
    body: SetProvisioningSettingsSchema,
    response: ProvisioningSettingsSchema,
  }),
} as const;

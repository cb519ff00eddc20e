import { z } from 'zod';
import {
  AddressSchema,
  MailBatchReportSchema,
  MailBatchSchema,
  MailSettingsInputSchema,
  MailSettingsViewSchema,
  MailStatusSchema,
} from '../model/mail';
import { route } from './route';

const BatchParams = z.object({ id: z.string().min(1).max(64) });

/** Mail: the transport settings, a test message, and the per-message report of what was queued (docs/mail.md). */
export const mailApi = {
  getMailSettings: route({
    method: 'GET',
    path: '/api/v1/mail/settings',
    summary: 'The mail transport settings; the SMTP password is never returned, only whether one is set',
    auth: 'admin',
    response: MailSettingsViewSchema,
  }),
  setMailSettings: route({
    method: 'PUT',
    path: '/api/v1/mail/settings',
    summary: 'Choose the mail transport and set the SMTP server and From (the folder is set where the server is started)',
    auth: 'admin',
    body: MailSettingsInputSchema,
    response: MailSettingsViewSchema,
  }),
  sendTestMail: route({
    method: 'POST',
    path: '/api/v1/mail/test',
    summary: 'Queue a test message to an address; follow it with getMailBatch',
    auth: 'admin',
    body: z.object({ to: AddressSchema }).strict(),
    response: z.object({ batch: MailBatchSchema, messageId: z.string() }),
  }),
  listMailBatches: route({
    method: 'GET',
    path: '/api/v1/mail/batches',
    summary: 'What was queued, newest first, with how many messages are queued, sent and failed',
    auth: 'admin',
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      kind: z.string().max(32).optional(),
    }),
    response: z.object({ items: z.array(MailBatchSchema) }),
  }),
  getMailBatch: route({
    method: 'GET',
    path: '/api/v1/mail/batches/:id',
    summary: 'The report of one batch: each message, queued, sent or failed and why',
    auth: 'admin',
    params: BatchParams,
    query: z.object({
      offset: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(5000).default(1000),
      status: MailStatusSchema.optional(),
    }),
    response: MailBatchReportSchema,
  }),
  getMailBatchCsv: route({
    method: 'GET',
    path: '/api/v1/mail/batches/:id/csv',
    summary: 'The report of one batch as CSV (RFC 4180), every message',
    auth: 'admin',
    params: BatchParams,
    response: z.object({ fileName: z.string(), csv: z.string() }),
  }),
} as const;

import type { z } from 'zod';
import { adminChannels } from './channels/admins';
import { appChannels } from './channels/app';
import { auditChannels } from './channels/audit';
import { cardChannels } from './channels/cards';
import { clientSessionChannels } from './channels/client-sessions';
import { computerChannels } from './channels/computers';
import { emailOtpChannels } from './channels/email-otp';
import { events } from './channels/events';
import { exportChannels } from './channels/export';
import { mailChannels } from './channels/mail';
import { policyChannels } from './channels/policy';
import { prefsChannels } from './channels/prefs';
import { provisioningChannels } from './channels/provisioning';
import { qrChannels } from './channels/qr';
import { serverChannels } from './channels/servers';
import { twoStepChannels } from './channels/two-step';
import { userChannels } from './channels/users';

export { events };
export { CsvExportResultSchema, SaveResultSchema } from './channels/export';
export { ConsolePrefsSchema, HideableColumnSchema, type ConsolePrefs, type HideableColumn } from './channels/prefs';
export {
  GeneratedCodeSchema,
  JobSummarySchema,
  NotIssuedSchema,
  PasswordModeSchema,
  QrImageSchema,
  type GeneratedCode,
  type NotIssued,
  type PasswordMode,
} from './channels/qr';
export { ImportFailureSchema, ImportResultSchema, type ImportResult } from './channels/users';
export { EmlNameSchema, MailFolderSchema, type MailFile, type MailFolder } from './channels/mail';
export { ShownRecoveryCodesSchema, type BulkTwoStepAction, type ShownRecoveryCodes } from './channels/two-step';

/**
 * Every console channel's table, by domain (channels/<domain>.ts). contract.test.ts checks
 * that no two domains claim one channel and that each holds only its own `domain:` names.
 */
export const channelDomains = { appChannels, serverChannels, userChannels, policyChannels, auditChannels, cardChannels, qrChannels, exportChannels, prefsChannels, twoStepChannels, computerChannels, clientSessionChannels, emailOtpChannels, mailChannels, provisioningChannels, adminChannels } as const;

/**
 * Every console channel, `domain:verb` -> zod input and output. Main validates inputs
 * (and outputs, in development), the renderer's API is generated from this table, and the
 * browser host binds the same table over HTTP. A channel that is not here does not exist.
 */
export const contract = {
  ...appChannels,
  ...serverChannels,
  ...userChannels,
  ...policyChannels,
  ...auditChannels,
  ...cardChannels,
  ...qrChannels,
  ...exportChannels,
  ...prefsChannels,
  ...twoStepChannels,
  ...computerChannels,
  ...clientSessionChannels,
  ...emailOtpChannels,
  ...mailChannels,
  ...provisioningChannels,
  ...adminChannels,
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type ChannelInput<C extends Channel> = z.input<Contract[C]['input']>;
export type ChannelOutput<C extends Channel> = z.output<Contract[C]['output']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export function isChannel(name: string): name is Channel {
  return Object.prototype.hasOwnProperty.call(contract, name);
}
export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}

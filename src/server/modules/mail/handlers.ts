import type { mailApi } from '../../../shared/api/mail';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { getMailBatch, getMailBatchCsv, getMailSettings, listBatches, sendTestMail, setMailSettings } from './service';

/** The mail routes: settings, test message, batch reports. */
export function mailHandlers(ctx: ServiceContext, info: { name: string }): HandlersOf<typeof mailApi> {
  return {
    getMailSettings: () => getMailSettings(ctx),
    setMailSettings: ({ caller, body }) => setMailSettings(ctx, caller, body),
    sendTestMail: ({ caller, body }) => sendTestMail(ctx, caller, body.to, info.name),
    listMailBatches: async ({ query }) => ({ items: await listBatches(ctx.db, query) }),
    getMailBatch: ({ params, query }) => getMailBatch(ctx, params.id, query),
    getMailBatchCsv: ({ params }) => getMailBatchCsv(ctx, params.id),
  };
}

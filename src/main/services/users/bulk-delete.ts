import pMap from 'p-map';
import { GatepassError } from '../../../shared/errors';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import type { AdminCall } from '../connections';

/** Deletes at most this many users at once, so a large selection does not flood the server. */
const DELETE_CONCURRENCY = 4;

/** Deletes each user; a user that cannot be deleted is reported with its code and the rest go on. */
export async function deleteUsers(call: AdminCall, userIds: readonly string[]): Promise<ChannelOutput<'users:delete'>> {
  const failed: ChannelOutput<'users:delete'>['failed'] = [];
  let deleted = 0;
  await pMap(
    userIds,
    async (userId) => {
      try {
        await call('deleteUser', { params: { id: userId } });
        deleted++;
      } catch (err) {
        const e = err instanceof GatepassError ? err : new GatepassError('INTERNAL', 'Internal error');
        failed.push({ userId, code: e.code, message: e.message });
      }
    },
    { concurrency: DELETE_CONCURRENCY },
  );
  return { deleted, failed };
}

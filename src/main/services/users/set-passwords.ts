import pMap from 'p-map';
import { GatepassError } from '../../../shared/errors';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import type { AdminCall } from '../connections';

/** Passwords set at once: the server hashes each (argon2id), so more would only queue there. */
const SET_PASSWORD_CONCURRENCY = 4;

/**
 * Sets one password for each user through PUT /users/:id/password, without issuing a code.
 * The server checks it against the policy for each user (the login rule differs per user) and
 * audits each; a refusal is that user's failure, with the server's code and message, and the
 * others go on. Results come back in the order of `userIds`.
 */
export async function setPasswords(call: AdminCall, userIds: readonly string[], password: string): Promise<ChannelOutput<'users:setPassword'>> {
  const unique = [...new Set(userIds)];
  const results = await pMap(
    unique,
    async (userId) => {
      try {
        await call('setPassword', { params: { id: userId }, body: { password } });
        return { userId, ok: true };
      } catch (err) {
        // Only the server's own refusals are per-user answers; losing the server stops the batch.
        if (!(err instanceof GatepassError) || err.code === 'SERVER_UNREACHABLE' || err.code === 'AUTH_REQUIRED') throw err;
        return { userId, ok: false, code: err.code, message: err.message };
      }
    },
    { concurrency: SET_PASSWORD_CONCURRENCY },
  );
  return { results };
}

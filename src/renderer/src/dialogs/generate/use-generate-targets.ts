import { useEffect, useState } from 'react';
import type { ServerPolicy } from '../../../../shared/model/password-policy';
import { errorMessage } from '../../lib/format';
import { useAppStore } from '../../store/store';
import type { TargetUser } from '../../store/types';

/**
 * What the Generate dialog checks against, read through the store: the server's policy and
 * the users it issues for (the selection in the table's order, which is the template's
 * order, or the users "Generate again" brings).
 */
export function useGenerateTargets(serverId: string, again: { users: readonly TargetUser[] } | undefined) {
  const [policy, setPolicy] = useState<ServerPolicy | null>(null);
  const [policyError, setPolicyError] = useState<string | null>(null);
  const [users, setUsers] = useState<readonly TargetUser[] | null>(again?.users ?? null);
  const [usersError, setUsersError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const st = useAppStore.getState();
    st.getPolicy(serverId)
      .then((p) => live && setPolicy(p))
      .catch((err: unknown) => live && setPolicyError(errorMessage(err)));
    if (!again) {
      st.resolveSelectedUsers()
        .then((u) => live && setUsers(u))
        .catch((err: unknown) => live && setUsersError(errorMessage(err)));
    }
    return () => {
      live = false;
    };
  }, [serverId, again]);

  return { policy, policyError, users, usersError };
}

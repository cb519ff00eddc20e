import type { AdminSummary } from '../../../shared/api/admins';

/** Why an Administrators action does not apply to the selection; null when it does. */
export interface AdminActionReasons {
  readonly disable: string | null;
  readonly enable: string | null;
  readonly password: string | null;
}

/**
 * What the Administrators view's buttons may do with the selected administrator, and why not:
 * the same rules the server applies (nobody disables themselves), said before the click rather
 * than after it. The server still decides (the last enabled administrator, a race with another
 * console). Pure, for tests.
 */
export function adminActionReasons(admin: Pick<AdminSummary, 'login' | 'disabledAt' | 'you'> | undefined): AdminActionReasons {
  if (!admin) {
    const none = 'Select an administrator first';
    return { disable: none, enable: none, password: none };
  }
  return {
    disable: admin.you ? 'You cannot disable yourself: another administrator can' : admin.disabledAt ? `${admin.login} is already disabled` : null,
    enable: admin.disabledAt ? null : `${admin.login} is enabled`,
    password: null,
  };
}

/** "2 administrators, 1 disabled". */
export function adminCountText(admins: readonly Pick<AdminSummary, 'disabledAt'>[]): string {
  const disabled = admins.filter((a) => a.disabledAt).length;
  const all = `${admins.length} administrator${admins.length === 1 ? '' : 's'}`;
  return disabled > 0 ? `${all}, ${disabled} disabled` : all;
}

import type { ProvisioningState } from '../../../shared/model/user';
import { formatDateTime } from './format';

/**
 * What the Users list says about a user's phone: none, pending until (a live code is out),
 * provisioned on (a device that is not revoked), expired (the last code ran out unused). Pure.
 */
export function provisioningText(p: { readonly state: ProvisioningState; readonly at: string | null }): string {
  switch (p.state) {
    case 'none':
      return 'none';
    case 'pending':
      return p.at ? `pending until ${formatDateTime(p.at)}` : 'pending';
    case 'provisioned':
      return p.at ? `provisioned on ${formatDateTime(p.at)}` : 'provisioned';
    case 'expired':
      return 'expired';
  }
}

/** The filter's choices, in the order they are offered. */
export const PROVISIONING_FILTER_LABELS: ReadonlyArray<readonly [ProvisioningState, string]> = [
  ['none', 'None'],
  ['pending', 'Pending'],
  ['provisioned', 'Provisioned'],
  ['expired', 'Expired'],
];

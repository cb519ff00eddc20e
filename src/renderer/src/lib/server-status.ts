import type { Server } from '../../../shared/model/server';

/** A server's status in a few words, as the tree, the status bar and the all-servers list say it. */
export const STATUS_TEXT: Readonly<Record<Server['status'], string>> = {
  connected: 'connected',
  disconnected: 'disconnected',
  'needs-password': 'needs password',
  'needs-code': 'needs the code',
  'needs-enrolment': 'needs two-step set-up',
  unreachable: 'unreachable',
  'key-changed': 'TLS key changed',
};

/** Whether Connect is what the server is waiting for (a password, a code, or just a retry). */
export function wantsConnect(status: Server['status']): boolean {
  return status === 'needs-password' || status === 'needs-code' || status === 'unreachable' || status === 'disconnected';
}

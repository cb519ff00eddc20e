import type { User } from '../../../shared/model/user';
import { formatDateTime } from '../lib/format';

/** A disabled user's marker beside the login, read out with it ("a.berg disabled"); the row is dimmed too. */
export function DisabledMarker({ user }: { user: User }) {
  if (!user.disabledAt) return null;
  return (
    <>
      {' '}
      <span className="user-disabled" title={`Disabled ${formatDateTime(user.disabledAt)}: cannot sign in until enabled`}>
        disabled
      </span>
    </>
  );
}

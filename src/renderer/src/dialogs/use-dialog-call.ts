import { useState } from 'react';
import { errorMessage } from '../lib/format';

/**
 * The busy/error bookkeeping every dialog's main call shares: `run` marks the dialog busy,
 * clears the last error, awaits the call, and shows a thrown error as `describe` words it (its message by default).
 */
export function useDialogCall(initialError: string | null = null, describe: (err: unknown) => string = errorMessage) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(initialError);

  async function run(call: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await call();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, setError, run };
}

import { useEffect, useRef } from 'react';
import { useAppStore } from '../store/store';

/**
 * A Settings section's unsaved edits: while `changed`, leaving (another node of the tree,
 * closing the tab) asks first, naming `what`, and can save or drop them. The latest `save` and
 * `discard` are the ones called, however long ago the question was registered.
 */
export function useUnsavedGuard(part: string, changed: boolean, what: string, save: () => Promise<boolean>, discard: () => void): void {
  const actions = useRef({ save, discard });
  useEffect(() => {
    actions.current = { save, discard };
  });
  useEffect(() => {
    if (!changed) return;
    const { setUnsavedEdits } = useAppStore.getState();
    setUnsavedEdits(part, { what, save: () => actions.current.save(), discard: () => actions.current.discard() });
    return () => setUnsavedEdits(part, null);
  }, [part, changed, what]);
}

import { useEffect, useState } from 'react';
import { useAppStore } from '../store/store';

/**
 * Focus goes back where it came from when the dialogs close (WAI-ARIA APG, dialog pattern):
 * to the element that opened the first of them, e.g. the toolbar button, or the grid for a key
 * or a context-menu item. When that element is gone or now disabled (Delete greys out once
 * its users are deleted) focus goes to the user grid, where the work continues. React Aria's
 * own restore only steps in when focus fell to <body>, so this runs first and wins.
 */

let pendingOpener: HTMLElement | null = null;

/** Names the opener of the dialog about to open, when focus is not on it (a menu item that closes with the menu). */
export function setNextOpener(el: HTMLElement | null): void {
  pendingOpener = el;
}

function focusable(el: HTMLElement | null): el is HTMLElement {
  if (!el?.isConnected) return false;
  if (el.matches(':disabled, [aria-disabled="true"]') || el.closest('[inert], [aria-hidden="true"]')) return false;
  return el.getClientRects().length > 0;
}

/** Where focus goes back to: the opener if it can take focus, else the user grid, else nowhere in particular. */
export function returnFocus(opener: HTMLElement | null): void {
  const target = focusable(opener) ? opener : document.querySelector<HTMLElement>('[role="grid"]');
  target?.focus({ preventScroll: true });
}

/**
 * Rendered beside the open dialog for as long as any dialog is open (one after another, as
 * Generate leads to its popup, counts as one): remembers the opener when the first opens and
 * gives focus back when the last closes.
 */
export function FocusReturn() {
  // Read during the first render, before the dialog takes focus.
  const [opener] = useState<HTMLElement | null>(() => {
    const active = document.activeElement;
    return pendingOpener ?? (active instanceof HTMLElement && active !== document.body ? active : null);
  });
  useEffect(() => {
    pendingOpener = null;
    return () => {
      // StrictMode's rehearsal unmount in development is not a close.
      if (useAppStore.getState().dialog.kind === 'none') returnFocus(opener);
    };
  }, [opener]);
  return null;
}

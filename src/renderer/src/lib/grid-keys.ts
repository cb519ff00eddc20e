/**
 * The user grid's keyboard model, copied from React Aria's collections (useSelectableCollection
 * in "replace" selection behaviour) and from desktop list views: arrows move focus and select
 * the row; with Shift they extend the range from the anchor; with Ctrl (Cmd on macOS) they move
 * focus only, leaving the selection as it is. Space selects the focused row, Ctrl+Space toggles
 * it, Shift+Space selects the range to it. Pure, so the mapping is tested without a browser.
 */

/** What a key press asks of the grid. */
export type GridCommand =
  /** Move focus to row `to`: selecting just it, extending the range from the anchor to it, or focus only. */
  | { readonly kind: 'move'; readonly to: number; readonly mode: 'select' | 'extend' | 'focus' }
  /** Act on the focused row's selection (Space, Ctrl+Space, Shift+Space). */
  | { readonly kind: 'pick'; readonly mode: 'only' | 'toggle' | 'range' }
  | { readonly kind: 'selectAll' }
  | { readonly kind: 'clearSelection' }
  | { readonly kind: 'edit' }
  | { readonly kind: 'delete' }
  | { readonly kind: 'addUser' }
  | { readonly kind: 'contextMenu' };

/** The parts of a KeyboardEvent the mapping reads. */
export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

/** Where the grid is: the focused row (null before any), how many rows, how many fit on a page. */
export interface GridPosition {
  readonly focus: number | null;
  readonly count: number;
  readonly pageRows: number;
}

/** The command for a key press, or null when the grid does not handle it (it then goes on to the window). */
export function gridCommand(e: KeyPress, at: GridPosition): GridCommand | null {
  const mod = e.ctrlKey || e.metaKey;
  if (e.altKey) return null;
  // Shift+F10 and the ContextMenu key open the context menu, as on Windows and Linux desktops.
  if ((e.key === 'F10' && e.shiftKey && !mod) || e.key === 'ContextMenu') return { kind: 'contextMenu' };
  const last = at.count - 1;
  const cur = at.focus ?? -1;
  const target = (() => {
    switch (e.key) {
      case 'ArrowDown':
        return cur + 1;
      case 'ArrowUp':
        return cur - 1;
      case 'PageDown':
        return cur + Math.max(1, at.pageRows);
      case 'PageUp':
        return cur - Math.max(1, at.pageRows);
      case 'Home':
        return 0;
      case 'End':
        return last;
      default:
        return null;
    }
  })();
  if (target !== null) {
    if (at.count === 0) return null;
    const to = Math.max(0, Math.min(last, target));
    // Shift wins over Ctrl (Ctrl+Shift+Arrow extends), as in React Aria.
    return { kind: 'move', to, mode: e.shiftKey ? 'extend' : mod ? 'focus' : 'select' };
  }
  if (e.key === ' ') {
    if (at.focus === null) return null;
    return { kind: 'pick', mode: e.shiftKey ? 'range' : mod ? 'toggle' : 'only' };
  }
  if (mod && !e.shiftKey && e.key.toLowerCase() === 'a') return { kind: 'selectAll' };
  if (mod || e.shiftKey) return null;
  switch (e.key) {
    case 'Escape':
      return { kind: 'clearSelection' };
    case 'Enter':
      return at.focus === null ? null : { kind: 'edit' };
    case 'Delete':
      return { kind: 'delete' };
    case 'Insert':
      return { kind: 'addUser' };
    default:
      return null;
  }
}

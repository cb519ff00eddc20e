import { describe, expect, it } from 'vitest';
import { gridCommand, type KeyPress } from './grid-keys';

const key = (k: string, mods: Partial<Omit<KeyPress, 'key'>> = {}): KeyPress => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
const at = { focus: 5, count: 100, pageRows: 20 };

describe('the user grid keyboard model (React Aria replace behaviour)', () => {
  it('selects the row an arrow moves to, and extends the range with Shift', () => {
    expect(gridCommand(key('ArrowDown'), at)).toEqual({ kind: 'move', to: 6, mode: 'select' });
    expect(gridCommand(key('ArrowUp', { shiftKey: true }), at)).toEqual({ kind: 'move', to: 4, mode: 'extend' });
  });

  it('moves focus only with Ctrl+Arrow (and Cmd on macOS), leaving the selection alone', () => {
    expect(gridCommand(key('ArrowDown', { ctrlKey: true }), at)).toEqual({ kind: 'move', to: 6, mode: 'focus' });
    expect(gridCommand(key('ArrowUp', { metaKey: true }), at)).toEqual({ kind: 'move', to: 4, mode: 'focus' });
    expect(gridCommand(key('End', { ctrlKey: true }), at)).toEqual({ kind: 'move', to: 99, mode: 'focus' });
    expect(gridCommand(key('PageDown', { ctrlKey: true }), at)).toEqual({ kind: 'move', to: 25, mode: 'focus' });
  });

  it('extends with Ctrl+Shift as with Shift', () => {
    expect(gridCommand(key('Home', { ctrlKey: true, shiftKey: true }), at)).toEqual({ kind: 'move', to: 0, mode: 'extend' });
  });

  it('toggles the focused row with Ctrl+Space, selects only it with Space, and the range to it with Shift+Space', () => {
    expect(gridCommand(key(' ', { ctrlKey: true }), at)).toEqual({ kind: 'pick', mode: 'toggle' });
    expect(gridCommand(key(' '), at)).toEqual({ kind: 'pick', mode: 'only' });
    expect(gridCommand(key(' ', { shiftKey: true }), at)).toEqual({ kind: 'pick', mode: 'range' });
    expect(gridCommand(key(' ', { ctrlKey: true }), { ...at, focus: null })).toBeNull();
  });

  it('keeps moves inside the list and starts from the first row when nothing had focus', () => {
    expect(gridCommand(key('ArrowDown'), { ...at, focus: 99 })).toEqual({ kind: 'move', to: 99, mode: 'select' });
    expect(gridCommand(key('PageUp'), { ...at, focus: 3 })).toEqual({ kind: 'move', to: 0, mode: 'select' });
    expect(gridCommand(key('ArrowDown'), { ...at, focus: null })).toEqual({ kind: 'move', to: 0, mode: 'select' });
    expect(gridCommand(key('ArrowDown'), { ...at, count: 0, focus: null })).toBeNull();
  });

  it('opens the context menu with Shift+F10 and the ContextMenu key', () => {
    expect(gridCommand(key('F10', { shiftKey: true }), at)).toEqual({ kind: 'contextMenu' });
    expect(gridCommand(key('ContextMenu'), at)).toEqual({ kind: 'contextMenu' });
    expect(gridCommand(key('F10'), at)).toBeNull();
  });

  it('maps Ctrl+A, Escape, Enter, Delete and Insert, and leaves other keys to the window', () => {
    expect(gridCommand(key('a', { ctrlKey: true }), at)).toEqual({ kind: 'selectAll' });
    expect(gridCommand(key('A', { metaKey: true }), at)).toEqual({ kind: 'selectAll' });
    expect(gridCommand(key('Escape'), at)).toEqual({ kind: 'clearSelection' });
    expect(gridCommand(key('Enter'), at)).toEqual({ kind: 'edit' });
    expect(gridCommand(key('Delete'), at)).toEqual({ kind: 'delete' });
    expect(gridCommand(key('Insert'), at)).toEqual({ kind: 'addUser' });
    expect(gridCommand(key('g', { ctrlKey: true }), at)).toBeNull();
    expect(gridCommand(key('F5'), at)).toBeNull();
    expect(gridCommand(key('ArrowDown', { altKey: true }), at)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { TYPE_AHEAD_PAUSE_MS, typeAheadStep, typedCharacter } from './type-ahead';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('type-ahead in the user list', () => {
  it('takes printable characters, not commands: Space only within a search, nothing with Ctrl, Alt or Cmd', () => {
    expect(typedCharacter(key('a'), false)).toBe('a');
    expect(typedCharacter(key('É'), false)).toBe('É');
    expect(typedCharacter(key('😀'), false)).toBe('😀');
    expect(typedCharacter(key(' '), false)).toBeNull();
    expect(typedCharacter(key(' '), true)).toBe(' ');
    expect(typedCharacter(key(' ', { shiftKey: true }), true)).toBeNull();
    expect(typedCharacter(key('A', { shiftKey: true }), false)).toBe('A');
    for (const k of ['ArrowDown', 'Enter', 'Delete', 'F2', 'Escape', 'Tab']) expect(typedCharacter(key(k), false)).toBeNull();
    expect(typedCharacter(key('a', { ctrlKey: true }), false)).toBeNull();
    expect(typedCharacter(key('a', { metaKey: true }), false)).toBeNull();
    expect(typedCharacter(key('a', { altKey: true }), false)).toBeNull();
  });

  it('takes a character typed with AltGr (Windows reports Ctrl+Alt) or, on macOS, with Option', () => {
    expect(typedCharacter({ ...key('@', { ctrlKey: true, altKey: true }), altGraph: true }, true)).toBe('@');
    expect(typedCharacter({ ...key('\\'), altGraph: true }, false)).toBe('\\');
    expect(typedCharacter(key('@', { altKey: true }), true, true)).toBe('@');
    // Option with Cmd is a shortcut, and Alt alone elsewhere is a menu key.
    expect(typedCharacter(key('a', { altKey: true, metaKey: true }), false, true)).toBeNull();
    expect(typedCharacter(key('@', { altKey: true }), true, false)).toBeNull();
  });

  it('builds one search from quick keys and starts again after a pause', () => {
    const a = typeAheadStep(null, 'c', 0);
    expect(a).toMatchObject({ prefix: 'c', skipFrom: true });
    const b = typeAheadStep(a.state, 'a', 300);
    expect(b).toMatchObject({ prefix: 'ca', skipFrom: false });
    const c = typeAheadStep(b.state, 'r', 600);
    expect(c).toMatchObject({ prefix: 'car', skipFrom: false });
    // The pause is measured from the last key.
    const d = typeAheadStep(c.state, 'd', 600 + TYPE_AHEAD_PAUSE_MS);
    expect(d).toMatchObject({ prefix: 'd', skipFrom: true });
  });

  it('walks through the matches of one letter typed again and again, in any case', () => {
    let s = typeAheadStep(null, 'c', 0);
    s = typeAheadStep(s.state, 'c', 100);
    expect(s).toMatchObject({ prefix: 'c', skipFrom: true });
    s = typeAheadStep(s.state, 'C', 200);
    expect(s).toMatchObject({ prefix: 'C', skipFrom: true });
  });
});

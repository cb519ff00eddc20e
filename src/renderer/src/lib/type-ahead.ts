/**
 * Type-ahead in the user list, as in file managers: letters typed in quick succession are one
 * search for the login they begin; after a pause a letter starts a new search. A new search (or
 * one letter typed again and again) moves on from the focused row to the next match, so typing
 * "c" repeatedly walks through the logins starting with c; a longer search stays on the focused
 * row while it still matches. The server finds the row (users:locate, loginPrefix), so it works
 * over a list of any size.
 */
export const TYPE_AHEAD_PAUSE_MS = 1000;

export interface TypeAhead {
  readonly text: string;
  readonly at: number;
}

/** What typedCharacter reads of a key press. */
export interface TypedKey {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** AltGr held (getModifierState('AltGraph')): Windows reports it as Ctrl+Alt, yet it types @, \ or { on many layouts. */
  altGraph?: boolean;
}

/**
 * The key as a character typed into the search, or null when it is a command (Space, arrows,
 * Ctrl+A...). A character typed with AltGr (or, on macOS, with Option) is a character: logins
 * such as a.berg@corp are typed so on German or French keyboards.
 */
export function typedCharacter(e: TypedKey, searching: boolean, mac = false): string | null {
  const composed = e.altGraph === true || (mac && e.altKey && !e.ctrlKey && !e.metaKey);
  if (!composed && (e.ctrlKey || e.metaKey || e.altKey)) return null;
  if ([...e.key].length !== 1 || /\p{Cc}/u.test(e.key)) return null;
  // Space picks the focused row and Shift+Space selects a range (grid-keys.ts), unless a search is under way: then Space is part of it.
  if (e.key === ' ' && (!searching || e.shiftKey)) return null;
  return e.key;
}

/** Whether a search is under way at `now`: a key now adds to it. */
export function searching(prev: TypeAhead | null, now: number): boolean {
  return prev !== null && now - prev.at < TYPE_AHEAD_PAUSE_MS;
}

/** The search after one more character, and what to ask the server for. */
export function typeAheadStep(prev: TypeAhead | null, char: string, now: number): { state: TypeAhead; prefix: string; skipFrom: boolean } {
  const text = searching(prev, now) ? `${prev!.text}${char}` : char;
  const state = { text, at: now };
  // "ccc": each c moves on to the next login starting with c.
  const repeated = [...text].every((c) => c.toLowerCase() === char.toLowerCase());
  if (repeated) return { state, prefix: char, skipFrom: true };
  return { state, prefix: text, skipFrom: false };
}

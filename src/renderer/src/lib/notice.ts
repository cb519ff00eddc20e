/**
 * How long a status-bar notice stays. Information fades after its moment, long enough to read
 * (WCAG 2.2.1 asks for time to read: a base plus reading time for longer text); an error stays
 * until it is dismissed or replaced, since it may need acting on.
 */

/** The least time an information notice stays, in milliseconds. */
export const INFO_NOTICE_MS = 5_000;
/** Extra reading time per character beyond the first 40 (about 200 words a minute). */
const MS_PER_EXTRA_CHAR = 60;
/** The fade at the end, in milliseconds (the CSS transition matches). */
export const NOTICE_FADE_MS = 400;

/** Milliseconds until the notice goes, or null when it stays until dismissed. */
export function noticeLifetime(notice: { readonly tone: 'error' | 'info'; readonly text: string }): number | null {
  if (notice.tone === 'error') return null;
  return INFO_NOTICE_MS + Math.max(0, notice.text.length - 40) * MS_PER_EXTRA_CHAR;
}

/** Display formatting shared by the tables and the status bar. */

const countFormat = new Intl.NumberFormat('en-US');

/** "1,204 users", "1 user". */
export function formatCount(n: number, singular: string, plural = `${singular}s`): string {
  return `${countFormat.format(n)} ${n === 1 ? singular : plural}`;
}

/** A short local date and time, or an em dash when there is none. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const pad = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The message of anything thrown, for showing to the administrator. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong';
}

/**
 * The message of anything thrown with its stable code after it ("… already exists [LOGIN_TAKEN]"),
 * so an administrator can quote the code to whoever runs the server, or look it up.
 */
export function errorWithCode(err: unknown): string {
  const code = err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code ? err.code : null;
  return code ? `${errorMessage(err)} [${code}]` : errorMessage(err);
}

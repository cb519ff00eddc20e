/**
 * One line from an SMTP reply or an error, at most 500 characters: replies span lines, and a
 * line break in the outbox report (or its CSV) would start a new row. Used for every reply a
 * transport records, from the calling thread or the SMTP thread.
 */
export function replyText(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim().slice(0, 500);
}

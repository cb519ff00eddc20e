/**
 * HTML for the portal, escaped by construction: every value put into an {@link html} template
 * is escaped unless it is itself the output of one (SafeHtml). A page can therefore only carry
 * markup the portal's own templates wrote; a display name such as `<script>` arrives as text.
 */

/** Markup the portal wrote (or text it escaped): safe to put into a page as it is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text as HTML: `& < > " '` become entities, so the result is safe in element content and in
 * quoted attribute values (the only kind of attribute the portal writes).
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** What may be put into a template: text (escaped), numbers, markup, lists of them; null, undefined and false put nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** A template of markup whose every interpolated value is escaped (see the module comment). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** An attribute that is present or absent (`required`, `autofocus`), for use inside a tag. */
export function flag(name: string, on: boolean | undefined): SafeHtml {
  return new SafeHtml(on ? ` ${escapeHtml(name)}` : '');
}

/** ` name="value"` when there is a value, nothing otherwise. */
export function attr(name: string, value: string | number | null | undefined): SafeHtml {
  return new SafeHtml(value === null || value === undefined || value === '' ? '' : ` ${escapeHtml(name)}="${escapeHtml(String(value))}"`);
}

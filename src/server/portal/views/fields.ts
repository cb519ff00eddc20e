import { attr, flag, html, type SafeHtml } from '../html';

/** One labelled text input, with its hint and its error tied to it for assistive technology. */
export interface FieldSpec {
  /** The form field's name; also the input's id. */
  name: string;
  label: string;
  type?: 'text' | 'password';
  value?: string;
  /** Always given: the browser's password manager and one-time-code autofill read it. */
  autocomplete: string;
  inputmode?: 'numeric' | 'text';
  hint?: string;
  /** The refusal to show at this field: announced (role=alert) and in the input's description. */
  error?: string | null;
  /** Focus this field when the page opens (the first field, or the one in error). */
  autofocus?: boolean;
  className?: string;
  maxlength?: number;
  /** Recovery codes and logins are not prose: no spellcheck or autocorrect. */
  plain?: boolean;
}

/**
 * `<label>` + hint + error + `<input>`: the label names the input (for=id), the hint and the
 * error describe it (aria-describedby), aria-invalid marks it, and the error is announced when
 * the page opens (role=alert) while focus lands on the field (autofocus), so a keyboard or
 * screen-reader user hears what went wrong and is where to fix it.
 */
export function field(f: FieldSpec): SafeHtml {
  const hintId = f.hint ? `${f.name}-hint` : null;
  const errorId = f.error ? `${f.name}-error` : null;
  const describedBy = [hintId, errorId].filter((x): x is string => x !== null).join(' ');
  return html`<div class="field">
<label for="${f.name}">${f.label}</label>
${f.hint ? html`<span class="hint" id="${hintId}">${f.hint}</span>` : null}
${f.error ? html`<p class="error" id="${errorId}" role="alert">${f.error}</p>` : null}
<input type="${f.type ?? 'text'}" id="${f.name}" name="${f.name}"${attr('value', f.value)} autocomplete="${f.autocomplete}"${attr('inputmode', f.inputmode)}${attr('class', f.className)}${attr('maxlength', f.maxlength)}${attr('aria-describedby', describedBy)}${attr('aria-invalid', f.error ? 'true' : null)}${flag('autofocus', f.autofocus)} required${f.plain ? html` spellcheck="false" autocapitalize="off" autocorrect="off"` : null}>
</div>`;
}

/** The 6-digit authenticator code field: numeric keyboard, and the OS may offer the code (one-time-code). */
export function codeField(opts: { name: string; label: string; hint?: string; error?: string | null; autofocus?: boolean }): SafeHtml {
  return field({
    name: opts.name,
    label: opts.label,
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    className: 'code',
    maxlength: 9,
    plain: true,
    ...(opts.hint ? { hint: opts.hint } : {}),
    error: opts.error ?? null,
    autofocus: opts.autofocus ?? true,
  });
}

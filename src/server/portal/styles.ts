import { createHash } from 'node:crypto';

/**
 * The portal's one stylesheet, served from the portal (the CSP allows styles from 'self' only:
 * no inline style anywhere). Light and dark follow the OS (prefers-color-scheme); focus is
 * always visible (a thick outline, not only a colour change: WCAG 2.2 §2.4.7 and §2.4.13);
 * print shows the recovery codes without the page's chrome. Kept in a module rather than a
 * .css file so the server bundle, the tests and the benchmarks load it the same way.
 */
export const PORTAL_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #ffffff; --text: #1b1f24; --muted: #57606a; --border: #c9d1d9;
  --accent: #0b57d0; --accent-text: #ffffff; --focus: #0b57d0;
  --error: #b3261e; --error-bg: #fdecea; --ok: #146c2e; --ok-bg: #e6f4ea; --warn-bg: #fff4e5; --warn: #8a4b00;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418; --panel: #1b2027; --text: #e6e8eb; --muted: #a4adb7; --border: #3a434e;
    --accent: #8ab4f8; --accent-text: #0b1220; --focus: #8ab4f8;
    --error: #f2b8b5; --error-bg: #3b1614; --ok: #a8dab5; --ok-bg: #12301c; --warn-bg: #3a2a0c; --warn: #ffd599;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip-link { position: absolute; left: 0.5rem; top: -3rem; padding: 0.5rem 1rem; background: var(--panel); color: var(--accent); border: 2px solid var(--focus); z-index: 10; }
.skip-link:focus { top: 0.5rem; }
.site-header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: 0.75rem 1.5rem; background: var(--panel); border-bottom: 1px solid var(--border); }
.site-header .brand { font-weight: 600; }
.site-header .who { color: var(--muted); margin-right: 0.75rem; }
.site-header form { display: inline; }
main { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
main:focus { outline: none; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 1.5rem; margin-bottom: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.75rem; }
p { margin: 0 0 1rem; }
.muted { color: var(--muted); }
.field { margin-bottom: 1.25rem; }
.field label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
.field .hint { display: block; color: var(--muted); font-size: 0.9rem; margin-bottom: 0.25rem; }
input[type="text"], input[type="password"] {
  display: block; width: 100%; max-width: 24rem; padding: 0.55rem 0.7rem; font: inherit; color: var(--text);
  background: var(--bg); border: 2px solid var(--border); border-radius: 6px;
}
input.code { max-width: 11rem; font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; letter-spacing: 0.15em; }
input.recovery { max-width: 18rem; font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; letter-spacing: 0.05em; }
input[aria-invalid="true"] { border-color: var(--error); }
.field .error { color: var(--error); font-weight: 600; margin: 0.25rem 0 0; }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem 1.25rem; margin-top: 1.5rem; }
button, .button {
  display: inline-block; padding: 0.55rem 1.1rem; font: inherit; font-weight: 600; border-radius: 6px; cursor: pointer;
  background: var(--accent); color: var(--accent-text); border: 2px solid var(--accent); text-decoration: none;
}
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.link { background: none; border: none; padding: 0; color: var(--accent); text-decoration: underline; font-weight: normal; }
.alert { border-left: 6px solid var(--error); background: var(--error-bg); padding: 0.75rem 1rem; margin-bottom: 1.25rem; border-radius: 4px; }
.notice { border-left: 6px solid var(--ok); background: var(--ok-bg); padding: 0.75rem 1rem; margin-bottom: 1.25rem; border-radius: 4px; }
.warning { border-left: 6px solid var(--warn); background: var(--warn-bg); padding: 0.75rem 1rem; margin-bottom: 1.25rem; border-radius: 4px; }
.alert p, .notice p, .warning p { margin: 0; }
dl.state { display: grid; grid-template-columns: max-content 1fr; gap: 0.4rem 1.25rem; margin: 0 0 1rem; }
dl.state dt { font-weight: 600; }
dl.state dd { margin: 0; }
.qr { display: block; width: 14rem; height: 14rem; max-width: 100%; background: #fff; padding: 0.5rem; border-radius: 6px; image-rendering: pixelated; }
.secret { font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; font-size: 1.15rem; letter-spacing: 0.08em; word-spacing: 0.4em; overflow-wrap: anywhere; }
ol.codes { columns: 2; column-gap: 2rem; padding-left: 1.75rem; font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; font-size: 1.1rem; }
ol.codes li { margin-bottom: 0.4rem; break-inside: avoid; }
ol.steps li { margin-bottom: 0.5rem; }
@media (max-width: 30rem) { ol.codes { columns: 1; } dl.state { grid-template-columns: 1fr; } }
@media print {
  :root { color-scheme: light; }
  body { background: #fff; color: #000; }
  .site-header, .skip-link, .actions, .no-print { display: none; }
  .panel { border: none; padding: 0; }
}
`;

/** The stylesheet's path: named by its content, so a browser may keep it as long as it likes. */
export const PORTAL_CSS_PATH = `/portal/assets/portal-${createHash('sha256').update(PORTAL_CSS).digest('hex').slice(0, 12)}.css`;

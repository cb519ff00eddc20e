/**
 * A browser without JavaScript, for the portal's request-level tests: real HTTP to a real
 * server, one cookie jar, redirects followed as a browser follows them (303 -> GET), and
 * form posts with the headers Chromium sends for the portal's own forms (`Origin: null`
 * under `Referrer-Policy: no-referrer`, `Sec-Fetch-Site: same-origin`; checked in the e2e).
 * It reads pages the way a test needs: the CSRF token, field errors, alerts.
 */

/** One answer, after any redirects. */
export interface PortalPage {
  status: number;
  /** The path of the page finally shown (after redirects). */
  path: string;
  html: string;
  headers: Headers;
  /** Every Location followed to get here. */
  redirects: string[];
  /** Every Set-Cookie header received on the way, as sent. */
  setCookies: string[];
}

/** Headers a browser sends with a same-origin form post from a portal page. */
export const SAME_ORIGIN_POST: Readonly<Record<string, string>> = { origin: 'null', 'sec-fetch-site': 'same-origin' };

export class PortalBrowser {
  /** The portal cookie's value, as the jar holds it (null: none). */
  cookie: string | null = null;
  last: PortalPage | null = null;

  constructor(private readonly base: string) {}

  private remember(res: Response, into: string[]): void {
    for (const line of res.headers.getSetCookie()) {
      into.push(line);
      const m = /^gp_portal=([^;]*)/.exec(line);
      if (!m) continue;
      this.cookie = /;\s*max-age=0/i.test(line) || m[1] === '' ? null : (m[1] ?? null);
    }
  }

  private async request(method: 'GET' | 'POST', path: string, body: string | null, headers: Record<string, string>): Promise<PortalPage> {
    const redirects: string[] = [];
    const setCookies: string[] = [];
    let res = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(this.cookie ? { cookie: `gp_portal=${this.cookie}` } : {}), ...headers },
      ...(body !== null ? { body } : {}),
    });
    let at = path;
    this.remember(res, setCookies);
    while (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      if (!location) break;
      redirects.push(location);
      at = location;
      res = await fetch(new URL(location, this.base), { redirect: 'manual', headers: this.cookie ? { cookie: `gp_portal=${this.cookie}` } : {} });
      this.remember(res, setCookies);
    }
    const page: PortalPage = { status: res.status, path: at, html: await res.text(), headers: res.headers, redirects, setCookies };
    this.last = page;
    return page;
  }

  get(path: string): Promise<PortalPage> {
    return this.request('GET', path, null, {});
  }

  /**
   * Posts a form as the page shown last would: its CSRF token unless `fields._csrf` is given
   * (null leaves it out), with {@link SAME_ORIGIN_POST} unless `headers` replaces them.
   */
  post(path: string, fields: Record<string, string | null>, headers: Record<string, string> = SAME_ORIGIN_POST): Promise<PortalPage> {
    const csrf = '_csrf' in fields ? fields._csrf : this.last ? csrfOf(this.last.html) : null;
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) if (k !== '_csrf' && v !== null) form.set(k, v);
    if (csrf) form.set('_csrf', csrf);
    return this.request('POST', path, form.toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }
}

/** The CSRF token of the first form in a page, or null. */
export function csrfOf(html: string): string | null {
  return /name="_csrf" value="([^"]*)"/.exec(html)?.[1] ?? null;
}

/** The text of every role=alert element (entities decoded for the common five). */
export function alertsOf(html: string): string[] {
  return [...html.matchAll(/<(?:p|div)[^>]*role="alert"[^>]*>([\s\S]*?)<\/(?:p|div)>/g)].map((m) => decode(stripTags(m[1] ?? '')).trim());
}

/** The text of the role=status notice, or null. */
export function noticeOf(html: string): string | null {
  const m = /role="status"[^>]*>([\s\S]*?)<\/div>/.exec(html);
  return m ? decode(stripTags(m[1] ?? '')).trim() : null;
}

/** The <h1> text. */
export function headingOf(html: string): string | null {
  const m = /<h1>([\s\S]*?)<\/h1>/.exec(html);
  return m ? decode(stripTags(m[1] ?? '')).trim() : null;
}

/** Markup as text: tags removed. */
export function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, '');
}

/** The five entities the portal writes. */
export function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The enrolment page's key, without the spaces that group it. */
export function secretOf(html: string): string | null {
  const m = /<p class="secret" id="secret">([^<]*)<\/p>/.exec(html);
  return m?.[1] ? m[1].replace(/\s/g, '') : null;
}

/** The recovery codes listed on a page. */
export function recoveryCodesOf(html: string): string[] {
  const list = /<ol class="codes"[^>]*>([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1] ?? '');
}

/** The "Download as .txt" link: its file name and the text it downloads. */
export function downloadOf(html: string): { fileName: string; text: string } | null {
  const m = /<a class="button" href="data:text\/plain;charset=utf-8;base64,([^"]*)" download="([^"]*)">Download as \.txt<\/a>/.exec(html);
  return m ? { fileName: m[2] ?? '', text: Buffer.from(m[1] ?? '', 'base64').toString('utf8') } : null;
}

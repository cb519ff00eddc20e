import { describe, expect, it } from 'vitest';
import { sqlite, useDatabases, useServer } from '../test-support/backends';
import { chargedTries } from '../test-support/throttle';
import { call, okBody } from '../test-support/client';
import { PortalBrowser, SAME_ORIGIN_POST, alertsOf, csrfOf, decode, headingOf, recoveryCodesOf, secretOf, stripTags, type PortalPage } from '../test-support/portal-browser';
import { oathtool, testClock, userWithPassword } from '../test-support/two-step';
import { PORTAL_CSP } from './security';

// The browser-facing defences do not depend on the database: one SQLite server is enough here
// (portal.test.ts runs the flows on SQLite and PostgreSQL).
useDatabases();

const PASSWORD = 'Granite-Orchard-58';
const STEP = 30_000;

describe('Portal security', () => {
  const clock = testClock();
  const logs: string[] = [];
  const { url, admin, db } = useServer(sqlite, { now: clock.now, name: 'Acme <Portal> & "Co"', logger: (line) => logs.push(line) });
  let serial = 0;
  const newLogin = () => `sec.user${++serial}`;
  const host = () => new URL(url()).host;

  /** Everything a flow answered, to check across every page at once. */
  const seen: PortalPage[] = [];
  const track = <T extends PortalPage>(p: T): T => {
    seen.push(p);
    return p;
  };

  describe('headers and cookies', () => {
    it('sends the strict CSP, nosniff, no-referrer and no-store on every page, refusals and 404s included', async () => {
      const b = new PortalBrowser(url());
      const pages = [
        await b.get('/portal/sign-in'),
        await b.post('/portal/sign-in', { login: 'x', password: 'y' }),
        await b.post('/portal/sign-in', { login: 'x', password: 'y', _csrf: 'forged' }),
        await b.get('/portal/nothing-here'),
      ];
      expect(pages.map((p) => p.status)).toEqual([200, 401, 403, 404]);
      for (const p of pages) {
        expect(p.headers.get('content-security-policy')).toBe(
          "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        );
        expect(p.headers.get('x-content-type-options')).toBe('nosniff');
        expect(p.headers.get('referrer-policy')).toBe('no-referrer');
        expect(p.headers.get('cache-control')).toBe('no-store');
        expect(p.headers.get('x-frame-options')).toBe('DENY');
        expect(p.headers.get('content-type')).toBe('text/html; charset=utf-8');
      }
      expect(PORTAL_CSP).toBe(pages[0]!.headers.get('content-security-policy'));
    });

    it('serves its stylesheet from the portal, with light and dark from the OS and a visible focus', async () => {
      const page = await new PortalBrowser(url()).get('/portal/sign-in');
      const href = /<link rel="stylesheet" href="(\/portal\/assets\/portal-[0-9a-f]{12}\.css)">/.exec(page.html)?.[1];
      expect(href).toBeDefined();
      const res = await fetch(`${url()}${href}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const css = await res.text();
      expect(css).toContain('color-scheme: light dark');
      expect(css).toContain('@media (prefers-color-scheme: dark)');
      expect(css).toMatch(/:focus-visible \{ outline: 3px solid/);
    });

    it('sets the portal cookie HttpOnly, SameSite=Strict, on /portal only, and Secure when the request came over https', async () => {
      const plain = await new PortalBrowser(url()).get('/portal/sign-in');
      expect(plain.setCookies).toHaveLength(1);
      expect(plain.setCookies[0]).toMatch(/^gp_portal=a\.[A-Za-z0-9_-]{43}; Path=\/portal; HttpOnly; SameSite=Strict$/);
      const viaProxy = await fetch(`${url()}/portal/sign-in`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(viaProxy.headers.getSetCookie()[0]).toMatch(/^gp_portal=a\.[A-Za-z0-9_-]{43}; Path=\/portal; HttpOnly; Secure; SameSite=Strict$/);
      // The session cookie after a sign-in has the same flags.
      const login = newLogin();
      await userWithPassword(url(), admin(), login, PASSWORD);
      const b = new PortalBrowser(url());
      await b.get('/portal/sign-in');
      const home = await b.post('/portal/sign-in', { login, password: PASSWORD });
      expect(home.setCookies[0]).toMatch(/^gp_portal=s\.[A-Za-z0-9_-]{43}; Path=\/portal; HttpOnly; SameSite=Strict$/);
    });

    it('leaves the REST API as it was: JSON 404s, and no portal path in /api/openapi.json', async () => {
      const api404 = await fetch(`${url()}/api/v1/nothing-here`);
      expect(api404.status).toBe(404);
      expect(await api404.json()).toMatchObject({ code: 'NOT_FOUND' });
      expect(api404.headers.get('content-security-policy')).toBeNull();
      const root404 = await fetch(`${url()}/portalx`);
      expect(await root404.json()).toMatchObject({ code: 'NOT_FOUND' });
      const doc = (await (await fetch(`${url()}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/'))).toEqual([]);
      // And the portal does not accept JSON: forms only.
      const json = await fetch(`${url()}/portal/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json', ...SAME_ORIGIN_POST }, body: '{}' });
      expect(json.status).toBe(415);
      expect(json.headers.get('content-type')).toBe('text/html; charset=utf-8');
    });
  });

  describe('CSRF', () => {
    /** A user and a browser on the sign-in page, ready to post. */
    async function ready(): Promise<{ login: string; b: PortalBrowser }> {
      const login = newLogin();
      await userWithPassword(url(), admin(), login, PASSWORD);
      const b = new PortalBrowser(url());
      await b.get('/portal/sign-in');
      return { login, b };
    }
    /** A refused sign-in left no trace: no session, no failure counted, no audit entry. */
    async function nothingHappened(login: string, b: PortalBrowser): Promise<void> {
      expect(b.cookie).toMatch(/^a\./);
      const user = await db().selectFrom('users').select(['id', 'sessions_active']).where('login', '=', login).executeTakeFirstOrThrow();
      expect(user.sessions_active).toBe(0);
      expect(await chargedTries(db(), 'user', login)).toBe(0);
      expect(okBody(await call(url(), 'listAudit', { query: { target: login } }, admin())).items.filter((e) => e.action !== 'user.create')).toEqual([]);
    }
    const refused = (p: PortalPage) => {
      expect(p.status).toBe(403);
      expect(headingOf(p.html)).toBe('Form not accepted');
      expect(alertsOf(p.html)[0]).toMatch(/^This form cannot be accepted/);
    };

    it('refuses a form without the token, or with a wrong one, or with the token of another browser', async () => {
      const { login, b } = await ready();
      refused(await b.post('/portal/sign-in', { login, password: PASSWORD, _csrf: null }));
      refused(await b.post('/portal/sign-in', { login, password: PASSWORD, _csrf: 'x'.repeat(43) }));
      const other = new PortalBrowser(url());
      const otherToken = csrfOf((await other.get('/portal/sign-in')).html);
      refused(await b.post('/portal/sign-in', { login, password: PASSWORD, _csrf: otherToken }));
      await nothingHappened(login, b);
    });

    it('refuses a form with the right token sent from another site (Origin, Referer or Sec-Fetch-Site)', async () => {
      const { login, b } = await ready();
      const evil = 'http://evil.example';
      const token = csrfOf(b.last!.html);
      const attempts: Record<string, string>[] = [
        { origin: evil },
        { origin: evil, 'sec-fetch-site': 'same-origin' },
        { origin: 'null', 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site', origin: `http://${host()}` },
        { referer: `${evil}/page` },
        // Says nothing about where it came from: refused too.
        {},
        { origin: 'null' },
      ];
      for (const headers of attempts) refused(await b.post('/portal/sign-in', { login, password: PASSWORD, _csrf: token }, headers));
      await nothingHappened(login, b);
    });

    it('accepts a same-origin proof from Sec-Fetch-Site, or from Origin or Referer where a browser sends no Fetch Metadata', async () => {
      for (const headers of [SAME_ORIGIN_POST, { origin: `http://${host()}` }, { referer: `http://${host()}/portal/sign-in` }]) {
        const { login, b } = await ready();
        const page = await b.post('/portal/sign-in', { login, password: PASSWORD }, headers);
        expect(page.redirects).toEqual(['/portal/']);
        expect(headingOf(page.html)).toBe('Your account');
      }
    });

    it('keeps the session when a foreign site posts the sign-out form', async () => {
      const { login, b } = await ready();
      await b.post('/portal/sign-in', { login, password: PASSWORD });
      refused(await b.post('/portal/sign-out', {}, { origin: 'http://evil.example' }));
      refused(await b.post('/portal/sign-out', { _csrf: null }));
      expect(headingOf((await b.get('/portal/')).html)).toBe('Your account');
    });

    it('changes the token when the browser signs in, so a form from before no longer posts', async () => {
      const { login, b } = await ready();
      const before = csrfOf(b.last!.html);
      await b.post('/portal/sign-in', { login, password: PASSWORD });
      const after = csrfOf(b.last!.html);
      expect(after).not.toBe(before);
      refused(await b.post('/portal/sign-out', { _csrf: before }));
    });
  });

  describe('a whole flow, as a browser without JavaScript sees it', () => {
    it('escapes what users typed and what the server is called, and every page works without script', async () => {
      const login = newLogin();
      okBody(await call(url(), 'createUser', { body: { login, displayName: '<script>alert(1)</script>', password: PASSWORD } }, admin()));
      const b = new PortalBrowser(url());
      track(await b.get('/portal/sign-in'));
      // What a user typed comes back in the form, as text.
      const typed = '"><img src=x onerror=alert(1)>';
      const wrong = track(await b.post('/portal/sign-in', { login: typed, password: 'nope' }));
      expect(wrong.html).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
      const home = track(await b.post('/portal/sign-in', { login, password: PASSWORD }));
      expect(home.html).toContain(`Signed in as &lt;script&gt;alert(1)&lt;/script&gt; (${login})`);
      expect(home.html).toContain('<title>Your account · Acme &lt;Portal&gt; &amp; &quot;Co&quot;</title>');
      const enrol = track(await b.post('/portal/enrol/start', {}));
      const secret = secretOf(enrol.html) ?? '';
      expect(decode(stripTags(enrol.html))).toContain('IssuerAcme <Portal> & "Co"');
      const codes = track(await b.post('/portal/enrol/confirm', { code: oathtool(secret, clock.now()) }));
      const recovery = recoveryCodesOf(codes.html);
      expect(recovery).toHaveLength(8);
      for (const path of ['/portal/', '/portal/resync', '/portal/recovery-codes', '/portal/enrol']) track(await b.get(path));
      track(await b.post('/portal/sign-out', {}));
      clock.advance(STEP);
      track(await b.post('/portal/sign-in', { login, password: PASSWORD }));
      track(await b.post('/portal/sign-in/code', { code: '12345' }));
      track(await b.get('/portal/sign-in/recovery-code'));
      const viaCode = track(await b.post('/portal/sign-in/recovery-code', { recoveryCode: recovery[0]! }));
      expect(headingOf(viaCode.html)).toBe('Your account');

      for (const p of seen) {
        expect(p.html).not.toMatch(/<script/i);
        // Attribute names, with the (escaped) values blanked: no event handler, no inline style.
        const markup = p.html.replace(/"[^"]*"/g, '""');
        expect(markup).not.toMatch(/\son[a-z]+=/i);
        expect(markup).not.toMatch(/\sstyle=/i);
        expect(p.html).not.toMatch(/javascript:/i);
        // Every form posts back to the portal and carries the token.
        for (const form of p.html.match(/<form[^>]*>[\s\S]*?<\/form>/g) ?? []) {
          expect(form).toMatch(/^<form method="post" action="\/portal\/[a-z/-]*"/);
          expect(form).toContain('name="_csrf"');
        }
        // Every visible input is named by a <label for>.
        for (const id of [...p.html.matchAll(/<input type="(?:text|password)" id="([^"]+)"/g)].map((m) => m[1])) expect(p.html).toContain(`<label for="${id}">`);
        // No URL holds a token, a code or a secret: only paths and the fixed notices.
        for (const location of p.redirects) expect(location).toMatch(/^\/portal\/[a-z/-]*(\?notice=[a-z-]+)?$/);
      }
    });

    it('logs nothing of a password, a code, a recovery code, a secret or a token', async () => {
      const secrets = [PASSWORD];
      for (const p of seen) {
        secrets.push(...recoveryCodesOf(p.html));
        const s = secretOf(p.html);
        if (s) secrets.push(s);
      }
      expect(secrets.length).toBeGreaterThan(8);
      for (const line of logs) for (const s of secrets) expect(line).not.toContain(s);
      expect(logs.join('\n')).not.toMatch(/gp_portal|_csrf/);
    });
  });
});

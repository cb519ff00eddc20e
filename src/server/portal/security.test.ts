import { describe, expect, it } from 'vitest';
import { refusalSentence, waitText } from './messages';
import { crossSiteProblem, csrfTokenFor, csrfTokenMatches } from './security';

describe('CSRF token', () => {
  const cookie = 's.4bP0y8kq2m7VbXr1NwQe9Tz3LcHa6UjYfDg5KsMoZiE';

  it('is fixed for a cookie, differs between cookies and does not reveal the cookie', () => {
    expect(csrfTokenFor(cookie)).toBe(csrfTokenFor(cookie));
    expect(csrfTokenFor(cookie)).not.toBe(csrfTokenFor(`${cookie.slice(0, -1)}F`));
    expect(csrfTokenFor(cookie)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfTokenFor(cookie)).not.toContain(cookie.slice(2, 12));
  });

  it('matches only the token of this cookie', () => {
    expect(csrfTokenMatches(cookie, csrfTokenFor(cookie))).toBe(true);
    expect(csrfTokenMatches(cookie, csrfTokenFor('a.other-cookie-value-long-enough-for-a-token'))).toBe(false);
    expect(csrfTokenMatches(cookie, '')).toBe(false);
    expect(csrfTokenMatches(cookie, undefined)).toBe(false);
    expect(csrfTokenMatches(cookie, ['x'])).toBe(false);
    expect(csrfTokenMatches(null, csrfTokenFor(cookie))).toBe(false);
    expect(csrfTokenMatches(cookie, csrfTokenFor(cookie).slice(0, -1))).toBe(false);
  });
});

describe('same-origin check of a form post', () => {
  const host = 'portal.example:8443';

  it('accepts what browsers send for our own forms', () => {
    // Chromium under Referrer-Policy: no-referrer (checked in e2e/portal.spec.ts).
    expect(crossSiteProblem({ host, origin: 'null', 'sec-fetch-site': 'same-origin' })).toBeNull();
    expect(crossSiteProblem({ host, origin: 'https://portal.example:8443', 'sec-fetch-site': 'same-origin' })).toBeNull();
    // Browsers without Fetch Metadata.
    expect(crossSiteProblem({ host, origin: 'https://PORTAL.example:8443' })).toBeNull();
    expect(crossSiteProblem({ host, referer: 'https://portal.example:8443/portal/sign-in' })).toBeNull();
  });

  it('refuses posts from other sites, and posts that say nothing of where they came from', () => {
    const refused = [
      { host, 'sec-fetch-site': 'cross-site' },
      { host, 'sec-fetch-site': 'same-site', origin: 'https://portal.example:8443' },
      { host, 'sec-fetch-site': 'none' },
      { host, origin: 'https://evil.example' },
      { host, origin: 'https://portal.example:8444', 'sec-fetch-site': 'same-origin' },
      { host, origin: 'https://portal.example.evil.example:8443' },
      { host, referer: 'https://evil.example/portal.example:8443' },
      { host, origin: 'null' },
      { host, origin: 'not a url' },
      { host },
      { origin: 'null', 'sec-fetch-site': 'same-origin' },
    ];
    for (const h of refused) expect(crossSiteProblem(h), JSON.stringify(h)).not.toBeNull();
  });
});

describe('refusals in plain sentences', () => {
  it('says waits in the units people use', () => {
    expect([1, 2, 59, 60, 61, 900, 3600, 3601].map(waitText)).toEqual([
      '1 second', '2 seconds', '59 seconds', '1 minute', '2 minutes', '15 minutes', '1 hour', '2 hours',
    ]);
  });

  it('says how long to wait after wrong codes, and who helps after the lock', () => {
    expect(refusalSentence({ code: 'RATE_LIMITED', message: 'x', details: { retryAfterSeconds: 64 } }, 'code')).toBe('Too many wrong codes. Wait 2 minutes before the next try.');
    expect(refusalSentence({ code: 'TOTP_CODE_INVALID', message: 'Wrong code. Wait 4 s before the next try.', details: { retryAfterSeconds: 4 } }, 'code')).toBe(
      'Wrong code. Wait 4 seconds before the next try.',
    );
    expect(refusalSentence({ code: 'TOTP_LOCKED', message: 'x' }, 'code')).toMatch(/Ask your administrator to let you try again\.$/);
    expect(refusalSentence({ code: 'INVALID_CREDENTIALS', message: 'Wrong login or password' }, 'password')).toBe('The login or password is wrong.');
    expect(refusalSentence({ code: 'RATE_LIMITED', message: 'x', details: { retryAfterSeconds: 900 } }, 'password')).toBe(
      'Too many wrong passwords for this login. Try again in 15 minutes.',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, eachBackend, useServer } from '../test-support/backends';
import { chargedTries } from '../test-support/throttle';
import { call, okBody } from '../test-support/client';
import {
  PortalBrowser,
  alertsOf,
  decode,
  downloadOf,
  headingOf,
  noticeOf,
  recoveryCodesOf,
  secretOf,
  stripTags,
  type PortalPage,
} from '../test-support/portal-browser';
import { enrol, enrolledUser, oathtool, testClock, userWithPassword } from '../test-support/two-step';

const STEP = 30_000;
const DAY = 86_400_000;
const PASSWORD = 'Granite-Orchard-58';

/** A 6-digit code that is none of the codes the window around `at` accepts (so "wrong" never passes by chance). */
function wrongCode(secret: string, at: Date): string {
  const right = new Set([-1, 0, 1].map((k) => oathtool(secret, new Date(at.getTime() + k * STEP))));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!right.has(code)) return code;
  }
}

/** The opening tag of the input with this id. */
function inputTag(html: string, id: string): string {
  return [...html.matchAll(/<input[^>]*>/g)].map((m) => m[0]).find((t) => t.includes(` id="${id}"`)) ?? '';
}

/** Signs in with the password in a fresh browser; the page after it (the code page when the user has 2FA). */
async function signIn(base: string, login: string, password = PASSWORD): Promise<{ browser: PortalBrowser; page: PortalPage }> {
  const browser = new PortalBrowser(base);
  await browser.get('/portal/sign-in');
  const page = await browser.post('/portal/sign-in', { login, password });
  return { browser, page };
}

eachBackend('User portal', (backend) => {
  const clock = testClock();
  const { url, admin, db } = useServer(backend, { now: clock.now, name: 'Portal test' });
  const tag = `p${backend.name.toLowerCase()}`;

  describe('password sign-in', () => {
    it('sends a visitor to the sign-in page, and a user without two-step verification to their account', async () => {
      const login = `${tag}.plain`;
      await userWithPassword(url(), admin(), login);
      const browser = new PortalBrowser(url());
      const first = await browser.get('/portal/');
      expect(first.redirects).toEqual(['/portal/sign-in']);
      expect(headingOf(first.html)).toBe('Sign in');
      const home = await browser.post('/portal/sign-in', { login, password: PASSWORD });
      expect(home.redirects).toEqual(['/portal/']);
      expect(home.status).toBe(200);
      expect(headingOf(home.html)).toBe('Your account');
      expect(decode(home.html)).toContain(`Signed in as Person ${login} (${login})`);
      expect(home.html).toContain('Off: you sign in with your password alone');
      expect(browser.cookie).toMatch(/^s\./);
    });

    it('signs in a login typed in another Unicode spelling, as the REST API does (NFC)', async () => {
      const login = `${tag}.zo\u00eb`;
      await userWithPassword(url(), admin(), login);
      const { page } = await signIn(url(), login.normalize('NFD'));
      expect(login.normalize('NFD')).not.toBe(login);
      expect(page.redirects).toEqual(['/portal/']);
      expect(headingOf(page.html)).toBe('Your account');
    });

    it('refuses a wrong password at the password field, keeps the login, and the service counts and audits it', async () => {
      const login = `${tag}.wrongpw`;
      await userWithPassword(url(), admin(), login);
      const { page } = await signIn(url(), login, 'not-the-password');
      expect(page.status).toBe(401);
      expect(alertsOf(page.html)).toEqual(['The login or password is wrong.']);
      const password = inputTag(page.html, 'password');
      expect(password).toContain('aria-describedby="password-error"');
      expect(password).toContain('aria-invalid="true"');
      expect(password).toContain('autofocus');
      expect(page.html).toContain('id="password-error" role="alert"');
      expect(inputTag(page.html, 'login')).toContain(`value="${login}"`);
      expect(await chargedTries(db(), 'user', login)).toBe(1);
      const audit = okBody(await call(url(), 'listAudit', { query: { target: login, action: 'user.signin_failed' } }, admin()));
      expect(audit.items[0]?.detail).toBe('Wrong password');
    });

    it('says so when the login is held back after 5 wrong passwords, and how long to wait, which grows', async () => {
      const login = `${tag}.limited`;
      await userWithPassword(url(), admin(), login);
      for (let i = 0; i < 5; i++) expect((await signIn(url(), login, `wrong-${i}`)).page.status).toBe(401);
      // Even the right password waits: the try is refused before any password is checked.
      const held = (await signIn(url(), login)).page;
      expect(held.status).toBe(429);
      expect(held.headers.get('retry-after')).toBe('1');
      expect(alertsOf(held.html)).toEqual(['Too many wrong passwords for this login. Try again in 1 second.']);
      clock.advance(1000);
      expect((await signIn(url(), login, 'wrong-again')).page.status).toBe(401);
      const longer = (await signIn(url(), login)).page;
      expect(longer.status).toBe(429);
      expect(longer.headers.get('retry-after')).toBe('2');
      clock.advance(2000);
      const { page } = await signIn(url(), login);
      expect(page.redirects).toEqual(['/portal/']);
      expect(await chargedTries(db(), 'user', login)).toBe(0);
    });
  });

  describe('enrolment', () => {
    const login = `${tag}.enrols`;
    let browser: PortalBrowser;
    let secret = '';
    let codes: string[] = [];

    it('starts with a POST, then shows the QR code (an image with alt text) and the key grouped for typing', async () => {
      await userWithPassword(url(), admin(), login);
      ({ browser } = await signIn(url(), login));
      const intro = await browser.get('/portal/enrol');
      expect(headingOf(intro.html)).toBe('Set up two-step verification');
      expect(intro.html).not.toContain('<img');
      const page = await browser.post('/portal/enrol/start', {});
      expect(page.redirects).toEqual(['/portal/enrol']);
      const img = /<img class="qr" src="data:image\/svg\+xml;base64,([^"]+)" alt="([^"]+)"/.exec(page.html);
      expect(img?.[2]).toMatch(/^QR code for your authenticator app/);
      expect(Buffer.from(img?.[1] ?? '', 'base64').toString('utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(page.html).toMatch(/<p class="secret" id="secret">([A-Z2-7]{4} ){7}[A-Z2-7]{4}<\/p>/);
      secret = secretOf(page.html) ?? '';
      expect(secret).toHaveLength(32);
      const code = inputTag(page.html, 'code');
      expect(code).toContain('autocomplete="one-time-code"');
      expect(code).toContain('inputmode="numeric"');
      // A reload shows the same enrolment (the app already scanned stays right).
      expect(secretOf((await browser.get('/portal/enrol')).html)).toBe(secret);
    });

    it('refuses a wrong code at the code field and shows the same QR code again', async () => {
      const page = await browser.post('/portal/enrol/confirm', { code: wrongCode(secret, clock.now()) });
      expect(page.status).toBe(401);
      expect(alertsOf(page.html)[0]).toMatch(/^That code does not match the new secret/);
      expect(inputTag(page.html, 'code')).toContain('aria-describedby="code-hint code-error"');
      expect(secretOf(page.html)).toBe(secret);
    });

    it('turns it on with an oathtool code and shows 8 recovery codes once, with a .txt download of them', async () => {
      const page = await browser.post('/portal/enrol/confirm', { code: oathtool(secret, clock.now()) });
      expect(page.status).toBe(200);
      expect(page.redirects).toEqual([]);
      expect(headingOf(page.html)).toBe('Save your recovery codes');
      expect(noticeOf(page.html)).toBe('Two-step verification is on.');
      codes = recoveryCodesOf(page.html);
      expect(codes).toHaveLength(8);
      for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      const file = downloadOf(page.html);
      expect(file?.fileName).toBe(`gatepass-recovery-codes-${login}.txt`);
      expect(file?.text.split('\r\n')[0]).toBe(`Gatepass recovery codes for ${login} on Portal test`);
      expect(file?.text.split('\r\n').filter((l) => /^[0-9A-Z]{4}-/.test(l))).toEqual(codes);
      expect(page.headers.get('cache-control')).toBe('no-store');
    });

    it('says that it is on already when the confirming form is sent a second time, and shows no codes', async () => {
      const again = await browser.post('/portal/enrol/confirm', { code: oathtool(secret, clock.now()) });
      expect(again.status).toBe(409);
      expect(alertsOf(again.html)).toEqual([
        'Two-step verification is already on: this setup was confirmed a moment ago (perhaps the form was sent twice). If you did not see your recovery codes, get new ones from your account page.',
      ]);
      expect(recoveryCodesOf(again.html)).toEqual([]);
    });

    it('never shows those codes again: the account page gives only how many are left', async () => {
      const home = await browser.get('/portal/');
      expect(home.html).toContain('<dt>Recovery codes left</dt><dd>8 of 8</dd>');
      expect(home.html).toContain('On: you sign in with your password and a code from your authenticator app');
      for (const path of ['/portal/', '/portal/enrol', '/portal/recovery-codes', '/portal/resync']) {
        const html = (await browser.get(path)).html;
        for (const c of codes) expect(html).not.toContain(c);
      }
    });

    it('asks for the code after the password, refuses a wrong one, and signs in with the right one', async () => {
      const { browser: b, page } = await signIn(url(), login);
      expect(page.redirects).toEqual(['/portal/sign-in/code']);
      expect(b.cookie).toMatch(/^p\./);
      expect(page.html).toContain('<a href="/portal/sign-in/recovery-code">Sign in with a recovery code</a>');
      clock.advance(STEP);
      const wrong = await b.post('/portal/sign-in/code', { code: wrongCode(secret, clock.now()) });
      expect(wrong.status).toBe(401);
      expect(alertsOf(wrong.html)).toEqual(['Wrong code.']);
      const right = await b.post('/portal/sign-in/code', { code: oathtool(secret, clock.now()) });
      expect(right.redirects).toEqual(['/portal/']);
      expect(headingOf(right.html)).toBe('Your account');
      expect(b.cookie).toMatch(/^s\./);
      // The same code in another browser: its step is used.
      const { browser: other } = await signIn(url(), login);
      const replay = await other.post('/portal/sign-in/code', { code: oathtool(secret, clock.now()) });
      expect(replay.status).toBe(401);
      expect(alertsOf(replay.html)).toEqual(['That code was used already: wait for the next code in your app']);
    });

    it('signs in with a recovery code and says how many remain; the same code is refused next time', async () => {
      const { browser: b } = await signIn(url(), login);
      const form = await b.get('/portal/sign-in/recovery-code');
      expect(headingOf(form.html)).toBe('Sign in with a recovery code');
      const home = await b.post('/portal/sign-in/recovery-code', { recoveryCode: codes[3]!.toLowerCase() });
      expect(home.redirects).toEqual(['/portal/?notice=recovery-code']);
      expect(noticeOf(home.html)).toBe('You signed in with a recovery code. 7 recovery codes are left.');
      expect(home.html).toContain('<dt>Recovery codes left</dt><dd>7 of 8</dd>');
      const { browser: again } = await signIn(url(), login);
      await again.get('/portal/sign-in/recovery-code');
      const used = await again.post('/portal/sign-in/recovery-code', { recoveryCode: codes[3]! });
      expect(used.status).toBe(401);
      expect(alertsOf(used.html)).toEqual(['That recovery code was used already: each works once']);
    });

    it('of 10 parallel copies of one code form exactly one signs in', async () => {
      clock.advance(STEP);
      const { browser: b } = await signIn(url(), login);
      const code = oathtool(secret, clock.now());
      const csrf = /name="_csrf" value="([^"]*)"/.exec(b.last?.html ?? '')?.[1] ?? '';
      const copies = await Promise.all(
        Array.from({ length: 10 }, () => {
          const copy = new PortalBrowser(url());
          copy.cookie = b.cookie;
          return copy.post('/portal/sign-in/code', { code, _csrf: csrf });
        }),
      );
      expect(copies.filter((p) => p.path === '/portal/' && p.status === 200)).toHaveLength(1);
      for (const p of copies.filter((x) => x.path !== '/portal/')) expect([401, 403]).toContain(p.status);
    });
  });

  describe('wrong codes', () => {
    it('says how long to wait after 10 wrong codes, and that an administrator must help after 100', async () => {
      clock.advance(STEP);
      const user = await enrolledUser(url(), admin(), `${tag}.backoff`, clock.now());
      const { browser } = await signIn(url(), user.user.login);
      let page: PortalPage | null = null;
      for (let i = 1; i <= 10; i++) page = await browser.post('/portal/sign-in/code', { code: wrongCode(user.secret, clock.now()) });
      expect(page?.status).toBe(401);
      expect(alertsOf(page?.html ?? '')).toEqual(['Wrong code. Wait 1 second before the next try.']);
      expect(page?.headers.get('retry-after')).toBe('1');
      const waiting = await browser.post('/portal/sign-in/code', { code: oathtool(user.secret, clock.now()) });
      expect(waiting.status).toBe(429);
      expect(alertsOf(waiting.html)).toEqual(['Too many wrong codes. Wait 1 second before the next try.']);
      // As after 99 wrong codes in a row (each wait sat out): the next wrong code is the 100th.
      await db().updateTable('totp_factors').set({ failed_count: 99, next_try_at: '' }).where('kind', '=', 'user').where('account_id', '=', user.user.id).execute();
      const hundredth = await browser.post('/portal/sign-in/code', { code: wrongCode(user.secret, clock.now()) });
      expect(alertsOf(hundredth.html)).toEqual(['Wrong code. That was the 100th wrong code in a row: an administrator must now let this account try again.']);
      const locked = await browser.post('/portal/sign-in/code', { code: oathtool(user.secret, clock.now()) });
      expect(locked.status).toBe(403);
      expect(alertsOf(locked.html)).toEqual([
        'There were 100 wrong codes in a row, so this account cannot try codes any more. Ask your administrator to let you try again.',
      ]);
    });
  });

  describe('an enrolled user at home', () => {
    let user: Awaited<ReturnType<typeof enrolledUser>>;
    let browser: PortalBrowser;

    it('resyncs with two consecutive codes and sees the drift', async () => {
      clock.advance(STEP);
      user = await enrolledUser(url(), admin(), `${tag}.home`, clock.now());
      clock.advance(STEP);
      ({ browser } = await signIn(url(), user.user.login));
      await browser.post('/portal/sign-in/code', { code: oathtool(user.secret, clock.now()) });
      await browser.get('/portal/resync');
      const ahead = (k: number) => oathtool(user.secret, new Date(clock.now().getTime() + k * STEP));
      const apart = await browser.post('/portal/resync', { code1: ahead(3), code2: ahead(5) });
      expect(apart.status).toBe(401);
      expect(alertsOf(apart.html)[0]).toMatch(/^These are not two consecutive codes of this app within 10 minutes/);
      const done = await browser.post('/portal/resync', { code1: ahead(3), code2: ahead(4) });
      expect(done.redirects).toEqual(['/portal/?notice=resynced']);
      expect(noticeOf(done.html)).toMatch(/^Your authenticator app is in sync again/);
      expect(decode(done.html)).toContain("<dt>Clock drift</dt><dd>+120 seconds (your app's clock is ahead; found by a resync)</dd>");
    });

    it('makes new recovery codes only with the password; a wrong one is counted and audited like a sign-in', async () => {
      const form = await browser.get('/portal/recovery-codes');
      expect(headingOf(form.html)).toBe('New recovery codes');
      const wrong = await browser.post('/portal/recovery-codes', { password: 'not-it', set: /name="set" value="([^"]*)"/.exec(form.html)?.[1] ?? '' });
      expect(wrong.status).toBe(401);
      expect(alertsOf(wrong.html)).toEqual(['The password is wrong.']);
      expect(await chargedTries(db(), 'user', user.user.login)).toBe(1);
      const audit = okBody(await call(url(), 'listAudit', { query: { target: user.user.login, action: 'user.signin_failed' } }, admin()));
      expect(audit.items[0]?.detail).toBe('Wrong password when confirming it (new recovery codes)');
      // Nothing changed: the old codes still work.
      expect(okBody(await call(url(), 'accountTwoStep', {}, (await apiSession(user.user.login, { recoveryCode: user.recoveryCodes[0]! })))).recoveryCodesLeft).toBe(7);
    });

    it('shows the new codes once; the old ones stop working; the same form sent again is refused', async () => {
      const form = await browser.get('/portal/recovery-codes');
      const set = /name="set" value="([^"]*)"/.exec(form.html)?.[1] ?? '';
      const page = await browser.post('/portal/recovery-codes', { password: PASSWORD, set });
      expect(page.status).toBe(200);
      expect(noticeOf(page.html)).toBe('You have new recovery codes: your earlier codes no longer work.');
      const fresh = recoveryCodesOf(page.html);
      expect(fresh).toHaveLength(8);
      expect(downloadOf(page.html)?.text).toContain(fresh[7]!);
      const old = await call(url(), 'userSignin', { body: { login: user.user.login, password: PASSWORD, recoveryCode: user.recoveryCodes[1]! } });
      expect(old.error?.code).toBe('RECOVERY_CODE_INVALID');
      // The same form again (a reload, a double click): refused, and the codes just shown stay the ones that work.
      const again = await browser.post('/portal/recovery-codes', { password: PASSWORD, set, _csrf: /name="_csrf" value="([^"]*)"/.exec(form.html)?.[1] ?? '' });
      expect(again.status).toBe(409);
      expect(alertsOf(again.html)[0]).toMatch(/^Your recovery codes were replaced after this form was shown/);
      expect(recoveryCodesOf(again.html)).toEqual([]);
      await apiSession(user.user.login, { recoveryCode: fresh[0]! });
    });

    it('of 6 parallel copies of one form exactly one makes new codes, and they are the ones that work', async () => {
      const form = await browser.get('/portal/recovery-codes');
      const set = /name="set" value="([^"]*)"/.exec(form.html)?.[1] ?? '';
      const csrf = /name="_csrf" value="([^"]*)"/.exec(form.html)?.[1] ?? '';
      const copies = await Promise.all(
        Array.from({ length: 6 }, () => {
          const copy = new PortalBrowser(url());
          copy.cookie = browser.cookie;
          return copy.post('/portal/recovery-codes', { password: PASSWORD, set, _csrf: csrf });
        }),
      );
      const made = copies.filter((p) => p.status === 200);
      expect(made).toHaveLength(1);
      // The others lost the race (409), or waited at the sign-in limits, which admit 5 password
      // checks in flight per address and login before any is checked (429).
      expect(copies.filter((p) => p.status === 409).length).toBeGreaterThanOrEqual(4);
      expect(copies.filter((p) => p.status !== 200 && p.status !== 409 && p.status !== 429)).toEqual([]);
      const shown = recoveryCodesOf(made[0]!.html);
      await apiSession(user.user.login, { recoveryCode: shown[5]! });
      expect((await db().selectFrom('recovery_codes').select('code_hash').where('kind', '=', 'user').where('account_id', '=', user.user.id).execute()).length).toBe(8);
    });

    it('signs out: the session ends in the database, not only in this browser', async () => {
      const signouts = async () => okBody(await call(url(), 'listAudit', { query: { target: user.user.login, action: 'user.signout' } }, admin())).items.length;
      const before = await signouts();
      const stolen = browser.cookie;
      const out = await browser.post('/portal/sign-out', {});
      expect(out.redirects).toEqual(['/portal/sign-in?notice=signed-out']);
      expect(noticeOf(out.html)).toBe('You are signed out.');
      expect(browser.cookie).toMatch(/^a\./);
      const replay = new PortalBrowser(url());
      replay.cookie = stolen;
      const page = await replay.get('/portal/');
      expect(page.redirects).toEqual(['/portal/sign-in?notice=ended']);
      expect(noticeOf(page.html)).toBe('Your session ended. Sign in again.');
      expect(await signouts()).toBe(before + 1);
    });

    it("loses its session when an administrator ends the user's sessions", async () => {
      clock.advance(STEP);
      const { browser: b } = await signIn(url(), user.user.login);
      // The app runs 2 minutes ahead (the resync above found it): its code is of that step.
      await b.post('/portal/sign-in/code', { code: oathtool(user.secret, new Date(clock.now().getTime() + 4 * STEP)) });
      expect(headingOf((await b.get('/portal/')).html)).toBe('Your account');
      okBody(await call(url(), 'userActions', { body: { action: 'endSessions', userIds: [user.user.id] } }, admin()));
      expect((await b.get('/portal/')).redirects).toEqual(['/portal/sign-in?notice=ended']);
    });
  });

  /** A REST session of `login` with a second factor (what a recovery code still opens). */
  async function apiSession(login: string, factor: { recoveryCode: string }): Promise<string> {
    const r = okBody(await call(url(), 'userSignin', { body: { login, password: PASSWORD, ...factor } }));
    if (r.status !== 'signed_in') throw new Error(`expected a session, got ${r.status}`);
    return r.token;
  }

  describe('under mandatory two-step verification', () => {
    const mclock = testClock();
    const m = useServer(backend, { now: mclock.now, name: 'Mandatory test' });
    let adminToken = '';

    it('takes a user without it straight to enrolment, and nowhere else until it is done', async () => {
      const { secret } = await enrol(m.url(), m.admin(), mclock.now());
      mclock.advance(STEP);
      adminToken = okBody(await call(m.url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD, otp: oathtool(secret, mclock.now()) } })).token;
      await userWithPassword(m.url(), adminToken, `${tag}.late`);
      await userWithPassword(m.url(), adminToken, `${tag}.later`);
      const impact = okBody(await call(m.url(), 'twoStepImpact', {}, adminToken));
      okBody(await call(m.url(), 'setTwoStepSettings', { body: { mandatory: true, graceDays: 7, acknowledgedUsersWithout2fa: impact.activeUsersWithout2fa } }, adminToken));

      const { browser, page } = await signIn(m.url(), `${tag}.late`);
      expect(page.redirects).toEqual(['/portal/enrol']);
      expect(decode(stripTags(page.html))).toMatch(/This server requires two-step verification\. Set it up now to continue; you can sign in with your password alone to do this until \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
      expect(page.html).not.toContain('Back to your account');
      for (const path of ['/portal/', '/portal/recovery-codes', '/portal/resync']) expect((await browser.get(path)).redirects).toEqual(['/portal/enrol']);
      const start = await browser.post('/portal/enrol/start', {});
      const codes = await browser.post('/portal/enrol/confirm', { code: oathtool(secretOf(start.html) ?? '', mclock.now()) });
      expect(recoveryCodesOf(codes.html)).toHaveLength(8);
      // The enrolment-only session became a full one.
      const home = await browser.get('/portal/');
      expect(home.redirects).toEqual([]);
      expect(headingOf(home.html)).toBe('Your account');
    });

    it('refuses a password sign-in without it once the grace period is over, with a sentence that says why', async () => {
      mclock.advance(8 * DAY);
      const { page, browser } = await signIn(m.url(), `${tag}.later`);
      expect(page.status).toBe(403);
      expect(alertsOf(page.html)).toEqual([
        'This server requires two-step verification and your account has none, and the time to set it up has ended. Ask your administrator for a new grace period, then sign in again to set it up.',
      ]);
      expect(browser.cookie).toMatch(/^a\./);
    });
  });
});

import { expect, it } from 'vitest';
import { decodeProvisioningPayload, provisioningLink } from '../../shared/provisioning-payload';
import { eachBackend, useServer } from '../test-support/backends';
import { call, okBody } from '../test-support/client';
import { PortalBrowser, alertsOf, decode, headingOf, stripTags } from '../test-support/portal-browser';
import { zbarReadBytes } from '../../test-support/zbar';
import { userWithPassword } from '../test-support/two-step';

const PASSWORD = 'Granite-Orchard-58';

/** The QR code a page shows, as zbarimg reads the PNG it carries. */
function qrOf(html: string): string | null {
  const src = /<img class="qr" src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(html)?.[1];
  return src ? zbarReadBytes(Buffer.from(src, 'base64')) : null;
}

async function signedIn(base: string, login: string): Promise<PortalBrowser> {
  const browser = new PortalBrowser(base);
  await browser.get('/portal/sign-in');
  const home = await browser.post('/portal/sign-in', { login, password: PASSWORD });
  expect(home.path).toBe('/portal/');
  return browser;
}

eachBackend('User portal: your phone', (backend) => {
  const { url, admin } = useServer(backend, { name: 'Portal phone' });
  const tag = `ph${backend.name.toLowerCase()}`;
  const state = async (id: string) => okBody(await call(url(), 'getUser', { params: { id } }, admin())).provisioning.state;
  const redeem = async (payload: string, deviceName?: string) => {
    const p = decodeProvisioningPayload(payload);
    return call(url(), 'redeemProvisioningCode', { body: { serverId: p.serverId, login: p.login, code: p.code, ...(deviceName ? { deviceName } : {}) } });
  };

  it('a signed-in user asks for their own provisioning code with their password and sees its QR on the page; it provisions once', async () => {
    const login = `${tag}.anna`;
    const user = await userWithPassword(url(), admin(), login);
    const browser = await signedIn(url(), login);
    expect(browser.last?.html).toContain('<a href="/portal/phone">Set up the Gatepass app on your phone</a>');
    const form = await browser.get('/portal/phone');
    expect(headingOf(form.html)).toBe('Your phone');
    expect(decode(stripTags(form.html))).toContain('None yet.');
    expect(form.html).toContain('The code works once, for 24 hours.');

    // A wrong password shows no code and issues none.
    const wrong = await browser.post('/portal/phone', { password: 'not-it' });
    expect(wrong.status).toBe(401);
    expect(alertsOf(wrong.html)).toEqual(['The password is wrong.']);
    expect(qrOf(wrong.html)).toBeNull();
    expect(await state(user.id)).toBe('none');

    const shown = await browser.post('/portal/phone', { password: PASSWORD });
    expect(shown.status).toBe(200);
    expect(headingOf(shown.html)).toBe('Scan this code with the Gatepass app');
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(shown.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(shown.html).not.toMatch(/<script|style="/i);
    const payload = qrOf(shown.html);
    if (!payload) throw new Error('no QR on the page');
    const p = decodeProvisioningPayload(payload);
    expect(p).toMatchObject({ server: url(), login });
    expect(decode(shown.html)).toContain(`href="${provisioningLink(payload)}"`);
    expect(decode(stripTags(shown.html))).toMatch(/It works once, until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    // The code is in the page only, never in a URL.
    expect(shown.redirects).toEqual([]);
    expect(await state(user.id)).toBe('pending');
    const audit = okBody(await call(url(), 'listAudit', { query: { action: 'provision.issue', target: login } }, admin()));
    expect(audit.items[0]).toMatchObject({ actor: login });
    expect(JSON.stringify(audit.items)).not.toContain(p.code);

    expect((await redeem(payload, 'Anna phone')).ok).toBe(true);
    expect((await redeem(payload)).error?.code).toBe('INVALID_PROVISION_CODE');
    const after = await browser.get('/portal/phone');
    expect(decode(stripTags(after.html))).toContain('Anna phone: set up');
  });

  it('a new code voids the one shown before', async () => {
    const login = `${tag}.bo`;
    await userWithPassword(url(), admin(), login);
    const browser = await signedIn(url(), login);
    await browser.get('/portal/phone');
    const first = qrOf((await browser.post('/portal/phone', { password: PASSWORD })).html);
    await browser.get('/portal/phone');
    const second = qrOf((await browser.post('/portal/phone', { password: PASSWORD })).html);
    expect(first && second && first !== second).toBe(true);
    expect((await redeem(first!)).error?.code).toBe('INVALID_PROVISION_CODE');
    expect((await redeem(second!)).ok).toBe(true);
  });

  it('parallel copies of the form each show a code, and the database keeps exactly one of them live', async () => {
    const login = `${tag}.par`;
    await userWithPassword(url(), admin(), login);
    const browser = await signedIn(url(), login);
    await browser.get('/portal/phone');
    const pages = await Promise.all(Array.from({ length: 4 }, () => browser.post('/portal/phone', { password: PASSWORD })));
    const codes = pages.map((pg) => qrOf(pg.html));
    expect(codes.every((c) => c !== null)).toBe(true);
    expect(new Set(codes).size).toBe(4);
    const outcomes = [];
    for (const c of codes) outcomes.push((await redeem(c!)).ok);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('says so when the user may not use mobile authentication, and issues nothing', async () => {
    const login = `${tag}.cy`;
    const user = await userWithPassword(url(), admin(), login);
    okBody(await call(url(), 'updateUser', { params: { id: user.id }, body: { mobileAllowed: false } }, admin()));
    const browser = await signedIn(url(), login);
    const form = await browser.get('/portal/phone');
    expect(form.html).toContain('Your administrator has not allowed mobile authentication for your account');
    expect(form.html).not.toContain('action="/portal/phone"');
    // A form posted anyway (an old tab) is refused by the service.
    const posted = await browser.post('/portal/phone', { password: PASSWORD, _csrf: /name="_csrf" value="([^"]*)"/.exec(form.html)?.[1] ?? null });
    expect(posted.status).toBe(403);
    expect(alertsOf(posted.html)).toEqual(['Your administrator has not allowed mobile authentication for your account.']);
    expect(await state(user.id)).toBe('none');
  });

  it('refuses a post without the form token, and sends a visitor to sign in', async () => {
    const login = `${tag}.di`;
    const user = await userWithPassword(url(), admin(), login);
    const browser = await signedIn(url(), login);
    await browser.get('/portal/phone');
    const forged = await browser.post('/portal/phone', { password: PASSWORD, _csrf: null });
    expect(forged.status).toBe(403);
    expect(headingOf(forged.html)).toBe('Form not accepted');
    expect(await state(user.id)).toBe('none');
    const visitor = new PortalBrowser(url());
    expect((await visitor.get('/portal/phone')).redirects).toEqual(['/portal/sign-in']);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientSessionsCsv } from '../../../shared/client-sessions-csv';
import type { ClientSession } from '../../../shared/api/client-sessions';
import { eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { agentSignin, auditOf, otpFromMail, registerComputer, requestOtp, setOtpSettings, smtpTo, waitForMail, type TestComputer } from '../../test-support/email-otp';
import { startSmtpSink, type SmtpSink } from '../../test-support/smtp-sink';
import { testClock } from '../../test-support/two-step';

const clock = testClock();
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink?.close();
});

eachBackend('client sessions', (backend) => {
  const { url, admin, newUser } = useServer(backend, () => ({ now: clock.now, mail: smtpTo(sink) }));
  const tag = backend.name.toLowerCase();
  let pcA: TestComputer;
  let pcB: TestComputer;
  const sessions: ClientSession[] = [];
  const startedBefore: string[] = [];

  /** A user signed in to `pc` with a mailed password, as `osUser`. */
  async function signIn(pc: TestComputer, prefix: string, osUser: string): Promise<ClientSession> {
    const u = await newUser(prefix, { email: `${prefix}.${tag}@corp.example` });
    okBody(await requestOtp(url(), pc, { mode: 'email', email: u.email }));
    const code = otpFromMail(await waitForMail(sink, u.email));
    return okBody(await agentSignin(url(), pc, { email: u.email, otp: code, osUser })).session;
  }

  beforeAll(async () => {
    await setOtpSettings(url(), admin());
    pcA = await registerComputer(url(), admin(), `Front-desk-${tag}`);
    pcB = await registerComputer(url(), admin(), `Lab-${tag}`);
    sessions.push(await signIn(pcA, 'a.berg', 'CORP\\a.berg'));
    startedBefore.push(new Date(clock.now().getTime() + 1).toISOString());
    clock.advance(60 * 60 * 1000);
    sessions.push(await signIn(pcA, 'b.chen', 'CORP\\b.chen'));
    clock.advance(1000);
    sessions.push(await signIn(pcB, 'c.diaz', '=cmd|calc'));
  });

  it('lists them newest first, with the User Name as "<signed-in user> (<email>)", and the computer counts them', async () => {
    const page = okBody(await call(url(), 'listClientSessions', {}, admin()));
    expect(page.total).toBe(3);
    expect(page.items.map((s) => s.userName)).toEqual([`=cmd|calc (c.diaz.${tag}@corp.example)`, `CORP\\b.chen (b.chen.${tag}@corp.example)`, `CORP\\a.berg (a.berg.${tag}@corp.example)`]);
    const a = okBody(await call(url(), 'getComputer', { params: { id: pcA.id } }, admin()));
    expect(a).toMatchObject({ sessions: 2, activeSessions: 2 });
  });

  it('filters by user, email, computer (name or id), time and open or ended', async () => {
    const q = async (query: Record<string, string>) => okBody(await call(url(), 'listClientSessions', { query }, admin())).items.map((s) => s.osUser);
    expect(await q({ user: 'B.CHEN' })).toEqual(['CORP\\b.chen']);
    expect(await q({ user: 'corp\\' })).toEqual(['CORP\\b.chen', 'CORP\\a.berg']);
    expect(await q({ email: `diaz.${tag}@` })).toEqual(['=cmd|calc']);
    expect(await q({ computer: `front-desk-${tag}` })).toEqual(['CORP\\b.chen', 'CORP\\a.berg']);
    expect(await q({ computer: pcB.id })).toEqual(['=cmd|calc']);
    expect(await q({ to: startedBefore[0]! })).toEqual(['CORP\\a.berg']);
    expect(await q({ from: startedBefore[0]! })).toEqual(['=cmd|calc', 'CORP\\b.chen']);
    expect(await q({ user: '100%_' })).toEqual([]);
  });

  it('ends a session once when its agent signs out; another computer cannot end it', async () => {
    const s = sessions[0]!;
    expect((await call(url(), 'agentSignout', { params: { id: s.id } }, pcB.credential)).error?.code).toBe('NOT_FOUND');
    clock.advance(5 * 60 * 1000);
    const ended = okBody(await call(url(), 'agentSignout', { params: { id: s.id } }, pcA.credential)).session;
    expect(ended).toMatchObject({ id: s.id, endedAt: clock.now().toISOString(), endReason: 'signed_out' });
    clock.advance(60_000);
    const twice = okBody(await call(url(), 'agentSignout', { params: { id: s.id } }, pcA.credential)).session;
    expect(twice.endedAt).toBe(ended.endedAt);
    const audit = okBody(await call(url(), 'listAudit', { query: { action: 'client_session.end', actor: `computer Front-desk-${tag}` } }, admin()));
    expect(audit.total).toBe(1);
    expect((await auditOf(url(), admin(), 'client_session.end', 1))[0]?.detail).toBe(`${s.userName} signed out of Front-desk-${tag}`);

    const open = okBody(await call(url(), 'listClientSessions', { query: { active: 'true', computer: pcA.id } }, admin()));
    expect(open.items.map((x) => x.id)).toEqual([sessions[1]!.id]);
    const done = okBody(await call(url(), 'listClientSessions', { query: { active: 'false' } }, admin()));
    expect(done.items.map((x) => x.id)).toEqual([s.id]);
    expect(okBody(await call(url(), 'getComputer', { params: { id: pcA.id } }, admin()))).toMatchObject({ sessions: 2, activeSessions: 1 });
  });

  it('writes the list as CSV with the User Name column, a formula in a name defused', async () => {
    const page = okBody(await call(url(), 'listClientSessions', { query: { computer: pcB.id } }, admin()));
    const csv = clientSessionsCsv(page.items);
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('User Name,Login,Email,Computer,Started,Ended,End reason,Emergency');
    expect(lines[1]).toBe(`"'=cmd|calc (c.diaz.${tag}@corp.example)",${page.items[0]!.login},c.diaz.${tag}@corp.example,Lab-${tag},${page.items[0]!.startedAt},,,no`);
  });
});

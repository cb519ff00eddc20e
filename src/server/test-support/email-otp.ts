import { simpleParser } from 'mailparser';
import { decodeAgentFile, type AgentFile } from '../../shared/agent-file';
import type { RouteBody } from '../../shared/api/routes';
import type { MailStartOptions } from '../mail/settings';
import { call, okBody } from './client';
import type { ReceivedMail, SmtpSink } from './smtp-sink';

/** Start options that send a server's mail to `sink` over plain SMTP on loopback. */
export function smtpTo(sink: SmtpSink): MailStartOptions {
  return { smtpUrl: `smtp://127.0.0.1:${sink.port}?security=none`, from: 'Gatepass <gatepass@gp.example.org>' };
}

/** A message as a mail client shows it. */
export interface ReadMail {
  to: string[];
  subject: string;
  text: string;
  messageId: string | null;
}

/** What the sink accepted for `address`, oldest first. */
export function mailsTo(sink: SmtpSink, address: string): ReceivedMail[] {
  const a = address.toLowerCase();
  return sink.received.filter((m) => m.to.some((t) => t.toLowerCase() === a));
}

/** The `n`th message (1-based) the sink accepted for `address`, parsed by mailparser, once it has arrived. */
export async function waitForMail(sink: SmtpSink, address: string, n = 1, timeoutMs = 15_000): Promise<ReadMail> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const mine = mailsTo(sink, address);
    const m = mine[n - 1];
    if (m) {
      const parsed = await simpleParser(m.raw);
      return { to: m.to, subject: parsed.subject ?? '', text: parsed.text ?? '', messageId: parsed.messageId ?? null };
    }
    if (Date.now() > until) throw new Error(`No message #${n} to ${address} within ${timeoutMs} ms (got ${mine.length})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The one-time password a message carries (`1234 5678` in its text). */
export function otpFromMail(mail: ReadMail): string {
  const m = /\b(\d{4}) (\d{4})\b/.exec(mail.text);
  if (!m) throw new Error(`No one-time password in the message "${mail.subject}"`);
  return `${m[1]}${m[2]}`;
}

/** A computer registered through the admin API, with its agent file as the agent reads it. */
export interface TestComputer {
  id: string;
  name: string;
  credential: string;
  file: AgentFile;
}

/** Registers `name` and reads back its agent file. */
export async function registerComputer(url: string, adminToken: string, name: string): Promise<TestComputer> {
  const r = okBody(await call(url, 'registerComputer', { body: { name, serverUrl: url } }, adminToken));
  const file = decodeAgentFile(r.agentFile);
  return { id: r.computer.id, name: r.computer.name, credential: file.credential, file };
}

/** Sets the one-time password settings (defaults for what is left out). */
export async function setOtpSettings(url: string, adminToken: string, s: Partial<RouteBody<'setEmailOtpSettings'>> = {}) {
  return okBody(
    await call(url, 'setEmailOtpSettings', { body: { expirationMinutes: 30, autoDirectory: false, autoInternal: false, emergencyAccess: true, ...s } }, adminToken),
  );
}

/** The agent's request, with the computer's credential. */
export function requestOtp(url: string, computer: TestComputer, body: RouteBody<'requestOtp'>) {
  return call(url, 'requestOtp', { body }, computer.credential);
}

/** The agent's sign-in, with the computer's credential. */
export function agentSignin(url: string, computer: TestComputer, body: RouteBody<'agentSignin'>) {
  return call(url, 'agentSignin', { body }, computer.credential);
}

/** The newest audit entries of `action` (newest first). */
export async function auditOf(url: string, adminToken: string, action: string, limit = 20) {
  return okBody(await call(url, 'listAudit', { query: { action, limit } }, adminToken)).items;
}

import { decodeAgentFile, type AgentFile } from '../../shared/agent-file';
import type { RouteBody } from '../../shared/api/routes';
import { call, okBody } from './client';

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

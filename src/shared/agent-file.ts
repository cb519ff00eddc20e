import { z } from 'zod';
import { GatepassError } from './errors';

/**
 * The agent configuration file of a registered computer (`<name>.agent`), format version 1
 * (docs/agent-file.md): what the computer's agent needs to call its server, namely the server's
 * address and TLS pin field (as in .usr files), the computer's id and name, and the credential
 * the server issued to this computer alone. UTF-8 JSON, so any agent stack can read it.
 */
export const AGENT_FILE_FORMAT = 'gatepass-agent';
export const AGENT_FILE_VERSION = 1;

/** `<id>.<secret>`, both base64url: 16 and 32 random bytes (the secret is stored only hashed). */
export const COMPUTER_CREDENTIAL_RE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

export const AgentFileSchema = z.object({
  format: z.literal(AGENT_FILE_FORMAT),
  version: z.literal(AGENT_FILE_VERSION),
  server: z.object({
    url: z.url({ protocol: /^https?$/ }),
    name: z.string(),
    /** `sha256/<base64>` of the server certificate's public key, when the server has TLS; else null. */
    tlsPin: z.string().regex(/^sha256\/[A-Za-z0-9+/]{43}=$/).nullable(),
  }),
  computer: z.object({
    id: z.string().min(1).max(64),
    name: z.string().min(1).max(128),
  }),
  /** The computer's own credential; never an administrator's or a user's password. */
  credential: z.string().regex(COMPUTER_CREDENTIAL_RE),
  issuedAt: z.iso.datetime(),
});
export type AgentFile = z.infer<typeof AgentFileSchema>;

/** The file's text: pretty-printed so an administrator can read it, with a final newline. */
export function encodeAgentFile(c: Omit<AgentFile, 'format' | 'version'>): string {
  const full: AgentFile = { format: AGENT_FILE_FORMAT, version: AGENT_FILE_VERSION, ...c };
  return `${JSON.stringify(AgentFileSchema.parse(full), null, 2)}\n`;
}

/** Reads an agent file; PAYLOAD_INVALID with the reason for anything that is not a version-1 file. */
export function decodeAgentFile(text: string): AgentFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass agent file (not JSON)');
  }
  const head = z.object({ format: z.literal(AGENT_FILE_FORMAT), version: z.number() }).safeParse(raw);
  if (!head.success) throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass agent file');
  if (head.data.version !== AGENT_FILE_VERSION) {
    throw new GatepassError('PAYLOAD_INVALID', `Unsupported agent file version ${head.data.version}; this build reads version ${AGENT_FILE_VERSION}`);
  }
  const parsed = AgentFileSchema.safeParse(raw);
  if (!parsed.success) {
    // Field names only: the credential's value must never reach a message.
    const where = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new GatepassError('PAYLOAD_INVALID', `Malformed agent file (${where})`);
  }
  return parsed.data;
}

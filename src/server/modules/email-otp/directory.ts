/**
 * How the signed-in OS account an agent names maps to a directory user (docs/email-otp.md,
 * "Directory users"): the login as stored, compared as logins are (NFC, case-insensitive), first
 * in full, then without its domain. So `CORP\a.berg` finds a directory user stored as
 * `CORP\a.berg`, else one stored as `a.berg`; `a.berg@corp.example` (a user principal name)
 * finds `a.berg@corp.example`, else `a.berg`; a bare `a.berg` finds `a.berg`.
 */
export function directoryLoginKeys(osUser: string): string[] {
  const full = osUser.trim().normalize('NFC');
  const keys = [full.toLowerCase()];
  const slash = full.lastIndexOf('\\');
  const at = full.indexOf('@');
  const bare = slash >= 0 ? full.slice(slash + 1) : at > 0 ? full.slice(0, at) : full;
  if (bare && bare.toLowerCase() !== keys[0]) keys.push(bare.toLowerCase());
  return keys;
}

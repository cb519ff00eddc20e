import { useEffect, useState, type ReactNode } from 'react';
import { checkAgainstServer, commonChecked, type PasswordPolicy, type PolicyRule, type PolicyViolation, type ServerPolicy } from '../../../shared/model/password-policy';
import { CheckIcon, CrossIcon } from '../components/icons';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';

/** The rules the console can check as the administrator types, in the order they are shown. */
export function localRules(p: PasswordPolicy | ServerPolicy): { rule: PolicyRule; text: string }[] {
  const out: { rule: PolicyRule; text: string }[] = [{ rule: 'minLength', text: `At least ${p.minLength} characters` }];
  out.push({ rule: 'maxLength', text: `At most ${p.maxLength} characters` });
  if (p.requireLowercase) out.push({ rule: 'requireLowercase', text: 'A lowercase letter' });
  if (p.requireUppercase) out.push({ rule: 'requireUppercase', text: 'An uppercase letter' });
  if (p.requireDigit) out.push({ rule: 'requireDigit', text: 'A digit' });
  if (p.requireSymbol) out.push({ rule: 'requireSymbol', text: 'A symbol (not a letter or digit)' });
  if (p.forbidCommon && 'commonPasswords' in p && p.commonPasswords) out.push({ rule: 'forbidCommon', text: 'Not a common password (on the server\'s list)' });
  return out;
}

/** What the server will say of one user's password: its rules, the login and its common-password list. */
export function violationsFor(password: string, policy: ServerPolicy, login: string): PolicyViolation[] {
  return checkAgainstServer(password, policy, login);
}

/**
 * The server's policy beside the password fields. With `password` set each local rule shows
 * met / not met live; without it (template and unique modes) the rules are listed and each
 * password is checked on its own row instead. With `login` (one account, an administrator's) the
 * login rule is checked live too, instead of "checked per user".
 */
export function PolicyPanel(props: { policy: ServerPolicy | null; error: string | null; password?: string; login?: string; children?: ReactNode }) {
  const { policy, error, password, login } = props;
  const failed = new Set(policy && password !== undefined ? checkAgainstServer(password, policy).map((v) => v.rule) : []);
  return (
    <section className="policy" aria-label="Password policy">
      <h3>Server password policy</h3>
      {error ? <p className="error-text" role="alert">{error}</p> : null}
      {!policy && !error ? <p className="note">Loading…</p> : null}
      {policy ? (
        <ul>
          {localRules(policy).map((r) => {
            if (password === undefined) {
              return (
                <li key={r.rule}>
                  <span className="bullet" aria-hidden="true" />
                  <span>{r.text}</span>
                </li>
              );
            }
            const ok = password.length > 0 && !failed.has(r.rule);
            return (
              <li key={r.rule} className={ok ? 'ok' : password ? 'bad' : ''}>
                {ok ? <CheckIcon /> : <CrossIcon />}
                <span>{r.text}</span>
                <span className="visually-hidden">{ok ? ': met' : ': not met'}</span>
              </li>
            );
          })}
          {policy.forbidLogin && login !== undefined && password !== undefined ? (
            <LoginRule policy={policy} password={password} login={login} />
          ) : policy.forbidLogin ? (
            <li className="server-checked">Must not contain the user&apos;s login (checked per user)</li>
          ) : null}
          {!commonChecked(policy) ? (
            <li className="server-checked">Not a common password: this server does not publish its list, so it may still refuse a password that passes here</li>
          ) : null}
        </ul>
      ) : null}
      {props.children}
    </section>
  );
}

/** The login rule for one known login, met or not as typed (the server checks logins of 3 characters or more). */
function LoginRule({ policy, password, login }: { policy: ServerPolicy; password: string; login: string }) {
  const ok = password.length > 0 && !checkAgainstServer(password, policy, login).some((v) => v.rule === 'forbidLogin');
  return (
    <li className={ok ? 'ok' : password ? 'bad' : ''}>
      {ok ? <CheckIcon /> : <CrossIcon />}
      <span>Must not contain the login{login.trim() ? ` (${login.trim()})` : ''}</span>
      <span className="visually-hidden">{ok ? ': met' : ': not met'}</span>
    </li>
  );
}

/** The server's password policy for a dialog, or why it could not be read. */
export function usePolicy(serverId: string): { policy: ServerPolicy | null; policyError: string | null } {
  const [policy, setPolicy] = useState<ServerPolicy | null>(null);
  const [policyError, setPolicyError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    useAppStore
      .getState()
      .getPolicy(serverId)
      .then((p) => live && setPolicy(p))
      .catch((err: unknown) => live && setPolicyError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [serverId]);
  return { policy, policyError };
}

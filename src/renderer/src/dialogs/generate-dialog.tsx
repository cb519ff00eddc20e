import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import { checkPassword, type PasswordPolicy, type PolicyRule } from '../../../shared/model/password-policy';
import { CheckIcon, CrossIcon } from '../components/icons';
import { errorMessage, formatCount } from '../lib/format';
import { useAppStore } from '../store/store';
import { Field } from './field';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';

/** The rules the console can check as the administrator types, in the order they are shown. */
function localRules(p: PasswordPolicy): { rule: PolicyRule; text: string }[] {
  const out: { rule: PolicyRule; text: string }[] = [{ rule: 'minLength', text: `At least ${p.minLength} characters` }];
  out.push({ rule: 'maxLength', text: `At most ${p.maxLength} characters` });
  if (p.requireLowercase) out.push({ rule: 'requireLowercase', text: 'A lowercase letter' });
  if (p.requireUppercase) out.push({ rule: 'requireUppercase', text: 'An uppercase letter' });
  if (p.requireDigit) out.push({ rule: 'requireDigit', text: 'A digit' });
  if (p.requireSymbol) out.push({ rule: 'requireSymbol', text: 'A symbol (not a letter or digit)' });
  return out;
}

/**
 * Generate QR Code: one new password for every selected user (mode "The same password"),
 * checked live against the server's policy, then a confirmation because issuing ends the
 * users' sessions at once.
 */
export function GenerateDialog({ serverId, count }: { serverId: string; count: number }) {
  const [policy, setPolicy] = useState<PasswordPolicy | null>(null);
  const [policyError, setPolicyError] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [tried, setTried] = useState(false);
  const [step, setStep] = useState<'form' | 'confirm'>('form');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    window.gatepass.policy
      .get({ serverId })
      .then((p) => live && setPolicy(p))
      .catch((err: unknown) => live && setPolicyError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [serverId]);

  const violations = policy ? checkPassword(password, policy) : [];
  const failed = new Set(violations.map((v) => v.rule));
  const passwordError = !password ? 'Enter the new password' : violations.length > 0 ? 'The password does not meet the policy' : undefined;
  const confirmError = confirm !== password ? 'The passwords do not match' : undefined;

  function onOk() {
    setTried(true);
    if (passwordError || confirmError || !policy) return;
    setStep('confirm');
  }

  async function onGenerate() {
    setBusy(true);
    setError(null);
    try {
      const st = useAppStore.getState();
      const job = await st.generateCodes(serverId, password);
      st.openDialog({ kind: 'generated', jobId: job.jobId });
    } catch (err) {
      setError(errorMessage(err));
      setStep('form');
    } finally {
      setBusy(false);
    }
  }

  if (step === 'confirm') {
    return (
      <ModalFrame title="Generate QR Code" onSubmit={() => void onGenerate()} busy={busy} role="alertdialog">
        <p className="warning-text">
          Issuing new codes disconnects these {count.toLocaleString('en-US')} users at once. Do it outside working hours.
        </p>
        <DialogError message={error} />
        <DialogButtons>
          <Button className="button" onPress={() => setStep('form')} isDisabled={busy}>
            Back
          </Button>
          <Button className="button primary" type="submit" isDisabled={busy} autoFocus>
            {busy ? 'Generating…' : 'Generate'}
          </Button>
        </DialogButtons>
      </ModalFrame>
    );
  }

  return (
    <ModalFrame title="Generate QR Code" onSubmit={onOk} busy={busy} className="wide">
      <p className="note">
        New sign-in QR codes for <strong>{formatCount(count, 'selected user')}</strong>. Password: <strong>The same password</strong> for
        every user.
      </p>
      <div className="two-col">
        <div>
          <Field label="New password" value={password} onChange={setPassword} type="password" autoFocus autoComplete="new-password" error={tried ? passwordError : undefined} />
          <Field label="Confirm password" value={confirm} onChange={setConfirm} type="password" autoComplete="new-password" error={tried ? confirmError : undefined} />
        </div>
        <section className="policy" aria-label="Password policy">
          <h3>Server password policy</h3>
          {policyError ? <p className="error-text" role="alert">{policyError}</p> : null}
          {!policy && !policyError ? <p className="note">Loading…</p> : null}
          {policy ? (
            <ul>
              {localRules(policy).map((r) => {
                const ok = password.length > 0 && !failed.has(r.rule);
                return (
                  <li key={r.rule} className={ok ? 'ok' : password ? 'bad' : ''}>
                    {ok ? <CheckIcon /> : <CrossIcon />}
                    <span>{r.text}</span>
                    <span className="visually-hidden">{ok ? ': met' : ': not met'}</span>
                  </li>
                );
              })}
              {policy.forbidLogin ? <li className="server-checked">Must not contain the user's login (checked per user)</li> : null}
              {policy.forbidCommon ? <li className="server-checked">Not a common password (checked by the server)</li> : null}
            </ul>
          ) : null}
        </section>
      </div>
      <DialogError message={error} />
      <DialogButtons>
        <Button className="button" onPress={() => useAppStore.getState().closeDialog()}>
          Cancel
        </Button>
        <Button className="button primary" type="submit" isDisabled={!policy}>
          OK
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

import { useState, type FormEvent } from 'react';
import { Button } from 'react-aria-components';
import { errorMessage } from '../lib/format';
import { driftText, otpProblem } from '../lib/two-step-text';
import { Field } from './field';

/**
 * Resync an authenticator app whose clock is off: two consecutive codes (the one it shows, then
 * the next once it changes), which the server finds within 10 minutes of its clock. Its own
 * form, so Enter in a code field resyncs and nothing else.
 */
export function ResyncForm({
  who,
  resync,
  onDone,
  onCancel,
}: {
  /** "your app" or "the app of a.berg": what the hint talks about. */
  who: string;
  resync: (code1: string, code2: string) => Promise<{ driftSteps: number }>;
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const [code1, setCode1] = useState('');
  const [code2, setCode2] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errors = { code1: otpProblem(code1), code2: otpProblem(code2) ?? (code1.replace(/\s/g, '') && code1.replace(/\s/g, '') === code2.replace(/\s/g, '') ? 'The next code is a different one: wait for the app to change it' : undefined) };

  async function submit(e: FormEvent) {
    e.preventDefault();
    e.stopPropagation();
    setTried(true);
    if (errors.code1 || errors.code2 || busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await resync(code1.replace(/\s/g, ''), code2.replace(/\s/g, ''));
      onDone(`Resynced: the clock of ${who} is ${r.driftSteps === 0 ? 'right' : driftText(r.driftSteps)}; the server allows for it from now on.`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="resync-form" aria-label="Resync" onSubmit={(e) => void submit(e)} noValidate>
      <p className="note">Enter the code {who} shows now, wait until it changes, then enter the next one.</p>
      <div className="code-pair">
        <Field label="Code" value={code1} onChange={setCode1} inputMode="numeric" autoComplete="one-time-code" autoFocus maxLength={9} error={tried ? errors.code1 : undefined} />
        <Field label="Next code" value={code2} onChange={setCode2} inputMode="numeric" autoComplete="one-time-code" maxLength={9} error={tried ? errors.code2 : undefined} />
      </div>
      {error ? (
        <p className="dialog-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="settings-buttons">
        <Button type="submit" className="button primary" isDisabled={busy}>
          {busy ? 'Resyncing…' : 'Resync'}
        </Button>
        <Button className="button" onPress={onCancel} isDisabled={busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

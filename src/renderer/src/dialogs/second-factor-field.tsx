import { useState } from 'react';
import { otpProblem, recoveryProblem } from '../lib/two-step-text';
import type { SecondFactorInput } from '../store/types';
import { Field } from './field';

/** What a sign-in dialog keeps of the second factor while it is typed; sent once, never stored. */
export interface SecondFactorDraft {
  readonly mode: 'otp' | 'recovery';
  readonly otp: string;
  readonly recovery: string;
}

export const EMPTY_FACTOR: SecondFactorDraft = { mode: 'otp', otp: '', recovery: '' };

/** Why the typed factor cannot be sent, or undefined. */
export function factorProblem(d: SecondFactorDraft): string | undefined {
  return d.mode === 'otp' ? otpProblem(d.otp) : recoveryProblem(d.recovery);
}

/** The factor as servers:add / servers:connect take it. */
export function factorInput(d: SecondFactorDraft): SecondFactorInput {
  return d.mode === 'otp' ? { otp: d.otp.replace(/\s/g, '') } : { recoveryCode: d.recovery.trim() };
}

/** Whether an error is the server asking for the second factor (the password was right). */
export function asksForCode(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SECOND_FACTOR_REQUIRED';
}

/**
 * The administrator's second factor in a sign-in dialog: the code from the authenticator app,
 * or, after "Use a recovery code instead", one of the recovery codes.
 */
export function SecondFactorField({
  value,
  onChange,
  login,
  showErrors,
  autoFocus = true,
}: {
  value: SecondFactorDraft;
  onChange: (d: SecondFactorDraft) => void;
  login: string;
  showErrors: boolean;
  autoFocus?: boolean;
}) {
  // A new field mounts when the mode switches, so focus goes to what is to be typed next.
  const [switched, setSwitched] = useState(false);
  const error = showErrors ? factorProblem(value) : undefined;
  return (
    <div className="second-factor" role="group" aria-label="Two-step verification">
      <p className="note">{login ? `${login} has two-step verification.` : 'This account has two-step verification.'}</p>
      {value.mode === 'otp' ? (
        <Field
          key="otp"
          label="Authenticator code"
          value={value.otp}
          onChange={(otp) => onChange({ ...value, otp })}
          inputMode="numeric"
          autoComplete="one-time-code"
          autoFocus={autoFocus || switched}
          maxLength={9}
          error={error}
          hint="The 6-digit code your authenticator app shows now."
        />
      ) : (
        <Field
          key="recovery"
          label="Recovery code"
          value={value.recovery}
          onChange={(recovery) => onChange({ ...value, recovery })}
          autoFocus={autoFocus || switched}
          maxLength={64}
          error={error}
          hint="One of the recovery codes saved when two-step verification was set up. Each works once."
          placeholder="XXXX-XXXX-XXXX-XXXX"
        />
      )}
      <button
        type="button"
        className="link-button"
        onClick={() => {
          setSwitched(true);
          onChange({ ...value, mode: value.mode === 'otp' ? 'recovery' : 'otp' });
        }}
      >
        {value.mode === 'otp' ? 'Use a recovery code instead' : 'Use the authenticator code instead'}
      </button>
    </div>
  );
}

import type { ServerPolicy } from '../../../../shared/model/password-policy';
import { Field } from '../field';
import { PolicyPanel } from '../policy-panel';
import type { GenerateForm } from './use-generate-form';

/** "The same password": typed twice and checked live; the per-user check names the logins it contains. */
export function SamePassword({ form, policy, policyError }: { form: GenerateForm; policy: ServerPolicy | null; policyError: string | null }) {
  const { fields, problems, failures, tried } = form;
  return (
    <div className="two-col">
      <div>
        <Field label="New password" value={fields.password} onChange={(v) => form.set('password', v)} type="password" autoFocus autoComplete="new-password" error={tried ? problems.password : undefined} />
        <Field label="Confirm password" value={fields.confirm} onChange={(v) => form.set('confirm', v)} type="password" autoComplete="new-password" error={tried ? problems.confirm : undefined} />
        {failures.count > 0 && !problems.password ? (
          <p className="error-text">
            Contains the login of {failures.first.join(', ')}
            {failures.count > failures.first.length ? ` and ${failures.count - failures.first.length} more` : ''}: {failures.count === 1 ? 'that user gets' : 'they get'} a broken code.
          </p>
        ) : null}
      </div>
      <PolicyPanel policy={policy} error={policyError} password={fields.password} />
    </div>
  );
}

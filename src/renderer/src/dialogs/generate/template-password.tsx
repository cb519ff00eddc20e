import type { ServerPolicy } from '../../../../shared/model/password-policy';
import { formatCount } from '../../lib/format';
import type { TargetUser } from '../../store/types';
import { Field } from '../field';
import { PolicyPanel } from '../policy-panel';
import type { GenerateForm } from './use-generate-form';
import { PolicySummary, Verdict } from './verdicts';

/** How many template passwords the preview shows. */
const PREVIEW_COUNT = 3;

/** "Use template": prefix + number + postfix, with the first users' passwords previewed and every user's checked. */
export function TemplatePassword(props: { form: GenerateForm; users: readonly TargetUser[] | null; policy: ServerPolicy | null; policyError: string | null }) {
  const { form, users, policy } = props;
  const { fields, problems, failures, passwords, verdicts } = form;
  return (
    <div className="two-col">
      <div>
        <div className="template-fields">
          <Field label="Prefix" value={fields.prefix} onChange={(v) => form.set('prefix', v)} autoFocus />
          <Field label="Start from" value={fields.startText} onChange={(v) => form.set('startText', v)} error={problems.start} />
          <Field label="Postfix" value={fields.postfix} onChange={(v) => form.set('postfix', v)} />
        </div>
        <p className="note">
          Password = prefix + number + postfix; the number counts up by one per user in the table&apos;s order. Leading zeros pad it: 001 gives 001, 002, …
        </p>
        <div className="preview" role="table" aria-label="Template preview">
          <div role="row" className="preview-row header">
            <span role="columnheader">Login</span>
            <span role="columnheader">Password</span>
            <span role="columnheader">Policy</span>
          </div>
          {(users ?? []).slice(0, PREVIEW_COUNT).map((u, i) => (
            <div role="row" key={u.id} className="preview-row">
              <span role="cell" className="cell" title={u.login}>{u.login}</span>
              <span role="cell" className="cell mono">{passwords[i]}</span>
              <span role="cell" className="cell">
                <Verdict violations={verdicts[i] ?? null} empty={!passwords[i]} />
              </span>
            </div>
          ))}
          {users && users.length > PREVIEW_COUNT ? <div className="preview-more muted">and {formatCount(users.length - PREVIEW_COUNT, 'more user')}</div> : null}
        </div>
      </div>
      <PolicyPanel policy={policy} error={props.policyError}>
        <PolicySummary total={users?.length ?? 0} failing={failures.count} first={failures.first} ready={!!policy && !!users && !problems.start} />
      </PolicyPanel>
    </div>
  );
}

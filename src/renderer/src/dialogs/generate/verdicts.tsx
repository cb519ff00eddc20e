import { CheckIcon, CrossIcon } from '../../components/icons';
import type { PasswordVerdict } from './form-problems';

/** One password's verdict, for the template preview rows and the unique grid. */
export function Verdict({ violations, empty }: { violations: PasswordVerdict; empty?: boolean }) {
  if (empty) return <span className="verdict muted">No password</span>;
  if (violations === null) return <span className="verdict muted">…</span>;
  if (violations.length === 0) {
    return (
      <span className="verdict ok">
        <CheckIcon /> Passes
      </span>
    );
  }
  const text = violations.map((v) => v.message).join('; ');
  return (
    <span className="verdict bad" title={text}>
      <CrossIcon /> {text}
    </span>
  );
}

/** "All 5 passwords pass" or "1 of 5 fail: a.berg", under the policy. */
export function PolicySummary(props: { total: number; failing: number; first: readonly string[]; ready: boolean; missing?: number }) {
  if (!props.ready) return null;
  const checked = props.total - (props.missing ?? 0);
  if (props.failing === 0) {
    return (
      <p className="policy-summary ok-text" role="status">
        {checked === props.total ? `All ${props.total.toLocaleString('en-US')} passwords pass` : `${checked.toLocaleString('en-US')} of ${props.total.toLocaleString('en-US')} set, all pass`}
      </p>
    );
  }
  return (
    <p className="policy-summary error-text" role="status">
      {props.failing.toLocaleString('en-US')} of {props.total.toLocaleString('en-US')} fail: {props.first.join(', ')}
      {props.failing > props.first.length ? ', …' : ''}. They keep their old password and get a broken code.
    </p>
  );
}

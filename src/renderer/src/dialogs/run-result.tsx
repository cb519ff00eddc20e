import type { RunOutcome } from '../lib/chunked-run';
import { formatCount } from '../lib/format';
import { resultText } from '../lib/user-actions';

/** How many refused users the result lists by name before "and N more". */
const FAILURES_SHOWN = 50;

/** While a run goes: "Disabling: 500 of 2,000 users" and a bar, announced politely. */
export function RunProgress({ text, done, total, stopping }: { text: string; done: number; total: number; stopping: boolean }) {
  return (
    <div className="save-line issuing-line" role="status">
      <span>{text}</span>
      <progress max={total || 1} value={done} aria-label="Progress" />
      {stopping ? <span className="muted">Stopping after the current chunk…</span> : null}
    </div>
  );
}

/**
 * What a run did when it did not simply succeed: how many were done, each user the server
 * refused and why, who a stop or an error left untouched.
 */
export function RunResult({ done, outcome }: { done: string; outcome: RunOutcome }) {
  const { failures } = outcome;
  return (
    <>
      <p role="status">
        <strong>{resultText(done, { ok: outcome.ok, failed: failures.length, notReached: outcome.notReached })}</strong>.
      </p>
      {outcome.error ? <p className="error-text">The run ended early: {outcome.error}</p> : null}
      {failures.length > 0 ? (
        <ul className="row-errors" aria-label="Users not changed">
          {failures.slice(0, FAILURES_SHOWN).map((f) => (
            <li key={f.userId}>
              {f.login}: {f.message} <span className="muted">[{f.code}]</span>
            </li>
          ))}
          {failures.length > FAILURES_SHOWN ? <li className="muted">and {formatCount(failures.length - FAILURES_SHOWN, 'more')}</li> : null}
        </ul>
      ) : null}
    </>
  );
}

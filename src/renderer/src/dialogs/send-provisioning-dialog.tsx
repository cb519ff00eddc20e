import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import type { MailStatusName } from '../../../shared/model/mail';
import { useBatchReport } from '../components/use-batch-report';
import { errorMessage, formatCount, formatDateTime } from '../lib/format';
import { batchProgressText, mailItemText } from '../lib/mail-text';
import { namesSummary } from '../lib/user-actions';
import { validityDraft, validityProblem, validitySeconds, type ValidityDraft } from '../lib/validity';
import { useAppStore } from '../store/store';
import type { SelectedUser } from '../store/types';
import { MAX_IDS_PER_CALL } from '../store/users-slice';
import { triggerDownload } from '../transport/http-transport';
import { MailPreview } from './mail-preview';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { ValidityField } from './validity-field';

type Preview = ChannelOutput<'provisioning:previewMail'>;
type Sent = ChannelOutput<'provisioning:sendMail'>;

/** How many logins the preview's "for" list offers. */
const PREVIEW_CHOICES = 50;
/** Messages per page of the report. */
const REPORT_PAGE = 100;

/**
 * The report of one send: who was not sent a message and why, then every queued message as the
 * outbox stands (queued, sending, sent, or failed with the mail server's reply), updated while
 * the outbox works, a page at a time, filtered by state; saved as CSV by main.
 */
function SendReport({ serverId, sent }: { serverId: string; sent: Sent }) {
  const [status, setStatus] = useState<MailStatusName | ''>('');
  const [offset, setOffset] = useState(0);
  const [saveText, setSaveText] = useState('');
  const [saveError, setSaveError] = useState<string | null>(null);
  const { report, error } = useBatchReport(serverId, sent.batchId, { offset, limit: REPORT_PAGE, status: status || undefined });
  const loginOf = new Map(sent.results.map((r) => [r.userId, r.login ?? r.userId]));
  const refused = sent.results.filter((r) => !r.ok);
  const batch = report?.batch;
  const finished = batch ? batch.counts.sent + batch.counts.failed : 0;

  async function save() {
    setSaveError(null);
    try {
      const r = await window.gatepass.provisioning.saveReport({ runId: sent.runId });
      if (r.kind === 'download') {
        triggerDownload(r.url, r.fileName);
        setSaveText(`Download started: ${r.fileName}`);
      } else if (r.kind === 'saved') setSaveText(`Saved to ${r.path}`);
    } catch (err) {
      setSaveError(errorMessage(err));
    }
  }

  return (
    <>
      <div className="report-summary">
        <strong>
          {formatCount(sent.queued, 'message')} queued{sent.refused > 0 ? `, ${formatCount(sent.refused, 'user')} not sent one` : ''}
        </strong>
        {sent.batchId ? (
          <>
            <span role="status" aria-label="Sending progress">
              {batch ? batchProgressText(batch) : 'Asking the outbox…'}
            </span>
            <progress max={sent.queued || 1} value={finished} aria-label="Messages sent or failed" />
          </>
        ) : null}
      </div>
      {refused.length > 0 ? (
        <details open={refused.length <= 10}>
          <summary>Not sent ({refused.length.toLocaleString('en-US')}): no code was issued for them</summary>
          <ul className="login-list scroll" aria-label="Users not sent a message">
            {refused.map((r) => (
              <li key={r.userId}>
                <strong>{r.login ?? r.userId}</strong>: {r.ok ? '' : r.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {sent.batchId ? (
        <>
          <div className="report-bar">
            <label className="filter">
              <span>Show</span>
              <select
                aria-label="Show messages"
                value={status}
                onChange={(e) => {
                  setStatus(e.target.value as MailStatusName | '');
                  setOffset(0);
                }}
              >
                <option value="">All</option>
                <option value="queued">Queued</option>
                <option value="sending">Sending</option>
                <option value="sent">Sent</option>
                <option value="failed">Failed</option>
              </select>
            </label>
            {report && report.matching > REPORT_PAGE ? (
              <>
                <span className="muted">
                  {(offset + 1).toLocaleString('en-US')}–{Math.min(offset + REPORT_PAGE, report.matching).toLocaleString('en-US')} of {report.matching.toLocaleString('en-US')}
                </span>
                <Button className="button small" isDisabled={offset === 0} onPress={() => setOffset(Math.max(0, offset - REPORT_PAGE))}>
                  Previous
                </Button>
                <Button className="button small" isDisabled={offset + REPORT_PAGE >= report.matching} onPress={() => setOffset(offset + REPORT_PAGE)}>
                  Next
                </Button>
              </>
            ) : null}
          </div>
          <div className="report-scroll">
            <table className="report-table" aria-label="Per-user report">
              <thead>
                <tr>
                  <th scope="col">Login</th>
                  <th scope="col">Address</th>
                  <th scope="col">Status</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {(report?.items ?? []).map((i) => {
                  const t = mailItemText(i);
                  return (
                    <tr key={i.id}>
                      <td>{loginOf.get(i.ref ?? '') ?? i.ref}</td>
                      <td>{i.to}</td>
                      <td className={`status-${t.tone === 'ok' ? 'sent' : t.tone === 'error' ? 'failed' : 'waiting'}`}>{t.label}</td>
                      <td>
                        {t.detail}
                        {i.sentAt ? <span className="muted"> · {formatDateTime(i.sentAt)}</span> : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {report && report.items.length === 0 ? <p className="muted">No message {status ? `is ${status}` : 'here'}.</p> : null}
          </div>
        </>
      ) : null}
      <DialogError message={error ?? saveError} />
      <div className="report-bar">
        <Button className="button" onPress={() => void save()}>
          Save report as CSV…
        </Button>
        <span className="ok-text" role="status">
          {saveText}
        </span>
      </div>
    </>
  );
}

/**
 * Send provisioning email to the selected users of one server: how long the codes stay valid
 * (the server's "Provision code validity" by default), a preview of the message one of them
 * would get (rendered by the server, shown without running anything), then the server issues
 * the codes and queues the messages together, and the per-user report follows the outbox.
 */
export function SendProvisioningDialog({ serverId, count }: { serverId: string; count: number }) {
  const [users, setUsers] = useState<readonly SelectedUser[] | null>(null);
  const [validity, setValidity] = useState<ValidityDraft>({ amount: '', unit: 'hours' });
  const [serverDefault, setServerDefault] = useState<number | null>(null);
  const [noTransport, setNoTransport] = useState(false);
  const [previewFor, setPreviewFor] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ key: string; preview: Preview | null; error: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<Sent | null>(null);
  const serverName = useAppStore((s) => s.servers.find((x) => x.id === serverId)?.name ?? 'this server');

  useEffect(() => {
    let live = true;
    Promise.all([useAppStore.getState().resolveSelectedUsers(), window.gatepass.provisioning.settings({ serverId }), window.gatepass.mail.settings({ serverId })])
      .then(([u, settings, mail]) => {
        if (!live) return;
        setUsers(u);
        setPreviewFor(u[0]?.id ?? null);
        setServerDefault(settings.codeValiditySeconds);
        setValidity(validityDraft(settings.codeValiditySeconds));
        setNoTransport(mail.transport === 'none');
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [serverId]);

  const seconds = validityProblem(validity) === null ? validitySeconds(validity) : null;
  const previewKey = previewFor && seconds !== null ? `${previewFor}|${seconds}` : null;
  useEffect(() => {
    if (!previewFor || seconds === null || !previewKey) return;
    let live = true;
    // Typing a number asks once it settles, not at every key.
    const t = setTimeout(() => {
      window.gatepass.provisioning
        .previewMail({ serverId, userId: previewFor, validitySeconds: seconds })
        .then((p) => live && setPreview({ key: previewKey, preview: p, error: null }))
        .catch((err: unknown) => live && setPreview({ key: previewKey, preview: null, error: errorMessage(err) }));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [serverId, previewFor, seconds, previewKey]);

  // Leaving the report: main forgets the run (the batch itself stays on the server).
  useEffect(() => {
    const runId = sent?.runId;
    return () => {
      if (runId) void window.gatepass.provisioning.discardRun({ runId }).catch(() => {});
    };
  }, [sent?.runId]);

  const tooMany = (users?.length ?? count) > MAX_IDS_PER_CALL;
  const canSend = !!users && users.length > 0 && seconds !== null && !busy && !noTransport && !tooMany;

  async function send() {
    if (!canSend || !users || seconds === null) return;
    setBusy(true);
    setError(null);
    const st = useAppStore.getState();
    try {
      const r = await window.gatepass.provisioning.sendMail({ serverId, userIds: users.map((u) => u.id), validitySeconds: seconds });
      setSent(r);
      // The Provisioning column shows the new codes as pending.
      st.refreshUsers();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const close = () => useAppStore.getState().closeDialog();
  const shown = preview && preview.key === previewKey ? preview : null;
  const logins = users?.map((u) => u.login) ?? [];

  if (sent) {
    const firstOk = sent.results.find((r) => r.ok);
    return (
      <ModalFrame title="Provisioning email report" className="large" step="report">
        <p className="note">
          {serverName}
          {firstOk?.ok ? `: the codes work once, until ${formatDateTime(firstOk.expiresAt)}` : ''}. This window follows the outbox; closing it stops
          nothing, the server sends on its own.
        </p>
        <SendReport serverId={serverId} sent={sent} />
        <DialogButtons>
          <span className="spacer" />
          <Button className="button primary" onPress={close} data-autofocus>
            Close
          </Button>
        </DialogButtons>
      </ModalFrame>
    );
  }

  return (
    <ModalFrame title="Send provisioning email" className="large" onSubmit={() => void send()} busy={busy} step={busy ? 'sending' : 'form'}>
      <p className="action-question">{users ? `Send a provisioning email to ${namesSummary(logins)} on ${serverName}?` : 'Finding the selected users…'}</p>
      <p>
        Each user gets a new single-use code in a message with its QR code and a link for the phone; any earlier provisioning code of theirs stops working.
        Users without an e-mail address, or who may not use mobile authentication, get none: the report says who and why.
      </p>
      {noTransport ? (
        <p className="warning-text" role="alert">
          {serverName} has no way to send mail: choose SMTP or a folder in its Settings, Mail, first.
        </p>
      ) : null}
      {tooMany ? <p className="warning-text">Select at most {MAX_IDS_PER_CALL.toLocaleString('en-US')} users at a time.</p> : null}
      <ValidityField value={validity} onChange={setValidity} serverDefault={serverDefault} isDisabled={busy || !users} />
      {users && users.length > 0 ? (
        <div className="report-bar">
          <label className="filter">
            <span>Preview for</span>
            <select aria-label="Preview for" value={previewFor ?? ''} onChange={(e) => setPreviewFor(e.target.value)} disabled={busy}>
              {users.slice(0, PREVIEW_CHOICES).map((u) => (
                <option key={u.id} value={u.id}>
                  {u.login}
                </option>
              ))}
            </select>
          </label>
          <span className="muted">The preview carries a sample code; each message carries its user's own.</span>
        </div>
      ) : null}
      {shown?.preview ? (
        <>
          {shown.preview.refusal ? <p className="warning-text">This user would get no message: {shown.preview.refusal.message}.</p> : null}
          <MailPreview preview={shown.preview} />
        </>
      ) : shown?.error ? (
        <p className="error-text">The preview could not be made: {shown.error}</p>
      ) : previewKey ? (
        <p className="muted">Rendering the preview…</p>
      ) : null}
      {busy ? (
        <div className="save-line" aria-live="polite">
          <span>Issuing codes and queuing {formatCount(users?.length ?? count, 'message')}…</span>
          <progress aria-label="Queuing the messages" />
        </div>
      ) : null}
      <DialogError message={error} />
      <DialogButtons>
        <Button className="button" onPress={close} isDisabled={busy}>
          Cancel
        </Button>
        <span className="spacer" />
        <Button className="button primary" type="submit" isDisabled={!canSend} data-autofocus>
          {users ? `Send ${formatCount(users.length, 'email')}` : 'Send'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

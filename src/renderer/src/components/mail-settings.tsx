import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Button, Label, Radio, RadioGroup } from 'react-aria-components';
import type { MailFolder } from '../../../shared/ipc/contract';
import { AddressSchema, DEFAULT_SMTP_PORT, type MailSettingsView, type SmtpSecurity } from '../../../shared/model/mail';
import { Field } from '../dialogs/field';
import { errorMessage, formatDateTime } from '../lib/format';
import {
  canKeepPassword,
  effectivePasswordChoice,
  mailDraftChanged,
  mailInput,
  mailProblems,
  toMailDraft,
  withSecurity,
  type MailDraft,
} from '../lib/mail-form';
import { mailItemText } from '../lib/mail-text';
import { useAppStore } from '../store/store';
import { SettingsFormFooter, submitSettings, useSettingsForm } from './use-settings-form';
import { triggerDownload } from '../transport/http-transport';
import { useBatchReport } from './use-batch-report';

function Choice({ value, children, isDisabled }: { value: string; children: ReactNode; isDisabled?: boolean }) {
  return (
    <Radio className="radio" value={value} isDisabled={isDisabled ?? false}>
      <span className="radio-dot" aria-hidden="true" />
      {children}
    </Radio>
  );
}

const SECURITY_TEXT: Record<SmtpSecurity, string> = {
  starttls: `STARTTLS (port ${DEFAULT_SMTP_PORT.starttls}): encrypted after connecting; refused if the server does not offer it`,
  tls: `Implicit TLS (port ${DEFAULT_SMTP_PORT.tls}): encrypted from the first byte`,
  none: `None (port ${DEFAULT_SMTP_PORT.none}): no encryption, for a relay on this machine or network only`,
};

/** "12 KB", "1.2 MB". */
function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The SMTP password, write-only: the console never has the stored one. Set: "A password is set"
 * with Change (type a new one) and Clear (no user, no password: a relay that takes mail without
 * signing in). Not set, or no longer usable (another server or user): a field to type it.
 */
function PasswordPart(props: { draft: MailDraft; saved: MailSettingsView; error: string | undefined; disabled: boolean; edit: (p: Partial<MailDraft>) => void }) {
  const { draft, saved, edit } = props;
  const choice = effectivePasswordChoice(draft, saved);
  if (draft.user.trim() === '') {
    return <p className="note">No user: the server sends without signing in to the SMTP server.</p>;
  }
  if (choice === 'keep') {
    return (
      <div className="password-state" role="group" aria-label="SMTP password">
        <span>A password is set.</span>
        <Button className="button small" onPress={() => edit({ passwordChoice: 'new', password: '' })} isDisabled={props.disabled}>
          Change password…
        </Button>
        <Button className="button small" onPress={() => edit({ user: '', passwordChoice: 'none', password: '' })} isDisabled={props.disabled}>
          Clear password
        </Button>
      </div>
    );
  }
  const again = draft.passwordChoice === 'keep' && !canKeepPassword(draft, saved);
  return (
    <div className="password-new">
      <Field
        label="Password"
        type="password"
        value={draft.password}
        onChange={(v) => edit({ password: v, passwordChoice: 'new' })}
        error={props.error}
        autoComplete="new-password"
        isDisabled={props.disabled}
        hint={
          again
            ? 'The stored password is only ever sent to the server and user it was set for: enter it again for this one.'
            : 'Kept sealed by the server; the console never shows it again.'
        }
      />
      {saved.smtp?.passwordSet && !again ? (
        <Button className="button small" onPress={() => edit({ passwordChoice: 'keep', password: '' })} isDisabled={props.disabled}>
          Keep the stored password
        </Button>
      ) : null}
    </div>
  );
}

/**
 * The folder transport's folder: where it is and, when it is on this computer, Open folder
 * (Electron) or the newest .eml files to download (the browser host, which cannot open a local
 * folder). Main finds the folder itself; the renderer only names a file of the list it gave.
 */
function MailFolderPanel({ serverId }: { serverId: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const [folder, setFolder] = useState<MailFolder | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  const load = useCallback(async () => {
    try {
      setFolder(await window.gatepass.mail.folder({ serverId }));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [serverId]);
  useEffect(() => {
    // Read on mount and on Refresh (F5): new messages land in the folder all the time.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
  }, [load, refreshTick]);

  async function open() {
    setError(null);
    try {
      await window.gatepass.mail.openFolder({ serverId });
      setStatus('Opened in the file manager.');
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function download(name: string) {
    setError(null);
    try {
      const r = await window.gatepass.mail.saveMessage({ serverId, name });
      if (r.kind === 'download') {
        triggerDownload(r.url, r.fileName);
        setStatus(`Download started: ${r.fileName}`);
      } else if (r.kind === 'saved') setStatus(`Saved to ${r.path}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  if (!folder) return error ? <p className="error-text" role="alert">{error}</p> : null;
  return (
    <section className="mail-folder" aria-label="Mail folder">
      <dl className="settings-facts">
        <dt>Folder</dt>
        <dd>{folder.path ?? '—'}</dd>
        {folder.where === 'here' ? (
          <>
            <dt>Messages</dt>
            <dd>{folder.total.toLocaleString('en-US')} .eml files</dd>
          </>
        ) : null}
      </dl>
      {folder.where === 'elsewhere' ? <p className="note">The folder is on the server's computer, not this one: open it there.</p> : null}
      {folder.where === 'here' ? (
        <>
          {folder.canOpen ? null : (
            <p className="note">
              A browser cannot open a folder on this computer: open {folder.path} in your file manager, or download the newest messages here (any mail program
              opens .eml files).
            </p>
          )}
          <div className="settings-buttons">
            {folder.canOpen ? (
              <Button className="button" onPress={() => void open()}>
                Open folder
              </Button>
            ) : null}
            <Button className="button" onPress={() => void load()}>
              Refresh list
            </Button>
            <span className="ok-text" role="status">
              {status}
            </span>
          </div>
          {folder.newest.length > 0 ? (
            <table className="mail-files" aria-label="Newest messages">
              <thead>
                <tr>
                  <th scope="col">Message file</th>
                  <th scope="col">Written</th>
                  <th scope="col">Size</th>
                  <th scope="col">
                    <span className="visually-hidden">Download</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {folder.newest.map((f) => (
                  <tr key={f.name}>
                    <td className="mono">{f.name}</td>
                    <td>{formatDateTime(f.modifiedAt)}</td>
                    <td>{formatBytes(f.bytes)}</td>
                    <td>
                      <Button className="button small" aria-label={`Download ${f.name}`} onPress={() => void download(f.name)}>
                        Download
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No messages yet.</p>
          )}
        </>
      ) : null}
      {error ? (
        <p className="dialog-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}

/**
 * "Send test message": queues one message through the saved settings and follows it in the
 * outbox until it is sent or has failed, showing the mail server's answer either way.
 */
function TestMessage({ serverId, blocked }: { serverId: string; blocked: string | null }) {
  const [to, setTo] = useState('');
  const [tried, setTried] = useState(false);
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<{ batchId: string; to: string; messageId: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { report, error: followError } = useBatchReport(serverId, sent?.batchId ?? null, { offset: 0, limit: 1 });
  const addressError = AddressSchema.safeParse(to).success ? undefined : 'An e-mail address such as anna@example.org';

  async function send() {
    setTried(true);
    if (addressError || blocked) return;
    setSending(true);
    setError(null);
    setSent(null);
    try {
      const r = await window.gatepass.mail.sendTest({ serverId, to: to.trim() });
      setSent({ batchId: r.batch.id, to: to.trim(), messageId: r.messageId });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSending(false);
    }
  }

  const item = report?.items[0];
  const outcome = item ? mailItemText(item) : sent ? { tone: 'waiting' as const, label: 'Queued', detail: 'Waiting to be sent…' } : null;
  return (
    <form
      className="settings-subsection"
      aria-label="Test message"
      // The address is checked here, in a sentence, not by the browser's own bubble.
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!sending) void send();
      }}
    >
      <h3 className="settings-subheading">Test message</h3>
      <div className="inline-fields">
        <Field label="Send a test message to" type="email" value={to} onChange={setTo} error={tried ? addressError : undefined} placeholder="you@example.org" />
        <Button type="submit" className="button" isDisabled={sending || blocked !== null}>
          Send test message
        </Button>
      </div>
      {blocked ? <p className="note">{blocked}</p> : null}
      {outcome && sent ? (
        <div className={`mail-outcome ${outcome.tone}`} role="status" aria-label="Test message outcome">
          <strong>{outcome.label}</strong>
          <span>
            {' '}
            to {sent.to}: {outcome.detail}
          </span>
          <div className="note mono">Message-ID {sent.messageId}</div>
        </div>
      ) : null}
      {error || followError ? (
        <p className="dialog-error" role="alert">
          {error ?? followError}
        </p>
      ) : null}
    </form>
  );
}

/**
 * A server's Mail settings: how it sends mail (no transport, an SMTP server, or the folder it
 * was started with), From, the SMTP server with its write-only password, a test message that
 * is followed until the mail server answers, and the folder's messages. Unsaved edits ask
 * before leaving, as the other Settings do.
 */
export function MailSettings({ serverId, serverName }: { serverId: string; serverName: string }) {
  // Leaving with unsaved edits asks first, as for the password policy.
  const form = useSettingsForm<MailSettingsView, MailDraft>({
    part: 'mail',
    what: `the mail settings of ${serverName}`,
    source: serverId,
    load: () => window.gatepass.mail.settings({ serverId }),
    toDraft: toMailDraft,
    changed: mailDraftChanged,
    submit: (d, s) =>
      Object.keys(mailProblems(d, s)).length > 0 ? 'Put right what is marked above, then save.' : window.gatepass.mail.setSettings({ serverId, settings: mailInput(d, s) }),
  });
  const { saved, draft, loadError, saving, changed, tried, edit } = form;
  const problems = saved && draft ? mailProblems(draft, saved) : {};

  if (loadError) {
    return (
      <p className="grid-message error-text" role="alert">
        Mail settings: {loadError}
      </p>
    );
  }
  if (!draft || !saved) return null;
  const shown = (e: string | undefined) => (tried ? e : undefined);
  const testBlocked = changed
    ? 'Save the changes first: the test message goes through the saved settings.'
    : saved.transport === 'none'
      ? 'Choose how the server sends mail first.'
      : null;

  return (
    <section className="settings-section" aria-label="Mail">
      <h2 className="settings-heading">Mail</h2>
      <form
        className="settings-subsection"
        aria-label="Mail settings"
        onSubmit={submitSettings(form)}
      >
        <RadioGroup
          className="option-group"
          value={draft.transport}
          onChange={(v) => edit({ transport: v === 'smtp' ? 'smtp' : v === 'folder' ? 'folder' : 'none' })}
          isDisabled={saving}
        >
          <Label className="group-label">How the server sends mail (provisioning messages, test messages)</Label>
          <Choice value="smtp">Through an SMTP server</Choice>
          <Choice value="folder" isDisabled={!saved.folder}>
            Into a folder, as .eml files{saved.folder ? `: ${saved.folder}` : ''}
          </Choice>
          <Choice value="none">Not at all: every message fails as "no mail transport configured"</Choice>
        </RadioGroup>
        {!saved.folder ? <p className="note indent">The folder is set where the server is started (gatepass server --mail-folder DIR), not here.</p> : null}
        <Field
          label="From"
          value={draft.from}
          onChange={(v) => edit({ from: v })}
          error={shown(problems.from)}
          placeholder="Gatepass <gatepass@example.org>"
          isDisabled={saving}
          hint="The sender of every message. Many SMTP servers accept only their own domain here."
        />
        {draft.transport === 'smtp' ? (
          <fieldset className="settings-group">
            <legend>SMTP server</legend>
            <div className="inline-fields">
              <Field label="Host" value={draft.host} onChange={(v) => edit({ host: v })} error={shown(problems.host)} placeholder="smtp.example.org" isDisabled={saving} />
              <Field label="Port" value={draft.port} onChange={(v) => edit({ port: v })} error={shown(problems.port)} inputMode="numeric" isDisabled={saving} />
            </div>
            <RadioGroup className="option-group" value={draft.security} onChange={(v) => edit(withSecurity(draft, v as SmtpSecurity))} isDisabled={saving}>
              <Label className="group-label">Encryption</Label>
              <Choice value="starttls">{SECURITY_TEXT.starttls}</Choice>
              <Choice value="tls">{SECURITY_TEXT.tls}</Choice>
              <Choice value="none">{SECURITY_TEXT.none}</Choice>
            </RadioGroup>
            <Field
              label="User"
              value={draft.user}
              onChange={(v) => edit({ user: v })}
              isDisabled={saving}
              autoComplete="off"
              hint="Leave empty for a server that takes mail without signing in."
            />
            <PasswordPart draft={draft} saved={saved} error={shown(problems.password)} disabled={saving} edit={edit} />
          </fieldset>
        ) : null}
        {saved.updatedAt ? (
          <p className="note">
            Last changed {formatDateTime(saved.updatedAt)}
            {saved.updatedBy ? ` by ${saved.updatedBy}` : ''}.
          </p>
        ) : null}
        <SettingsFormFooter form={form} />
      </form>
      {draft.transport === 'folder' && saved.transport === 'folder' ? <MailFolderPanel serverId={serverId} /> : null}
      <TestMessage serverId={serverId} blocked={testBlocked} />
    </section>
  );
}

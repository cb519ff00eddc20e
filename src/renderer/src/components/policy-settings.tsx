import { useCallback, useEffect, useState } from 'react';
import { Button, Checkbox, FieldError, Input, Label, TextField } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import { formatZodError } from '../../../shared/errors';
import { MIN_LENGTH_FLOOR, PolicyUpdateSchema, type PasswordPolicy } from '../../../shared/model/password-policy';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import { useUnsavedGuard } from './use-unsaved-guard';
import { CardSettings } from './card-settings';
import { OtpSettings } from './otp-settings';
import { MailSettings } from './mail-settings';
import { ProvisioningSettings } from './provisioning-settings';
import { TwoStepSettings } from './two-step-settings';

type Flag = 'requireLowercase' | 'requireUppercase' | 'requireDigit' | 'requireSymbol' | 'forbidLogin' | 'forbidCommon';

/** The checkboxes in the order they are shown; the labels are the accessible names tests use. */
const FLAGS: readonly { key: Flag; label: string }[] = [
  { key: 'requireLowercase', label: 'Require a lowercase letter' },
  { key: 'requireUppercase', label: 'Require an uppercase letter' },
  { key: 'requireDigit', label: 'Require a digit' },
  { key: 'requireSymbol', label: 'Require a symbol' },
  { key: 'forbidLogin', label: 'Must not contain the login' },
  { key: 'forbidCommon', label: 'Refuse common passwords' },
];

/** The form's state: lengths as typed text, so a half-typed number is not lost or coerced. */
interface Draft extends Omit<PasswordPolicy, 'minLength' | 'maxLength'> {
  minLength: string;
  maxLength: string;
}

function toDraft(p: PasswordPolicy): Draft {
  return { ...p, minLength: String(p.minLength), maxLength: String(p.maxLength) };
}

/** A length as a whole number, or null; the range check is left to the contract and the server. */
function parseLength(text: string): number | null {
  return /^\s*\d{1,4}\s*$/.test(text) ? Number(text) : null;
}

/** Equal as numbers when both parse ("020" is 20), else as typed. */
function sameLength(x: string, y: string): boolean {
  const a = parseLength(x);
  const b = parseLength(y);
  return a !== null && b !== null ? a === b : x.trim() === y.trim();
}

function sameDraft(a: Draft, b: Draft): boolean {
  return sameLength(a.minLength, b.minLength) && sameLength(a.maxLength, b.maxLength) && FLAGS.every((f) => a[f.key] === b[f.key]);
}

function LengthField(props: { label: string; value: string; onChange: (v: string) => void; isDisabled: boolean }) {
  const invalid = parseLength(props.value) === null;
  return (
    <TextField
      className="field length-field"
      value={props.value}
      onChange={props.onChange}
      inputMode="numeric"
      isDisabled={props.isDisabled}
      isInvalid={invalid}
      validationBehavior="aria"
      autoComplete="off"
    >
      <Label>{props.label}</Label>
      <Input spellCheck={false} />
      <FieldError className="field-error">A whole number</FieldError>
    </TextField>
  );
}

/** The server as the tree knows it: its name, address and login, with the dialog that changes them. */
function ServerSection({ serverId }: { serverId: string }) {
  const server = useAppStore(useShallow((s) => s.servers.find((x) => x.id === serverId)));
  if (!server) return null;
  return (
    <section className="settings-section" aria-label="Server">
      <h2 className="settings-heading">Server</h2>
      <dl className="settings-facts">
        <dt>Name</dt>
        <dd>{server.name}</dd>
        <dt>Address</dt>
        <dd>{server.embedded ? `${server.url} (local server, chosen at every start)` : server.url}</dd>
        <dt>Signed in as</dt>
        <dd>{server.login}</dd>
        {server.embedded ? null : (
          <>
            <dt>Trusted TLS key</dt>
            <dd className={server.tlsPin ? 'mono' : undefined}>
              {server.tlsPin ?? (server.url.startsWith('https:') ? 'none pinned: trusted through this machine’s certificate authorities' : 'none: plain http://')}
            </dd>
          </>
        )}
      </dl>
      <div className="settings-buttons">
        <Button className="button" onPress={() => useAppStore.getState().openDialog({ kind: 'editServer', serverId })}>
          {server.embedded ? 'Rename…' : 'Rename or change address…'}
        </Button>
      </div>
    </section>
  );
}

/**
 * Settings of one server: its name and address, and its password policy as a form. Save sends the whole policy
 * (policy:set), Revert returns to what the server last said; the server decides, so its
 * refusal (e.g. a minimum above the maximum) is shown with its message.
 */
export function PolicySettings({ serverId, serverName }: { serverId: string; serverName: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const [saved, setSaved] = useState<PasswordPolicy | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [status, setStatus] = useState<string>('');
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    try {
      const p = await window.gatepass.policy.get({ serverId });
      setSaved(p);
      setDraft(toDraft(p));
      setLoadError(null);
      setSaveError(null);
    } catch (err) {
      setLoadError(errorMessage(err));
    }
  }, [serverId]);

  useEffect(() => {
    // Fetching on mount and on Refresh (F5) is the point of this effect; Refresh drops unsaved edits.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
  }, [load, refreshTick]);

  const changed = saved !== null && draft !== null && !sameDraft(draft, toDraft(saved));
  const minLength = draft ? parseLength(draft.minLength) : null;
  const maxLength = draft ? parseLength(draft.maxLength) : null;
  const canSave = changed && !saving && minLength !== null && maxLength !== null;

  function edit(patch: Partial<Draft>) {
    setDraft((d) => (d ? { ...d, ...patch } : d));
    setStatus('');
  }

  /** Saves the form; false when it was refused (the reason is then shown under the form). */
  async function save(): Promise<boolean> {
    if (!draft || minLength === null || maxLength === null) return false;
    const policy: PasswordPolicy = { ...draft, minLength, maxLength };
    // The rules the server applies (the shared schema): refused here in the same words, without a round trip.
    const checked = PolicyUpdateSchema.safeParse(policy);
    if (!checked.success) {
      setSaveError(formatZodError(checked.error));
      return false;
    }
    setSaving(true);
    setSaveError(null);
    try {
      const p = await window.gatepass.policy.set({ serverId, policy: checked.data });
      setSaved(p);
      setDraft(toDraft(p));
      setStatus('Saved.');
      return true;
    } catch (err) {
      // The server's or the contract's refusal, shown as is: it names the rule that failed.
      setSaveError(errorMessage(err));
      return false;
    } finally {
      setSaving(false);
    }
  }

  function revert() {
    if (saved) setDraft(toDraft(saved));
    setSaveError(null);
    setStatus('');
  }

  // Leaving with unsaved edits (another node of the tree, closing the tab) asks first: the store
  // holds what to ask about and how to save or drop the edits, for as long as there are any.
  useUnsavedGuard('policy', changed, `the password policy of ${serverName}`, save, revert);

  return (
    <div className="table-pane">
      <div className="table-bar">
        <strong>Settings</strong>
        <span className="muted">{serverName}</span>
      </div>
      <div className="settings-scroll">
        <ServerSection serverId={serverId} />
        <TwoStepSettings serverId={serverId} serverName={serverName} />
        {loadError ? <p className="grid-message error-text" role="alert">{loadError}</p> : null}
        {!draft && !loadError ? <p className="grid-message muted">Loading…</p> : null}
        {draft ? (
          <form
            className="settings-section"
            aria-label="Password policy"
            onSubmit={(e) => {
              e.preventDefault();
              if (canSave) void save();
            }}
          >
            <h2 className="settings-heading">Password policy</h2>
            <div className="settings-lengths">
              <LengthField label="Minimum length" value={draft.minLength} onChange={(v) => edit({ minLength: v })} isDisabled={saving} />
              <LengthField label="Maximum length" value={draft.maxLength} onChange={(v) => edit({ maxLength: v })} isDisabled={saving} />
              <span className="hint">characters</span>
            </div>
            <p className="note">The minimum is at least {MIN_LENGTH_FLOOR} characters, as NIST SP 800-63B asks.</p>
            <fieldset className="settings-flags">
              <legend>Characters and checks</legend>
              {FLAGS.map((f) => (
                <Checkbox key={f.key} className="checkbox" isSelected={draft[f.key]} onChange={(v) => edit({ [f.key]: v })} isDisabled={saving}>
                  <span className="checkbox-box" aria-hidden="true" />
                  {f.label}
                </Checkbox>
              ))}
            </fieldset>
            <p className="note">
              The policy applies to passwords set from now on. Existing passwords and issued QR codes stay valid.
            </p>
            {saveError ? (
              <p className="dialog-error" role="alert">
                {saveError}
              </p>
            ) : null}
            <div className="settings-buttons">
              <Button type="submit" className="button primary" isDisabled={!canSave}>
                Save
              </Button>
              <Button className="button" isDisabled={!changed || saving} onPress={revert}>
                Revert
              </Button>
              <span className="ok-text" role="status">
                {status}
              </span>
            </div>
          </form>
        ) : null}
        <CardSettings serverId={serverId} serverName={serverName} />
        <OtpSettings serverId={serverId} serverName={serverName} />
        <MailSettings serverId={serverId} serverName={serverName} />
        <ProvisioningSettings serverId={serverId} serverName={serverName} />
      </div>
    </div>
  );
}

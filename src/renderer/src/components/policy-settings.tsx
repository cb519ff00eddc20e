import { Button, Checkbox, FieldError, Input, Label, TextField } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import { formatZodError } from '../../../shared/errors';
import { MIN_LENGTH_FLOOR, PolicyUpdateSchema, type PasswordPolicy } from '../../../shared/model/password-policy';
import { useAppStore } from '../store/store';
import { CardSettings } from './card-settings';
import { OtpSettings } from './otp-settings';
import { MailSettings } from './mail-settings';
import { ProvisioningSettings } from './provisioning-settings';
import { TwoStepSettings } from './two-step-settings';
import { SettingsFormFooter, submitSettings, useSettingsForm } from './use-settings-form';

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
  // Leaving with unsaved edits (another node of the tree, closing the tab) asks first.
  const form = useSettingsForm<PasswordPolicy, Draft>({
    part: 'policy',
    what: `the password policy of ${serverName}`,
    source: serverId,
    load: () => window.gatepass.policy.get({ serverId }),
    toDraft,
    changed: (d, p) => !sameDraft(d, toDraft(p)),
    submit: (d) => {
      const minLength = parseLength(d.minLength);
      const maxLength = parseLength(d.maxLength);
      if (minLength === null || maxLength === null) return 'The minimum and maximum lengths are whole numbers.';
      // The rules the server applies (the shared schema): refused here in the same words, without a round trip.
      const checked = PolicyUpdateSchema.safeParse({ ...d, minLength, maxLength });
      if (!checked.success) return formatZodError(checked.error);
      // The server's or the contract's refusal is shown as is: it names the rule that failed.
      return window.gatepass.policy.set({ serverId, policy: checked.data });
    },
  });
  const { draft, loadError, saving, edit } = form;
  const lengthsParse = draft !== null && parseLength(draft.minLength) !== null && parseLength(draft.maxLength) !== null;

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
              if (lengthsParse) submitSettings(form)(e);
              else e.preventDefault();
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
            <SettingsFormFooter form={form} canSave={lengthsParse} />
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

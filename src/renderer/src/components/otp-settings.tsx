import { Checkbox, FieldError, Input, Label, Text, TextField } from 'react-aria-components';
import { OTP_EXPIRATION_MINUTES, offeredModes, type OtpMode } from '../../../shared/api/email-otp';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { parseExpirationMinutes } from '../lib/computer-signin';
import { formatDateTime } from '../lib/format';
import { SettingsFormFooter, submitSettings, useSettingsForm } from './use-settings-form';

type Settings = ChannelOutput<'emailOtp:settings'>;

/** The form's state: the expiration time as typed, so a half-typed number is not lost or coerced. */
interface Draft {
  readonly minutes: string;
  readonly autoDirectory: boolean;
  readonly autoInternal: boolean;
  readonly emergencyAccess: boolean;
}

function toDraft(s: Settings): Draft {
  return { minutes: String(s.expirationMinutes), autoDirectory: s.autoDirectory, autoInternal: s.autoInternal, emergencyAccess: s.emergencyAccess };
}

function sameDraft(a: Draft, b: Draft): boolean {
  const ma = parseExpirationMinutes(a.minutes);
  const mb = parseExpirationMinutes(b.minutes);
  return (
    a.autoDirectory === b.autoDirectory &&
    a.autoInternal === b.autoInternal &&
    a.emergencyAccess === b.emergencyAccess &&
    (ma !== null && mb !== null ? ma === mb : a.minutes.trim() === b.minutes.trim())
  );
}

const RANGE_SENTENCE = `The Access Request Expiration Time is a whole number of minutes from ${OTP_EXPIRATION_MINUTES.min} to ${OTP_EXPIRATION_MINUTES.max.toLocaleString('en-US')} (24 hours).`;

/** What a user does to get a password, by mode, as the agent's request window asks it. */
const MODE_TEXT: Record<OtpMode, string> = {
  email: 'types their email address',
  directory: 'only clicks Request (the account signed in on the computer names a directory user)',
  internal: 'gives their Gatepass login and password (internal users)',
  emergency: 'ticks "I need emergency access to this computer" and types an address (marked as emergency)',
};

/** "a, b or c" */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join('; ')}; or ${items[items.length - 1]}`;
}

/**
 * Settings of one server, "Computer sign-in": how users of registered computers get a one-time
 * password by email, as the reference product's settings page has it. The Access Request
 * Expiration Time (1 to 1,440 minutes, default 30), the two automatic options (directory users:
 * the signed-in OS account; internal users: their Gatepass login and password) and emergency
 * access. The form says what the agent will offer with the options as set. Unsaved edits ask
 * before leaving, as the other parts of Settings do.
 */
export function OtpSettings({ serverId, serverName }: { serverId: string; serverName: string }) {
  const form = useSettingsForm<Settings, Draft>({
    part: 'emailOtp',
    what: `the computer sign-in settings of ${serverName}`,
    source: serverId,
    load: () => window.gatepass.emailOtp.settings({ serverId }),
    toDraft,
    changed: (d, s) => !sameDraft(d, toDraft(s)),
    submit: (d) => {
      const expirationMinutes = parseExpirationMinutes(d.minutes);
      if (expirationMinutes === null) return RANGE_SENTENCE;
      // The server's or the contract's refusal is shown as is: it names what is wrong.
      return window.gatepass.emailOtp.setSettings({ serverId, expirationMinutes, autoDirectory: d.autoDirectory, autoInternal: d.autoInternal, emergencyAccess: d.emergencyAccess });
    },
  });
  const { saved, draft, loadError, saving, edit } = form;
  const minutes = draft ? parseExpirationMinutes(draft.minutes) : null;

  if (loadError) {
    return (
      <section className="settings-section" aria-label="Computer sign-in">
        <h2 className="settings-heading">Computer sign-in</h2>
        <p className="error-text" role="alert">
          The computer sign-in settings could not be read: {loadError}
        </p>
      </section>
    );
  }
  if (!draft || !saved) return null;

  const modes = offeredModes(draft);
  const automatic = draft.autoDirectory || draft.autoInternal;
  return (
    <form
      className="settings-section"
      aria-label="Computer sign-in"
      onSubmit={submitSettings(form)}
    >
      <h2 className="settings-heading">Computer sign-in</h2>
      <p className="note">
        Users sign in to registered computers (Computers in the tree) with a one-time password sent to the email address Gatepass holds for them.
      </p>
      <TextField
        className="field minutes-field"
        value={draft.minutes}
        onChange={(v) => edit({ minutes: v })}
        inputMode="numeric"
        isDisabled={saving}
        isInvalid={minutes === null}
        validationBehavior="aria"
        autoComplete="off"
      >
        <Label>Access Request Expiration Time (minutes)</Label>
        <Input spellCheck={false} />
        <Text slot="description" className="hint">
          How long a one-time password can be used after it is requested: 1 to 1,440 minutes, default 30. Passwords already sent keep their time.
        </Text>
        <FieldError className="field-error">A whole number of minutes from 1 to 1,440</FieldError>
      </TextField>
      <Checkbox className="checkbox" isSelected={draft.autoDirectory} onChange={(v) => edit({ autoDirectory: v })} isDisabled={saving}>
        <span className="checkbox-box" aria-hidden="true" />
        Automatically send one-time passwords to directory users
      </Checkbox>
      <p className="note indented">
        The agent sends the account signed in on the computer (for example CORP\a.berg); the password goes to the directory user with that login. Set a
        user&apos;s source to Directory in Users.
      </p>
      <Checkbox className="checkbox" isSelected={draft.autoInternal} onChange={(v) => edit({ autoInternal: v })} isDisabled={saving}>
        <span className="checkbox-box" aria-hidden="true" />
        Automatically send one-time passwords to internal users
      </Checkbox>
      <p className="note indented">The user gives their Gatepass login and password; the password goes to their email address.</p>
      <Checkbox className="checkbox" isSelected={draft.emergencyAccess} onChange={(v) => edit({ emergencyAccess: v })} isDisabled={saving}>
        <span className="checkbox-box" aria-hidden="true" />
        Allow emergency access (&quot;I need emergency access to this computer&quot;)
      </Checkbox>
      <p className="note indented">
        {automatic
          ? 'With an automatic option on, a user may type an address instead; such requests and sessions are marked as emergency in the audit and the lists.'
          : 'It applies while an automatic option is on: without one, every user types their address anyway.'}
      </p>
      <p className="note" aria-live="polite">
        To get a password, a user {orList(modes.map((m) => MODE_TEXT[m]))}.
      </p>
      {saved.updatedAt ? (
        <p className="note">
          Last changed {formatDateTime(saved.updatedAt)}
          {saved.updatedBy ? ` by ${saved.updatedBy}` : ''}.
        </p>
      ) : null}
      <SettingsFormFooter form={form} />
    </form>
  );
}

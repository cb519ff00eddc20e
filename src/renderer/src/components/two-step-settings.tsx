import { useCallback, useEffect, useRef, useState } from 'react';
import { Button, Checkbox, FieldError, Input, Label, Text, TextField } from 'react-aria-components';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { ResyncForm } from '../dialogs/resync-form';
import { errorMessage, formatDateTime } from '../lib/format';
import { ACTIVE_WITHOUT_TWO_STEP } from '../lib/list-filters';
import { activeUsersText, driftText, lockoutWhen, twoStepStateText } from '../lib/two-step-text';
import { useAppStore } from '../store/store';
import type { TwoStepImpact } from '../store/types';

type Account = ChannelOutput<'twoStep:account'>;
type Settings = ChannelOutput<'twoStep:settings'>;

/** The form's state: the grace period as typed, so a half-typed number is not lost or coerced. */
interface Draft {
  readonly mandatory: boolean;
  readonly graceDays: string;
  readonly refuseDeviceCredentials: boolean;
}

function toDraft(s: Settings): Draft {
  return { mandatory: s.mandatory, graceDays: String(s.graceDays), refuseDeviceCredentials: s.refuseDeviceCredentials };
}

/** The grace period in whole days (0-365), or null. */
function parseDays(text: string): number | null {
  if (!/^\s*\d{1,3}\s*$/.test(text)) return null;
  const n = Number(text);
  return n <= 365 ? n : null;
}

function sameDraft(a: Draft, b: Draft): boolean {
  const da = parseDays(a.graceDays);
  const db = parseDays(b.graceDays);
  return a.mandatory === b.mandatory && a.refuseDeviceCredentials === b.refuseDeviceCredentials && (da !== null && db !== null ? da === db : a.graceDays.trim() === b.graceDays.trim());
}

/** "N active users" as a link to exactly them: the Users view filtered to active users without two-step verification. */
function ActiveUsersLink({ serverId, count }: { serverId: string; count: number }) {
  return (
    <button
      type="button"
      className="link-button inline"
      onClick={() => useAppStore.getState().requestView({ serverId, section: 'users', userFilters: ACTIVE_WITHOUT_TWO_STEP })}
    >
      {activeUsersText(count)}
    </button>
  );
}

/**
 * The administrator's own two-step verification on this server ("Your account"): set it up (the
 * server's QR code, the secret as text, a code to confirm), new recovery codes, resync. Mandatory
 * two-step verification can only be turned on by an administrator who has it, so this is where
 * they get it.
 */
function YourAccount({ serverId, account, onChanged }: { serverId: string; account: Account | null; onChanged: () => void }) {
  const [resyncing, setResyncing] = useState(false);
  const [status, setStatus] = useState('');
  const open = useAppStore.getState().openDialog;
  return (
    <section className="settings-section" aria-label="Your account">
      <h2 className="settings-heading">Your account</h2>
      {account ? (
        <>
          <dl className="settings-facts">
            <dt>Signed in as</dt>
            <dd>{account.login}</dd>
            <dt>Two-step verification</dt>
            <dd>{twoStepStateText(account)}</dd>
            {account.enabled ? (
              <>
                <dt>Enrolled</dt>
                <dd>{formatDateTime(account.enrolledAt)}</dd>
                <dt>Last used</dt>
                <dd>{formatDateTime(account.lastUsedAt)}</dd>
                <dt>Clock drift</dt>
                <dd>{driftText(account.driftSteps)}</dd>
                <dt>Recovery codes left</dt>
                <dd>{account.recoveryCodesLeft}</dd>
              </>
            ) : null}
          </dl>
          {resyncing ? (
            <ResyncForm
              who="your app"
              resync={(code1, code2) => window.gatepass.twoStep.resyncOwn({ serverId, code1, code2 })}
              onCancel={() => setResyncing(false)}
              onDone={(text) => {
                setResyncing(false);
                setStatus(text);
                onChanged();
              }}
            />
          ) : (
            <div className="settings-buttons">
              {account.enabled ? (
                <>
                  <Button className="button" onPress={() => open({ kind: 'ownRecoveryCodes', serverId })}>
                    New recovery codes…
                  </Button>
                  <Button
                    className="button"
                    onPress={() => {
                      setStatus('');
                      setResyncing(true);
                    }}
                  >
                    Resync…
                  </Button>
                  <Button className="button" onPress={() => open({ kind: 'enrolTwoStep', serverId })}>
                    Set up a new app…
                  </Button>
                </>
              ) : (
                <Button className="button primary" onPress={() => open({ kind: 'enrolTwoStep', serverId })}>
                  Set up two-step verification…
                </Button>
              )}
              <span className="ok-text" role="status">
                {status}
              </span>
            </div>
          )}
        </>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}

/**
 * Settings of one server: "Your account" (the administrator's own two-step verification) and
 * "Two-step verification" (mandatory for every password sign-in, the grace period, refusing QR
 * cards and .usr files meanwhile). Before turning mandatory on the console asks the server who it
 * would lock out and says so ("N active users will not be able to sign in", a link to them), then
 * asks for a confirmation that acknowledges that count. Unsaved edits ask before leaving, as the
 * password policy's do.
 */
export function TwoStepSettings({ serverId, serverName }: { serverId: string; serverName: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const twoStepTick = useAppStore((s) => s.twoStepTick);
  const [account, setAccount] = useState<Account | null>(null);
  const [saved, setSaved] = useState<Settings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [impact, setImpact] = useState<TwoStepImpact | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [saving, setSaving] = useState(false);

  const loadAccount = useCallback(async () => {
    try {
      setAccount(await window.gatepass.twoStep.account({ serverId }));
    } catch (err) {
      setLoadError(errorMessage(err));
    }
  }, [serverId]);

  const load = useCallback(async () => {
    try {
      const [s, i] = await Promise.all([window.gatepass.twoStep.settings({ serverId }), window.gatepass.twoStep.impact({ serverId, limit: 20 })]);
      setSaved(s);
      setDraft(toDraft(s));
      setImpact(i);
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
  useEffect(() => {
    // The administrator's own state, again after an enrolment or new codes.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void loadAccount();
  }, [loadAccount, refreshTick, twoStepTick]);

  const changed = saved !== null && draft !== null && !sameDraft(draft, toDraft(saved));
  const days = draft ? parseDays(draft.graceDays) : null;
  const turningOn = draft?.mandatory === true && saved?.mandatory === false;
  const canTurnOn = account?.enabled === true;

  function edit(patch: Partial<Draft>) {
    setDraft((d) => (d ? { ...d, ...patch } : d));
    setStatus('');
    setSaveError(null);
  }

  /** Sends the form with this acknowledged count; throws the server's refusal (CONFIRMATION_REQUIRED with the new count). */
  async function send(acknowledged: number | undefined): Promise<void> {
    if (!draft || days === null) throw new Error('The grace period is a whole number of days from 0 to 365');
    setSaving(true);
    try {
      const s = await window.gatepass.twoStep.setSettings({
        serverId,
        mandatory: draft.mandatory,
        graceDays: days,
        refuseDeviceCredentials: draft.refuseDeviceCredentials,
        ...(acknowledged === undefined ? {} : { acknowledgedUsersWithout2fa: acknowledged }),
      });
      setSaved(s);
      setDraft(toDraft(s));
      setSaveError(null);
      setStatus('Saved.');
      setImpact(await window.gatepass.twoStep.impact({ serverId, limit: 20 }).catch(() => impact));
    } finally {
      setSaving(false);
    }
  }

  /** Save: turning mandatory on asks the server who it would lock out, then for a confirmation of that count. */
  async function save(): Promise<void> {
    if (!draft || days === null) {
      setSaveError('The grace period is a whole number of days from 0 to 365');
      return;
    }
    setSaveError(null);
    try {
      if (turningOn) {
        const fresh = await window.gatepass.twoStep.impact({ serverId, limit: 20 });
        setImpact(fresh);
        if (fresh.activeUsersWithout2fa > 0) {
          useAppStore.getState().openDialog({ kind: 'confirmMandatory', serverId, serverName, impact: fresh, graceDays: days, save: (n) => send(n) });
          return;
        }
        await send(0);
        return;
      }
      await send(undefined);
    } catch (err) {
      setSaveError(errorMessage(err));
    }
  }

  function revert() {
    if (saved) setDraft(toDraft(saved));
    setSaveError(null);
    setStatus('');
  }

  // Leaving with unsaved edits asks first. Saving from that question acknowledges the count the
  // warning here shows; if it grew meanwhile the server refuses and the form says so.
  const actions = useRef({ send, revert, count: impact?.activeUsersWithout2fa ?? 0 });
  useEffect(() => {
    actions.current = { send, revert, count: impact?.activeUsersWithout2fa ?? 0 };
  });
  const pendingCount = turningOn ? (impact?.activeUsersWithout2fa ?? 0) : 0;
  useEffect(() => {
    if (!changed) return;
    const { setUnsavedEdits } = useAppStore.getState();
    const consequence = pendingCount > 0 ? ` (${activeUsersText(pendingCount)} will not be able to sign in with a password)` : '';
    setUnsavedEdits('twoStep', {
      what: `the two-step verification settings of ${serverName}${consequence}`,
      save: async () => {
        try {
          await actions.current.send(turningOn ? actions.current.count : undefined);
          return true;
        } catch (err) {
          setSaveError(errorMessage(err));
          return false;
        }
      },
      discard: () => actions.current.revert(),
    });
    return () => setUnsavedEdits('twoStep', null);
  }, [changed, serverName, pendingCount, turningOn]);

  return (
    <>
      <YourAccount serverId={serverId} account={account} onChanged={() => void loadAccount()} />
      {loadError ? (
        <p className="grid-message error-text" role="alert">
          {loadError}
        </p>
      ) : null}
      {draft && saved ? (
        <form
          className="settings-section"
          aria-label="Two-step verification"
          onSubmit={(e) => {
            e.preventDefault();
            if (changed && !saving) void save();
          }}
        >
          <h2 className="settings-heading">Two-step verification</h2>
          <Checkbox
            className="checkbox"
            isSelected={draft.mandatory}
            onChange={(v) => edit({ mandatory: v })}
            // Turning it on needs the administrator's own; turning it off never does.
            isDisabled={saving || (!canTurnOn && !draft.mandatory)}
          >
            <span className="checkbox-box" aria-hidden="true" />
            Mandatory for every password sign-in
          </Checkbox>
          {!canTurnOn && account ? (
            <div className="note-box" role="note">
              <p>
                Only an administrator whose own account has two-step verification can make it mandatory: set yours up first (as in the reference product, so
                nobody turns it on without being able to sign in under it).
              </p>
              <Button className="button" onPress={() => useAppStore.getState().openDialog({ kind: 'enrolTwoStep', serverId })}>
                Set up my two-step verification…
              </Button>
            </div>
          ) : null}
          <TextField
            className="field days-field"
            value={draft.graceDays}
            onChange={(v) => edit({ graceDays: v })}
            inputMode="numeric"
            isDisabled={saving}
            isInvalid={days === null}
            validationBehavior="aria"
            autoComplete="off"
          >
            <Label>Grace period (days)</Label>
            <Input spellCheck={false} />
            <Text slot="description" className="hint">
              While it runs, a user without two-step verification who signs in with a password is taken to set it up; after it, the password alone no longer
              signs them in. 0: at once. It runs from when it is saved.
            </Text>
            <FieldError className="field-error">A whole number of days from 0 to 365</FieldError>
          </TextField>
          <Checkbox className="checkbox" isSelected={draft.refuseDeviceCredentials} onChange={(v) => edit({ refuseDeviceCredentials: v })} isDisabled={saving}>
            <span className="checkbox-box" aria-hidden="true" />
            Refuse QR cards and .usr files while mandatory
          </Checkbox>
          <p className="note">
            QR cards and .usr device files sign in as their user with one factor (having the card or file). By default mandatory two-step verification leaves
            them working, for kiosks and shared devices; this refuses them too while it is on.
          </p>
          {impact && draft.mandatory && impact.activeUsersWithout2fa > 0 ? (
            <p className={turningOn ? 'warning-text' : 'note'} role={turningOn ? 'alert' : undefined}>
              <ActiveUsersLink serverId={serverId} count={impact.activeUsersWithout2fa} />{' '}
              {turningOn
                ? `will not be able to sign in with a password ${lockoutWhen(days ?? 0)}.`
                : saved.graceEndsAt && saved.graceEndsAt > new Date().toISOString()
                  ? `have no two-step verification yet: they must set it up before ${formatDateTime(saved.graceEndsAt)}.`
                  : 'have no two-step verification and cannot sign in with a password.'}
            </p>
          ) : null}
          {impact && draft.mandatory && impact.adminsWithout2fa.length > 0 ? (
            <p className="note">Administrators without two-step verification: {impact.adminsWithout2fa.join(', ')}.</p>
          ) : null}
          {saved.mandatory ? (
            <p className="note">
              Mandatory; last changed {formatDateTime(saved.updatedAt)}
              {saved.updatedBy ? ` by ${saved.updatedBy}` : ''}
              {saved.graceEndsAt ? `; grace period ${saved.graceEndsAt > new Date().toISOString() ? 'ends' : 'ended'} ${formatDateTime(saved.graceEndsAt)}` : ''}.
            </p>
          ) : null}
          {saveError ? (
            <p className="dialog-error" role="alert">
              {saveError}
            </p>
          ) : null}
          <div className="settings-buttons">
            <Button type="submit" className="button primary" isDisabled={!changed || saving || days === null}>
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
    </>
  );
}
